"""Telling a team database's `postgresql://` URL from a SQLite file's path,
and showing one without its password. Text only: no driver is imported."""

from __future__ import annotations

import re

SCHEMES = ("postgresql://", "postgres://")


def is_url(target: object) -> bool:
    """Is `target` (a --db, FUNNEL_DB or config `db` value) a PostgreSQL URL?"""
    return isinstance(target, str) and target.lower().startswith(SCHEMES)


def shown(url: str) -> str:
    """The URL as messages show it: a password in it replaced by `***` (up to
    the last `@` before the path: all of a password with an unescaped `@`)."""
    url = re.sub(r"^(\w+://[^/@:]*:)[^/]*@", r"\1***@", url)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", url, flags=re.IGNORECASE)


# libpq's keyword/value form: `host=db.example.com dbname=sales user=anna`
_KEYWORDS = re.compile(
    r"(?:^|\s)(?:host|hostaddr|port|dbname|user|password|passfile|service|sslmode)\s*=",
    re.IGNORECASE,
)


def mistaken_server(target: str) -> str | None:
    """A --db/FUNNEL_DB/config `db` value that isn't a postgresql:// URL but
    was surely meant for a server (libpq's `host=… dbname=…` form, or a
    scheme with a slash missing): what to say instead of making a SQLite
    file of that name. None for anything else."""
    if is_url(target):
        return None
    if re.match(r"postgres(?:ql)?:", target, re.IGNORECASE):
        return "is not a postgresql:// URL (a slash missing?)"
    if _KEYWORDS.search(target):
        return "is libpq's key=value form, which funnel doesn't take: give a postgresql:// URL"
    return None


def broken_url(url: str) -> str | None:
    """What is wrong with a postgresql:// URL that libpq would misread: an
    unescaped `@` in its password (libpq takes the rest for the host, and
    its error would show it). None when nothing is."""
    authority = re.sub(r"^\w+://", "", url).split("/", 1)[0].split("?", 1)[0]
    if authority.count("@") > 1:
        return (
            "has an @ in its user or password: write it as %40 "
            "(better, keep the password in ~/.pgpass)"
        )
    return None


def shown_target(target: str) -> str:
    """A --db/FUNNEL_DB/config `db` value as messages show it: a URL's
    password, or a `password=` in libpq's key=value form, as `***`."""
    return re.sub(r"(password\s*=\s*)\S+", r"\1***", shown(target), flags=re.IGNORECASE)


def has_password(url: str) -> bool:
    """Does the URL carry a password (`user:secret@` or `password=`)?"""
    return shown(url) != url


def without_password(url: str) -> str:
    """The URL with any password taken out (`user:secret@` -> `user@`, no
    `password=`): what a hook may be told (the password stays in ~/.pgpass
    or PGPASSWORD)."""
    url = re.sub(r"^(\w+://[^/@:]*):[^/]*@", r"\1@", url)
    url = re.sub(r"([?&])password=[^&]*(&|$)", r"\1", url, flags=re.IGNORECASE)
    return url.rstrip("?&")
