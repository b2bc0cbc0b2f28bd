"""'Did you mean …?' for a mistyped name (stage, pipeline, owner, tag, source,
activity kind), as Click suggests for a mistyped command.

Only error paths call these, so difflib is imported inside, never at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable

SHOWN = 10  # an error lists at most this many of the known names


def closest(word: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known names `word` most likely meant, ignoring case: those it is the
    start of (a prefix is never taken silently, so it is suggested), else the
    nearest by difflib's ratio (ties kept, at most `n`)."""
    import difflib

    names: dict[str, str] = {}
    for name in known:
        names.setdefault(name.casefold(), name)
    typed = word.strip().casefold()
    if not typed:
        return []
    started = sorted(
        (k for k in names if k.startswith(typed) and k != typed), key=lambda k: (len(k), k)
    )
    if started:
        return [names[k] for k in started[:n]]
    matcher = difflib.SequenceMatcher(b=typed)
    scored = []
    for key in names:
        matcher.set_seq1(key)
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6:
            ratio = matcher.ratio()
            if ratio >= 0.6:
                scored.append((ratio, key))
    if not scored:
        return []
    best = max(r for r, _ in scored)
    return [names[k] for r, k in sorted(scored, key=lambda x: (-x[0], x[1])) if r == best][:n]


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """'did you mean qualified? ' ('… anna or anne? ' on a tie), or ''."""
    close = closest(word, known)
    if not close:
        return ""
    names = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
    return f"did you mean {names}? "


def listed(names: list[str], shown: int = SHOWN) -> str:
    """'a, b, c' (or 'none'); past `shown` names, '… and N more'."""
    if not names:
        return "none"
    more = len(names) - shown
    text = ", ".join(names[:shown])
    return f"{text} … and {more} more" if more > 0 else text
