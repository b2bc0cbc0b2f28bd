"""Telling a team database's `postgresql://` URL from a SQLite file's path,
and showing one without its password. Text only: no driver is imported."""

from __future__ import annotations

import re

SCHEMES = ("postgresql://", "postgres://")


def is_url(target: object) -> bool:
    """Is `target` (a --db, FUNNEL_DB or config `db` value) a PostgreSQL URL?"""
    return isinstance(target, str) and target.lower().startswith(SCHEMES)


def shown(url: str) -> str:
    """The URL as messages show it: a password in it replaced by `***`."""
    url = re.sub(r"^(\w+://[^/@:]*:)[^/@]*@", r"\1***@", url)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", url, flags=re.IGNORECASE)


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
