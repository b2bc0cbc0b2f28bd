"""Where funnelcli keeps its config file and its default database.

platformdirs decides, except on Linux in the usual case, where the answer is
the XDG rule and two environment variables: importing platformdirs 4.14
(which loads tempfile and random) costs 16 M instructions, ~6 % of a whole
`funnel due` (`benchmarks/run.py --instructions`), on every command. The
shortcut only answers when $HOME is an absolute path; anything unusual goes
to platformdirs, and tests/test_dirs.py checks the two agree.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "funnelcli"


def config_dir() -> Path:
    """The user's config directory for funnelcli (`~/.config/funnelcli`)."""
    fast = _xdg("XDG_CONFIG_HOME", ".config")
    if fast is not None:
        return fast
    import platformdirs

    return platformdirs.user_config_path(APP)


def data_dir() -> Path:
    """The user's data directory for funnelcli (`~/.local/share/funnelcli`)."""
    fast = _xdg("XDG_DATA_HOME", ".local/share")
    if fast is not None:
        return fast
    import platformdirs

    return platformdirs.user_data_path(APP)


def _xdg(variable: str, default: str) -> Path | None:
    """The XDG base directory joined with funnelcli, or None to ask platformdirs."""
    if sys.platform != "linux":
        return None
    base = os.environ.get(variable, "")
    if os.path.isabs(base):
        return Path(base) / APP
    home = os.environ.get("HOME", "")
    if not os.path.isabs(home):
        return None
    return Path(home) / default / APP
