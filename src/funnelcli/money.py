"""Money amounts: integer minor units plus an ISO 4217 currency code.

Pure and cheap to import (only ``re``); no float arithmetic but to_major's
one correctly rounded division, for JSON.
"""

from __future__ import annotations

import re
from functools import cache

from funnelcli.errors import Invalid

# ISO 4217 exponents that differ from 2 (XAU and friends have none; they use 2).
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys(_THREE.split(), 3),
    "CLF": 4,
    "UYW": 4,
}

# Codes recognised inside amount text ("100eur"), so that "12abc" stays garbage.
_KNOWN_CODES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD
    BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD
    EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD
    IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA
    MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP
    PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP
    SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST
    XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG
    ZWL""".split()  # noqa: SIM905
)

# Unambiguous symbols only ("kr", "Fr" and "R$" are left out on purpose). Keys are lower case.
_SYMBOLS: dict[str, str] = {
    "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "zł": "PLN", "₴": "UAH", "₽": "RUB",
    "kč": "CZK", "₹": "INR", "₩": "KRW", "₪": "ILS", "₺": "TRY", "₫": "VND", "₱": "PHP",
    "฿": "THB",
}  # fmt: skip

_ONE_CHAR = "".join(s for s in _SYMBOLS if len(s) == 1)
_MARK = rf"[A-Za-z]{{3}}|[zZ][łŁ]|[kK][čČ]|[{_ONE_CHAR}]"  # lower() of a match is a key


@cache
def _mark_re() -> re.Pattern[str]:
    # Compiled on first use: most commands never parse an amount.
    return re.compile(_MARK)  # matches are at most 3 characters long


# Spaces of any width become " ", apostrophes become "'": both only ever group digits.
_SEPARATORS = str.maketrans(dict.fromkeys("\u00a0\u2007\u2009\u202f", " ") | {"’": "'"})


@cache
def _number_re() -> re.Pattern[str]:
    return re.compile(r"[0-9., ']+")


_MAX_DIGITS = 15


@cache  # a table or report formats thousands of amounts in a few currencies
def normalize_currency(code: str) -> str:
    """Return ``code`` stripped and upper-cased; it must be an ISO 4217 code, so a
    typo (``--currency EUO``) can't split totals into a currency nobody uses."""
    stripped = code.strip()
    if not (len(stripped) == 3 and stripped.isascii() and stripped.isalpha()) or (
        stripped.upper() not in _KNOWN_CODES
    ):
        raise Invalid(f"{code!r} is not a currency code (use ISO codes like USD, EUR, PLN)")
    return stripped.upper()


def minor_exponent(currency: str) -> int:
    """Digits after the decimal point in ``currency`` (ISO 4217; 2 when not listed)."""
    return _EXPONENTS.get(normalize_currency(currency), 2)


def _unsign(text: str) -> tuple[bool, str]:
    if text[:1] in ("-", "−"):
        return True, text[1:].strip()
    if text[:1] == "(" and text[-1:] == ")":
        return True, text[1:-1].strip()
    return False, text


def _currency(mark: str, shown: str) -> str:
    code = _SYMBOLS.get(mark.lower()) or mark.upper()
    if code not in _KNOWN_CODES:
        raise Invalid(f"can't read {shown} as an amount")
    return code


def _separators(s: str, exp: int, bad: Invalid) -> tuple[str | None, str | None]:
    """Which character of ``s`` groups digits and which is the decimal point (or None)."""
    marks = {c for c in s if c in ".,"}
    groups = {c for c in s if c in " '"}
    if len(groups) > 1 or (groups and len(marks) > 1):
        raise bad
    if len(marks) == 2:
        dec = max(marks, key=s.rindex)
        return (marks - {dec}).pop(), dec
    if groups:
        return groups.pop(), (marks.pop() if marks else None)
    if marks:
        sep = marks.pop()
        head, _, tail = s.rpartition(sep)
        thousands = len(tail) == 3 and 1 <= len(head) <= 3 and head.strip("0") != ""
        if s.count(sep) > 1 or (thousands and exp < 3):
            return sep, None
        return None, sep
    return None, None


def _whole_and_fraction(
    s: str, group: str | None, dec: str | None, bad: Invalid
) -> tuple[str, str]:
    """The digits of ``s`` before and after the decimal point, groups checked and removed."""
    whole, frac = s, ""
    if dec is not None:
        whole, _, frac = s.rpartition(dec)
        if dec in whole or not frac.isdigit():
            raise bad
    if group is not None:
        parts = whole.split(group)
        if not 1 <= len(parts[0]) <= 3 or any(len(p) != 3 for p in parts[1:]):
            raise bad
        whole = "".join(parts)
    if whole and not whole.isdigit():
        raise bad
    return whole, frac


def _to_minor(num: str, currency: str, shown: str) -> int:
    bad = Invalid(f"can't read {shown} as an amount")
    exp = minor_exponent(currency)
    s = num.translate(_SEPARATORS)
    if not _number_re().fullmatch(s):
        raise bad
    group, dec = _separators(s, exp, bad)
    whole, frac = _whole_and_fraction(s, group, dec, bad)
    whole = whole.lstrip("0")
    if len(whole) > _MAX_DIGITS:
        raise Invalid(f"{shown} is too large (at most {_MAX_DIGITS} digits before the point)")
    frac = frac.rstrip("0")
    if len(frac) > exp:
        raise Invalid(f"{shown} has more decimals than {currency} allows ({exp})")
    return int(whole + frac.ljust(exp, "0") or "0")


def parse_amount(text: str, default_currency: str) -> tuple[int, str]:
    """Read ``text`` as ``(minor units, currency)``, e.g. ``"$4,800.50"`` -> ``(480050, "USD")``.

    A currency symbol or known ISO code may come before or after the number, with or
    without a space; it wins over ``default_currency``. Both may be given if they agree.
    Separators: when both ``.`` and ``,`` appear the last one is the decimal point; spaces
    (also NBSP, narrow NBSP, thin space) and apostrophes only group digits, so beside them a
    lone ``.`` or ``,`` is the decimal point. A single ``.`` or ``,`` followed by exactly
    three digits after a non-zero 1-3 digit integer part groups thousands (``3,100`` is
    3100): CRM amounts rarely have three decimals. For currencies that do (KWD, BHD, ...)
    it is the decimal point. Any other lone ``.`` or ``,`` is the decimal point; a leading
    one is allowed (``.5`` is 0.5), a trailing one is not. Groups must have three digits.
    Trailing zeros past the currency's exponent are fine (``500.00`` JPY); other extra
    decimals, signs, exponents and more than 15 integer digits raise ``Invalid``.
    """
    shown = repr(text.strip())
    if not text.strip():
        raise Invalid("the amount is empty")
    default = normalize_currency(default_currency)
    negative, rest = _unsign(text.strip())
    found: set[str] = set()
    if prefix := _mark_re().match(rest):
        found.add(_currency(prefix.group(), shown))
        rest = rest[prefix.end() :].lstrip()
    ends = (_mark_re().fullmatch(rest, max(len(rest) - n, 0)) for n in (3, 2, 1))
    if suffix := next((m for m in ends if m), None):
        found.add(_currency(suffix.group(), shown))
        rest = rest[: suffix.start()].rstrip()
    if len(found) > 1:
        raise Invalid(f"{shown} names two different currencies")
    currency = found.pop() if found else default
    inner_negative, rest = _unsign(rest)
    minor = _to_minor(rest, currency, shown)
    if negative or inner_negative:
        raise Invalid(f"amounts can't be negative: {shown}")
    return minor, currency


_SCALES: dict[str, int] = {}  # currency -> 10 ** exponent, for per-row calls


def to_major(minor: int, currency: str) -> int | float:
    """``minor`` in major units for JSON: an int when whole, else the nearest float."""
    scale = _SCALES.get(currency)
    if scale is None:
        scale = _SCALES[currency] = 10 ** minor_exponent(currency)
    if minor % scale == 0:
        return minor // scale
    # int / int is the float nearest the exact quotient (CPython rounds it
    # correctly), which is what a detour through Decimal gave, ~1 ms later
    return minor / scale


def _split(minor: int, currency: str) -> tuple[str, int, str]:
    exp = minor_exponent(currency)
    whole, frac = divmod(abs(minor), 10**exp)
    return ("-" if minor < 0 else ""), whole, (f".{frac:0{exp}d}" if exp else "")


def format_amount(minor: int, currency: str, *, with_code: bool = True) -> str:
    """``minor`` for tables: ``4,800.50 USD`` (``4,800.50`` without the code)."""
    sign, whole, frac = _split(minor, currency)
    text = f"{sign}{whole:,}{frac}"
    return f"{text} {normalize_currency(currency)}" if with_code else text


def format_plain(minor: int, currency: str) -> str:
    """``minor`` as canonical ungrouped decimal text for CSV: ``4800.50``, ``500``."""
    sign, whole, frac = _split(minor, currency)
    return f"{sign}{whole}{frac}"
