"""The TOML configuration: read with tomllib, written with tomli-w.

Reading costs nothing when there is no file (the usual case), so the
defaults live here as plain data and tomllib is imported only to read one.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from funnelcli.errors import Invalid, NotFound

CONFIG_VERSION = 1

# The kinds `funnel log` always accepts; config `activity_kinds` adds more.
# A note is internal, not contact with the customer: it is no touch.
ACTIVITY_KINDS = ("call", "email", "meeting", "message", "demo", "note")
NOTE_KIND = "note"

DEFAULTS: dict[str, Any] = {
    "config_version": CONFIG_VERSION,
    "owner": "me",
    "currency": "USD",
    "date_order": "ymd",
    "default_pipeline": "sales",
    "db": "",
    "activity_kinds": [],
    "workdays": "mon-fri",
    "user": "",
    "hooks": True,
    "hook_timeout": 5.0,
}

# The most a hook may run, in seconds (config `hook_timeout`).
HOOK_TIMEOUT_MAX = 600.0

DESCRIPTIONS: dict[str, str] = {
    "config_version": "format of this file (set by funnelcli)",
    "owner": "owner of new deals when --owner is not given",
    "currency": "currency of new deals when neither --currency nor a symbol is given",
    "date_order": "how to read ambiguous dates like 03/04/2026: ymd (refuse), dmy or mdy",
    "default_pipeline": "pipeline used when --pipeline is not given",
    "db": "path of the database file (FUNNEL_DB and --db override it)",
    "activity_kinds": "kinds `funnel log` accepts besides call, email, meeting, message, "
    "demo and note, comma-separated",
    "workdays": "days a follow-up cadence and +Nbd count: mon-fri, sun-thu, mon,wed,fri",
    "user": "who you are in `funnel changes` and, on a team database, the owner of what "
    "you add (empty: your login name)",
    "hooks": "run the hooks in the config directory's hooks/ after a change: true or false "
    "(FUNNEL_HOOKS and --no-hooks override it)",
    "hook_timeout": "seconds a hook may run before it is stopped (default 5)",
}


# Settings kept in the database, not in this file: everyone who shares the
# database sees the same (services/settings.py). `config get|set` shows and
# sets them beside the file's.
DATABASE_KEYS = ("timezone",)


class Config:
    """Settings in effect: the file's values over the defaults."""

    def __init__(self, path: Path, values: dict[str, Any] | None = None) -> None:
        self.path = path  # the config file, which may not exist
        self.values = dict(DEFAULTS) if values is None else values
        # the keys the file sets (a team database's owner default needs to know)
        self.given = {k for k, v in self.values.items() if k not in DEFAULTS or v != DEFAULTS[k]}

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key, DEFAULTS.get(key))

    @property
    def owner(self) -> str:
        return str(self["owner"])

    @property
    def user(self) -> str:
        """Who this person is: FUNNEL_USER, else config `user`, else the login name."""
        configured = os.environ.get("FUNNEL_USER", "").strip() or str(self["user"]).strip()
        if configured:
            return configured
        import getpass

        try:
            return getpass.getuser()
        except Exception:  # no user name in this environment
            return "unknown"

    def new_deal_owner(self, team: bool) -> str:
        """The owner of a deal added without --owner: config `owner`; on a
        team database, where "me" means nobody, `user` unless `owner` is set."""
        if team and "owner" not in self.given:
            return self.user
        return self.owner

    @property
    def currency(self) -> str:
        return str(self["currency"])

    @property
    def date_order(self) -> str:
        return str(self["date_order"])

    @property
    def default_pipeline(self) -> str:
        return str(self["default_pipeline"])

    @property
    def activity_kinds(self) -> list[str]:
        """The kinds `log` accepts: the built-in ones, then the config's."""
        kinds = self["activity_kinds"]
        extra = [str(k) for k in kinds] if isinstance(kinds, list) else []
        return [*ACTIVITY_KINDS, *(k for k in extra if k not in ACTIVITY_KINDS)]

    @property
    def workdays(self) -> frozenset[int]:
        """Working days as weekday numbers (Monday 0), checked when read or set."""
        from funnelcli.periods import read_workdays

        return read_workdays(str(self["workdays"]))


def expand_home(path: Path) -> Path:
    """`~` and `~user` expanded, as a shell would; one clear error, not
    Python's RuntimeError, when that user or home directory doesn't exist."""
    try:
        return path.expanduser()
    except RuntimeError:
        raise Invalid(f"can't expand ~ in {path}: no such user or home directory") from None


def config_path() -> Path:
    """`FUNNEL_CONFIG` when set, else the platform's config directory."""
    env = os.environ.get("FUNNEL_CONFIG")
    if env:
        return expand_home(Path(env))
    from funnelcli.dirs import config_dir

    return config_dir() / "config.toml"


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config(path)
    except OSError as exc:
        raise Invalid(f"can't read config file {path}: {exc.strerror}") from None
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise Invalid(f"config file {path} is not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per level of [ or {
        raise Invalid(f"config file {path}: arrays or tables nested too deeply") from None
    version = data.get("config_version", CONFIG_VERSION)
    if not isinstance(version, int) or version > CONFIG_VERSION:
        raise Invalid(
            f"config file {path} has config_version {version!r}; this funnelcli "
            f"understands up to {CONFIG_VERSION}"
        )
    values = dict(DEFAULTS)
    values.update(data)
    # A hand-edited file is checked like `config set`, so a bad value can't
    # reach the database (a currency "usd" would split every total in two).
    for key in DEFAULTS:
        if key == "config_version" or key not in data:
            continue
        raw = data[key]
        text = ",".join(map(str, raw)) if isinstance(raw, list) else raw
        if key in ("hooks", "hook_timeout") and isinstance(raw, bool | int | float):
            text = str(raw).lower()  # TOML's own true/false and numbers
        if not isinstance(text, str):
            raise Invalid(f"config file {path}: {key} must be text, not {raw!r}")
        try:
            values[key] = validate_setting(key, text)
        except Invalid as exc:
            raise Invalid(f"config file {path}: {exc.message}") from None
    return Config(path, values)


def validate_setting(key: str, value: str) -> Any:
    """Check one `config set KEY VALUE` and return the value to store."""
    if key not in DEFAULTS or key == "config_version":
        known = ", ".join([*(k for k in DEFAULTS if k != "config_version"), *DATABASE_KEYS])
        raise NotFound(f"unknown config key '{key}' (known: {known})")
    if key == "currency":
        from funnelcli.money import normalize_currency

        return normalize_currency(value)
    if key == "date_order":
        if value not in ("ymd", "dmy", "mdy"):
            raise Invalid(f"date_order must be ymd, dmy or mdy, not '{value}'")
        return value
    if key == "workdays":
        from funnelcli.periods import read_workdays, workdays_text

        return workdays_text(read_workdays(value))
    if key == "activity_kinds":
        kinds = [k.strip().casefold() for k in value.split(",") if k.strip()]
        if any(" " in k for k in kinds):
            raise Invalid("activity kinds are single words, comma-separated: call,email,meeting")
        return kinds
    if key == "hooks":
        return read_switch(value, "hooks")
    if key == "hook_timeout":
        return read_timeout(value)
    if key in ("owner", "default_pipeline") and not value.strip():
        raise Invalid(f"{key} can't be empty")
    return value.strip() if key != "db" else value


def read_switch(value: str, what: str) -> bool:
    """true/false (also yes/no, on/off, 1/0), as config `hooks` and FUNNEL_HOOKS take it."""
    word = value.strip().lower()
    if word in ("true", "yes", "on", "1"):
        return True
    if word in ("false", "no", "off", "0"):
        return False
    raise Invalid(f"{what} must be true or false, not '{value}'")


def read_timeout(value: str) -> float:
    """Seconds, more than 0 and at most HOOK_TIMEOUT_MAX."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= HOOK_TIMEOUT_MAX:  # also NaN
        raise Invalid(
            f"hook_timeout must be seconds above 0 and at most {HOOK_TIMEOUT_MAX:g}, not '{value}'"
        )
    return seconds


def save_setting(config: Config, key: str, value: str) -> Any:
    """Write one validated setting, keeping the rest of the file as it was."""
    import tomli_w

    stored = validate_setting(key, value)
    # Keep only what differs from the defaults (and keys we don't know, so a
    # newer funnelcli's settings survive), so changing a default later works.
    data = {k: v for k, v in config.values.items() if k not in DEFAULTS or v != DEFAULTS[k]}
    data["config_version"] = CONFIG_VERSION
    data[key] = stored
    try:
        text = tomli_w.dumps(data)
    except RecursionError:  # a value read from the file (tomli-w recurses deeper)
        raise Invalid(f"config file {config.path}: arrays or tables nested too deeply") from None
    _write_private(config.path, text)
    config.values[key] = stored
    return stored


def _write_private(path: Path, text: str) -> None:
    """Replace the file at `path` with `text`, 0600 in directories made 0700
    (whatever the umask: the config says which database to use, so no one
    else may change it), through a temporary file created exclusively beside
    it (never a predictable name that a planted symlink could redirect)."""
    import tempfile

    tmp: str | None = None
    try:
        missing = [d for d in [*reversed(path.parent.parents), path.parent] if not d.exists()]
        for directory in missing:
            directory.mkdir(mode=0o700, exist_ok=True)
            os.chmod(directory, 0o700)  # exactly, whatever the umask
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:  # mkstemp: 0600, O_EXCL
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise Invalid(f"can't write config file {path}: {exc.strerror}") from None
