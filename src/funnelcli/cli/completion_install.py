"""`funnel --show-completion [SHELL]` and `funnel --install-completion [SHELL]`.

Installing works as Typer's does, so a person who knows one knows the
other, but never rewrites a file of the person's: the script is written to
its own file (a random temporary name beside it, renamed into place; a
symlink planted at that name is replaced, never followed), and the shell's
rc file only gets one line appended at its end, when no such line is there
yet (it is followed if it is a symlink: the person's dotfiles are theirs).

- bash: ~/.bash_completions/funnel.sh, sourced from ~/.bashrc
- zsh: ~/.zfunc/_funnel, found through `fpath+=~/.zfunc; autoload -Uz
  compinit; compinit` in ~/.zshrc
- fish: $XDG_CONFIG_HOME/fish/completions/funnel.fish (default ~/.config),
  which fish loads by itself: no rc line
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

from funnelcli.cli.completion import PROG, SHELLS, script
from funnelcli.cli.group import fail, say
from funnelcli.errors import ExitCode
from funnelcli.files import sync_dir, temp_beside

ZSH_LINE = "fpath+=~/.zfunc; autoload -Uz compinit; compinit"
COMMENT = "# funnel shell completion (added by funnel --install-completion)"


def show(value: str) -> None:
    """Print the script for the shell named (else this one) on stdout."""
    print(script(shell_named(value)))


def install(value: str) -> None:
    shell = shell_named(value)
    home = Path.home()
    target, rc, line = _where(shell, home)
    text = script(shell) + "\n"
    try:
        wrote = _write_script(target, text)
        added = rc is not None and line is not None and _append_once(rc, line, target, home)
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        raise fail(f"can't install {shell} completion{where}: {exc.strerror or exc}", 1) from None
    say(_told(shell, home, target, rc, wrote=wrote, added=added))


def shell_named(value: str) -> str:
    """The shell `value` names, else the one funnel runs in (else $SHELL)."""
    name = value.strip() or _detect()
    if not name:
        raise fail(
            "can't tell which shell this is: name it, e.g. `funnel --install-completion bash` "
            f"({', '.join(SHELLS)})",
            ExitCode.USAGE,
        )
    if name not in SHELLS:
        raise fail(f"no completion for the shell '{name}': name one of {', '.join(SHELLS)}", 2)
    return name


def _detect() -> str | None:
    from typer._completion_shared import _get_shell_name  # shellingham, as Typer asks it

    try:
        name = _get_shell_name()
    except Exception:  # shellingham knows no way on this system
        name = None
    if name:
        return name
    shell = os.environ.get("SHELL", "")
    return Path(shell).name if shell else None


def _where(shell: str, home: Path) -> tuple[Path, Path | None, str | None]:
    """The script's file, the rc file that must load it and the line that does."""
    if shell == "bash":
        target = home / ".bash_completions" / f"{PROG}.sh"
        return target, home / ".bashrc", f"source {shlex.quote(str(target))}"
    if shell == "zsh":
        return home / ".zfunc" / f"_{PROG}", home / ".zshrc", ZSH_LINE
    config = os.environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    return Path(config) / "fish" / "completions" / f"{PROG}.fish", None, None


def _write_script(target: Path, text: str) -> bool:
    """Write `text` to `target` unless it holds it already; True when written."""
    try:
        if target.is_file() and not target.is_symlink() and target.read_text() == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = temp_beside(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    sync_dir(target.parent)
    return True


def _append_once(rc: Path, line: str, target: Path, home: Path) -> bool:
    """Append `line` to the rc file unless a line of it says that already
    (a line that sources `target` counts, however it names it); True when
    appended."""
    import fcntl

    fd = os.open(rc, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    with os.fdopen(fd, "r+b") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OSError(0, "not a regular file", str(rc))
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # two installs at once: one line
        old = f.read().decode("utf-8", errors="replace")
        if any(
            existing.strip() == line or _sources(existing, target, home)
            for existing in old.splitlines()
        ):
            return False
        start = "\n" if old and not old.endswith("\n") else ""
        f.write(f"{start}{COMMENT}\n{line}\n".encode())
        f.flush()
        os.fsync(f.fileno())
    return True


def _sources(line: str, target: Path, home: Path) -> bool:
    """`line` of an rc file sources `target`: `source` or `.`, its path as
    the README writes it (`~/.bash_completions/funnel.sh`), through `$HOME`
    or `${HOME}`, or whole, quoted or not (Typer quotes it)."""
    try:
        words = shlex.split(line, comments=True)
    except ValueError:  # an unclosed quote: not a line of ours
        return False
    if len(words) != 2 or words[0] not in ("source", "."):
        return False
    path = words[1]
    for name in ("${HOME}", "$HOME", "~"):
        if path == name or path.startswith(name + "/"):
            path = str(home) + path[len(name) :]
            break
    return os.path.normpath(path) == os.path.normpath(target)


def _told(
    shell: str, home: Path, target: Path, rc: Path | None, *, wrote: bool, added: bool
) -> str:
    def short(path: Path) -> str:
        return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)

    loads = f"; {short(rc)} loads it" if rc is not None else " (fish loads it by itself)"
    if not wrote and not added:
        return f"{shell} completion is already installed: {short(target)}{loads}; nothing changed\n"
    done = f"{shell} completion installed: {short(target)}{loads}"
    if added and rc is not None:
        done += " (one line added at its end)"
    return done + "; it works in a new shell\n"
