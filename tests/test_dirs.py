"""funnelcli.dirs answers as platformdirs does, with or without its shortcut."""

import sys

import platformdirs
import pytest

from funnelcli import dirs

ENVIRONMENTS = [
    {"HOME": "/home/anna"},
    {"HOME": "/home/anna/", "XDG_CONFIG_HOME": "/xdg/config", "XDG_DATA_HOME": "/xdg/data/"},
    {"HOME": "/home/anna", "XDG_CONFIG_HOME": "relative/config", "XDG_DATA_HOME": "rel"},
    {"HOME": "/home/anna", "XDG_CONFIG_HOME": "", "XDG_DATA_HOME": "  "},
    {"HOME": "//net/anna", "XDG_CONFIG_HOME": "//net/config"},
    {"HOME": "relative-home"},
    {"HOME": ""},
]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_same_directories_as_platformdirs(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert dirs.config_dir() == platformdirs.user_config_path("funnelcli")
    assert dirs.data_dir() == platformdirs.user_data_path("funnelcli")


@pytest.mark.skipif(sys.platform != "linux", reason="the shortcut is for Linux only")
def test_the_usual_case_needs_no_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/anna")
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setitem(sys.modules, "platformdirs", None)  # an import would fail
    assert str(dirs.config_dir()) == "/home/anna/.config/funnelcli"
    assert str(dirs.data_dir()) == "/home/anna/.local/share/funnelcli"
