"""Tests for funnelcli.money: parsing, exponents and formatting of amounts."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from funnelcli.errors import Invalid
from funnelcli.money import (
    format_amount,
    format_plain,
    minor_exponent,
    normalize_currency,
    parse_amount,
    to_major,
)

NBSP, NNBSP, THIN = "\u00a0", "\u202f", "\u2009"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("USD", "USD"), ("usd", "USD"), (" eur ", "EUR"), ("Pln\n", "PLN"), ("xxx", "XXX")],
)
def test_normalize_currency(code: str, expected: str) -> None:
    assert normalize_currency(code) == expected


@pytest.mark.parametrize(
    "code", ["", "  ", "US", "USDX", "U$D", "12A", "€", "ÜSD", "uſd", "US D", "XYZ", "EUO"]
)
def test_normalize_currency_rejects(code: str) -> None:
    with pytest.raises(Invalid, match="is not a currency code"):
        normalize_currency(code)


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        *[(c, 0) for c in ["JPY", "KRW", "VND", "CLP", "ISK", "BIF", "XAF", "XOF", "XPF", "UGX"]],
        *[(c, 3) for c in ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]],
        *[(c, 2) for c in ["USD", "EUR", "PLN", "GBP", "HUF", "CZK", "XAU"]],
        ("jpy", 0),
        ("CLF", 4),
    ],
)
def test_minor_exponent(currency: str, expected: int) -> None:
    assert minor_exponent(currency) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4800", (480000, "USD")),
        ("4800.50", (480050, "USD")),
        ("4800,50", (480050, "USD")),
        ("4800,5", (480050, "USD")),
        ("0.5", (50, "USD")),
        (".5", (50, "USD")),
        (",05", (5, "USD")),
        ("0", (0, "USD")),
        ("007", (700, "USD")),
        ("4,800.50", (480050, "USD")),
        ("4 800,50", (480050, "USD")),
        ("4.800,50", (480050, "USD")),
        ("1'000.50", (100050, "USD")),
        ("1’000.50", (100050, "USD")),
        (f"4{NBSP}800,50", (480050, "USD")),
        (f"4{NNBSP}800,50", (480050, "USD")),
        (f"4{THIN}800,50", (480050, "USD")),
        ("1,234,567.89", (123456789, "USD")),
        ("1.234.567,89", (123456789, "USD")),
        ("1 234 567", (123456700, "USD")),
        ("4 800", (480000, "USD")),
        ("3,100", (310000, "USD")),
        ("1.200", (120000, "USD")),
        ("999,999", (99999900, "USD")),
        ("4800.500", (480050, "USD")),
        ("0,500", (50, "USD")),
        ("0.050", (5, "USD")),
        ("  12.30  ", (1230, "USD")),
        ("999999999999999.99", (99999999999999999, "USD")),
        ("$4,800.50", (480050, "USD")),
        ("$ 10", (1000, "USD")),
        ("10$", (1000, "USD")),
        ("€1.200,50", (120050, "EUR")),
        ("1.200,50 €", (120050, "EUR")),
        ("£10", (1000, "GBP")),
        ("¥500", (500, "JPY")),
        ("¥1,500", (1500, "JPY")),
        ("4 800,50 zł", (480050, "PLN")),
        (f"4{NBSP}800,50{NBSP}zł", (480050, "PLN")),
        ("100zł", (10000, "PLN")),
        ("100 ZŁ", (10000, "PLN")),
        ("₴100", (10000, "UAH")),
        ("₽100", (10000, "RUB")),
        ("100 Kč", (10000, "CZK")),
        ("₹100", (10000, "INR")),
        ("₩1,000", (1000, "KRW")),
        ("USD 100", (10000, "USD")),
        ("100 EUR", (10000, "EUR")),
        ("100eur", (10000, "EUR")),
        ("chf1'250.75", (125075, "CHF")),
        ("$100 USD", (10000, "USD")),
        ("500 JPY", (500, "JPY")),
        ("500.00 JPY", (500, "JPY")),
        ("1.500 JPY", (1500, "JPY")),
        ("1,234 KWD", (1234, "KWD")),
        ("1.234 KWD", (1234, "KWD")),
        ("1,234.567 KWD", (1234567, "KWD")),
        ("0.5 BHD", (500, "BHD")),
        ("XXX 1", (100, "XXX")),
    ],
)
def test_parse_amount(text: str, expected: tuple[int, str]) -> None:
    assert parse_amount(text, "USD") == expected


@pytest.mark.parametrize(
    ("text", "default", "expected"),
    [
        ("4800", "pln", (480000, "PLN")),
        ("500", "JPY", (500, "JPY")),
        ("1,200", "JPY", (1200, "JPY")),
        ("1,200", "KWD", (1200, "KWD")),
        ("1.5", "KWD", (1500, "KWD")),
        ("$5", "EUR", (500, "USD")),
        ("5 eur", "PLN", (500, "EUR")),
        ("12.3456", "CLF", (123456, "CLF")),
        ("7", " pln ", (700, "PLN")),
    ],
)
def test_parse_amount_default_currency(text: str, default: str, expected: tuple[int, str]) -> None:
    assert parse_amount(text, default) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the amount is empty"),
        ("   ", "the amount is empty"),
        (f"{NBSP}\t\n", "the amount is empty"),
        ("abc", "can't read 'abc' as an amount"),
        ("12abc", "can't read '12abc' as an amount"),
        ("12 xyz", "can't read '12 xyz' as an amount"),
        ("1..2", "can't read '1..2' as an amount"),
        ("$", "can't read '$' as an amount"),
        ("USD", "can't read 'USD' as an amount"),
        ("NaN", "can't read 'NaN' as an amount"),
        ("nan", "can't read 'nan' as an amount"),
        ("inf", "can't read 'inf' as an amount"),
        ("Infinity", "can't read 'Infinity' as an amount"),
        ("1e5", "can't read '1e5' as an amount"),
        ("1E5", "can't read '1E5' as an amount"),
        ("0x10", "can't read '0x10' as an amount"),
        ("1_000", "can't read '1_000' as an amount"),
        ("+5", "can't read '+5' as an amount"),
        ("5.", "can't read '5.' as an amount"),
        (".", "can't read '.' as an amount"),
        (",", "can't read ',' as an amount"),
        ("'", "can't read \"'\" as an amount"),
        ("4,80,0", "can't read '4,80,0' as an amount"),
        ("1.2345,00", "can't read '1.2345,00' as an amount"),
        ("1,2345.00", "can't read '1,2345.00' as an amount"),
        ("48 00", "can't read '48 00' as an amount"),
        ("4 8000", "can't read '4 8000' as an amount"),
        ("1234 567", "can't read '1234 567' as an amount"),
        ("1,234.5.6", "can't read '1,234.5.6' as an amount"),
        ("1.234,5,6", "can't read '1.234,5,6' as an amount"),
        ("1 234.567,89", "can't read '1 234.567,89' as an amount"),
        ("1 234'567", "can't read \"1 234'567\" as an amount"),
        ("4 800,5 0", "can't read '4 800,5 0' as an amount"),
        (" 4,800.50,", "can't read '4,800.50,' as an amount"),
        ("1 000 000,00,00", "can't read '1 000 000,00,00' as an amount"),
        ("4\t800", "can't read '4\\t800' as an amount"),
        ("٣٤", "can't read '٣٤' as an amount"),
        ("１２", "can't read '１２' as an amount"),
        ("²", "can't read '²' as an amount"),
        ("$$5", "can't read '$$5' as an amount"),
        ("5 USD USD", "can't read '5 USD USD' as an amount"),
        ("US$5", "can't read 'US$5' as an amount"),
        ("(5", "can't read '(5' as an amount"),
        ("-", "can't read '-' as an amount"),
        ("-abc", "can't read '-abc' as an amount"),
        ("$100 EUR", "'$100 EUR' names two different currencies"),
        ("-5", "amounts can't be negative: '-5'"),
        ("−5", "amounts can't be negative: '−5'"),
        ("(5)", "amounts can't be negative: '(5)'"),
        ("-$5", "amounts can't be negative: '-$5'"),
        ("$-5", "amounts can't be negative: '$-5'"),
        ("($5.00)", "amounts can't be negative: '($5.00)'"),
        ("-5 EUR", "amounts can't be negative: '-5 EUR'"),
        ("4800.505", "'4800.505' has more decimals than USD allows (2)"),
        ("0.001", "'0.001' has more decimals than USD allows (2)"),
        ("500.5 JPY", "'500.5 JPY' has more decimals than JPY allows (0)"),
        ("¥0.5", "'¥0.5' has more decimals than JPY allows (0)"),
        ("1.2345 KWD", "'1.2345 KWD' has more decimals than KWD allows (3)"),
        ("1234567890123456", "'1234567890123456' is too large"),
        ("1,234,567,890,123,456.00", "'1,234,567,890,123,456.00' is too large"),
    ],
)
def test_parse_amount_rejects(text: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_amount(text, "USD")
    assert caught.value.message.startswith(message)


def test_parse_amount_rejects_bad_default_currency() -> None:
    with pytest.raises(Invalid, match="'dollars' is not a currency code"):
        parse_amount("5", "dollars")


def test_parse_amount_allows_leading_zeros_up_to_the_limit() -> None:
    assert parse_amount("000999999999999999", "JPY") == (999999999999999, "JPY")


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (480050, "USD", 4800.5),
        (480000, "USD", 4800),
        (5, "USD", 0.05),
        (0, "USD", 0),
        (500, "JPY", 500),
        (1234567, "KWD", 1234.567),
        (1000, "kwd", 1),
        (99999999999999999, "USD", 999999999999999.99),
        (-250, "EUR", -2.5),
    ],
)
def test_to_major(minor: int, currency: str, expected: float) -> None:
    result = to_major(minor, currency)
    assert result == expected
    assert type(result) is type(expected)


@given(
    st.integers(min_value=-(10**18), max_value=10**18),
    st.sampled_from(["USD", "JPY", "KWD", "EUR", "CLF"]),
)
@example(2**53 + 1, "JPY")  # whole, past a float's integers: the exact int
@example((2**53 + 1) * 100, "USD")
def test_to_major_is_the_float_nearest_the_exact_amount(minor: int, currency: str) -> None:
    """The JSON value is the float nearest minor / 10^exponent, as the exact
    decimal quotient rounded once gives it (an independent computation)."""
    from decimal import Decimal, localcontext
    from fractions import Fraction

    exponent = {"USD": 2, "JPY": 0, "KWD": 3, "EUR": 2, "CLF": 4}[currency]
    exact = Fraction(minor, 10**exponent)
    with localcontext() as ctx:
        ctx.prec = 60
        via_decimal = float(Decimal(minor) / 10**exponent)
    got = to_major(minor, currency)
    if exact.denominator == 1:  # whole: the exact int (a float stops at 2**53)
        assert isinstance(got, int)
        assert got == exact
    else:
        assert isinstance(got, float)
        assert got == float(exact) == via_decimal


@pytest.mark.parametrize(
    ("minor", "currency", "with_code", "expected"),
    [
        (480050, "USD", True, "4,800.50 USD"),
        (480050, "USD", False, "4,800.50"),
        (500, "JPY", True, "500 JPY"),
        (123456789, "JPY", True, "123,456,789 JPY"),
        (5, "usd", True, "0.05 USD"),
        (0, "EUR", True, "0.00 EUR"),
        (123456789, "EUR", False, "1,234,567.89"),
        (1234567, "KWD", True, "1,234.567 KWD"),
        (-480050, "USD", True, "-4,800.50 USD"),
    ],
)
def test_format_amount(minor: int, currency: str, with_code: bool, expected: str) -> None:
    assert format_amount(minor, currency, with_code=with_code) == expected


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (480050, "USD", "4800.50"),
        (500, "JPY", "500"),
        (5, "USD", "0.05"),
        (0, "USD", "0.00"),
        (123456789, "EUR", "1234567.89"),
        (1234567, "KWD", "1234.567"),
        (7, "BHD", "0.007"),
        (-5, "USD", "-0.05"),
    ],
)
def test_format_plain(minor: int, currency: str, expected: str) -> None:
    assert format_plain(minor, currency) == expected


CURRENCIES = st.sampled_from(["USD", "EUR", "PLN", "JPY", "KRW", "KWD", "BHD", "CLF", "CHF"])
MINOR = st.integers(min_value=0, max_value=10**15 - 1)


@given(MINOR, CURRENCIES)
def test_formatted_amounts_parse_back(minor: int, currency: str) -> None:
    assert parse_amount(format_plain(minor, currency), currency) == (minor, currency)
    assert parse_amount(format_amount(minor, currency), "XXX") == (minor, currency)
    assert parse_amount(format_amount(minor, currency, with_code=False), currency) == (
        minor,
        currency,
    )


AMOUNTISH = st.text(
    alphabet="0123456789.,'’ -()$€zł\u00a0\u202fUSDeurJPYKWDabcxE\t",
    max_size=24,
)


@given(st.one_of(st.text(), AMOUNTISH))
def test_parse_amount_returns_or_raises_invalid(text: str) -> None:
    try:
        minor, currency = parse_amount(text, "USD")
    except Invalid as error:
        assert "\n" not in error.message
    else:
        assert isinstance(minor, int) and 0 <= minor < 2**63
        assert len(currency) == 3 and currency.isascii() and currency.isupper()
