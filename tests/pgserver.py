"""A throwaway PostgreSQL server for the tests: `Server().start()` runs initdb in a
fresh temporary directory and starts a server on a free loopback port, with its
unix socket in that directory and durability switched off (fsync etc.): data
that only lives for a test run. `stop()` (also run at exit) stops it at once and
removes the directory.

Standard library only, so that `.ci/run` can ask, before any venv exists,
whether PostgreSQL is installed: `python3 tests/pgserver.py` prints the
directory of the binaries it would use, or exits 1 saying why not.

As root (initdb and pg_ctl refuse to run as root) the directory is given to the
`postgres` user and the binaries run through `runuser -u postgres`.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

NEEDED = ("initdb", "pg_ctl", "postgres")
# A test server: nothing it holds outlives the run, so nothing is flushed; enough
# connections for a test opening a dozen clients at once, times a few databases.
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "60",
    "shared_buffers": "32MB",
    "timezone": "UTC",
    "log_timezone": "UTC",
}
START_TIMEOUT = 30  # seconds, pg_ctl -w -t
PORT_TRIES = 5  # a free port may be taken by another process before the server binds it


class Unavailable(RuntimeError):
    """No PostgreSQL binaries here (not installed, or FUNNEL_PG_BIN is wrong)."""


class StartError(RuntimeError):
    """The binaries are there but no server could be started."""


def _complete(bindir: str | Path) -> bool:
    return all(os.access(Path(bindir) / name, os.X_OK) for name in NEEDED)


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.name  # /usr/lib/postgresql/<version>/bin
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)


def find_bindir() -> Path:
    """The directory of initdb, pg_ctl and postgres: $FUNNEL_PG_BIN if set, else
    `pg_config --bindir`, else the highest /usr/lib/postgresql/*/bin (Debian keeps
    them off PATH), else PATH. Raises Unavailable saying what was tried."""
    env = os.environ.get("FUNNEL_PG_BIN")
    if env:
        if _complete(env):
            return Path(env)
        raise Unavailable(f"FUNNEL_PG_BIN={env} lacks one of {', '.join(NEEDED)}")
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            # libpq-dev's pg_config may name a version whose server isn't installed
            if out and _complete(out):
                return Path(out)
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        if _complete(bindir):
            return Path(bindir)
    initdb = shutil.which("initdb")
    if initdb and _complete(Path(initdb).resolve().parent):
        return Path(initdb).resolve().parent
    raise Unavailable("no initdb, pg_ctl and postgres (pg_config, /usr/lib/postgresql, PATH)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """A PostgreSQL server of its own, in a fresh directory under `base` (/tmp
    by default: short enough for a unix socket's path, and reachable by the
    postgres user). `start()` returns the server; use it as a context manager
    or call `stop()`; at exit it is stopped in any case."""

    def __init__(self, bindir: str | Path | None = None, base: str | Path | None = None) -> None:
        self.bindir = Path(bindir) if bindir is not None else find_bindir()
        if base is None:
            base = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()
        self.base = Path(base)
        self.dir: Path | None = None
        self.port: int | None = None
        self._owner_pid = os.getpid()  # a forked child's exit must not stop it
        self._as: list[str] = []
        self._user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self._user = pwd.getpwnam("postgres")
            except KeyError:
                raise StartError(
                    "running as root, and there is no 'postgres' user to run initdb as "
                    "(initdb refuses root); install Debian's postgresql, or run as another user"
                ) from None
            self._as = ["runuser", "-u", "postgres", "--"]

    @property
    def data(self) -> Path:
        assert self.dir is not None, "server not started"
        return self.dir / "data"

    @property
    def log(self) -> Path:
        assert self.dir is not None, "server not started"
        return self.dir / "server.log"

    @property
    def url(self) -> str:
        """The URL of its `postgres` database, as the superuser `postgres`."""
        if self.port is None:
            raise RuntimeError("server not started")
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        assert self.dir is not None
        env.update(LC_ALL="C", TZ="UTC", TMPDIR=str(self.dir))
        return env

    def _run(self, name: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = [*self._as, str(self.bindir / name), *args]
        return subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            env=self._env(),
            cwd=self.dir,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def _log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:]) or "(server log empty)"

    def _fail(self, what: str, proc: subprocess.CompletedProcess[str] | None) -> StartError:
        out = ""
        if proc is not None:
            cmd = " ".join(str(a) for a in proc.args)
            out = f"\n$ {cmd}\nexit status {proc.returncode}\n{proc.stdout}{proc.stderr}"
        tail = self._log_tail()
        self.stop()
        return StartError(
            f"could not start a throwaway PostgreSQL ({self.bindir}): {what}{out}\n"
            f"server log, last lines:\n{tail}"
        )

    def start(self) -> Server:
        if self.dir is not None:
            return self
        self.dir = Path(tempfile.mkdtemp(prefix="funnel-pg-", dir=self.base))
        atexit.register(self._at_exit)
        if self._user is not None:
            os.chown(self.dir, self._user.pw_uid, self._user.pw_gid)
        proc = self._run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        if proc.returncode != 0:
            raise self._fail("initdb failed", proc)
        settings = {**SETTINGS, "unix_socket_directories": str(self.dir)}
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# tests/pgserver.py: a throwaway test server\n")
            for key, value in settings.items():
                quoted = value.replace("'", "''")
                conf.write(f"{key} = '{quoted}'\n")
        for _ in range(PORT_TRIES):
            self.port = _free_port()
            proc = self._run(
                "pg_ctl",
                "start",
                "-w",
                "-t",
                str(START_TIMEOUT),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                f"-p {self.port}",
                timeout=START_TIMEOUT + 15,
            )
            if proc.returncode == 0:
                return self
            if "could not bind" not in self._log_tail(10):
                break  # not a port taken under our feet: trying again won't help
        self.port = None
        raise self._fail("pg_ctl start failed", proc)

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        """Stop the server at once (immediate: nothing in it is kept) and remove
        its directory. Idempotent."""
        if self.dir is None:
            return
        if self._postmaster_pid() is not None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                self._run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(self.data))
            pid = self._postmaster_pid()  # still there: pg_ctl failed or timed out
            if pid is not None:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                    time.sleep(0.2)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
        self.port = None
        atexit.unregister(self._at_exit)

    def _at_exit(self) -> None:
        if os.getpid() == self._owner_pid:
            self.stop()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def with_database(url: str, name: str) -> str:
    """`url` (postgresql://…/db?…) naming the database `name` instead."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError(f"not a postgresql:// URL: {url!r}")
    return urlunsplit(parts._replace(path="/" + name))


@contextlib.contextmanager
def scratch_database(
    url: str, prefix: str = "funnel_t_", template: str | None = None, options: str = ""
) -> Iterator[str]:
    """A fresh empty database on the server at `url` (whose user may CREATE
    DATABASE), named `prefix` + random hex; yields its URL, then drops it, even
    with connections still open (WITH (FORCE)). `options`: more of CREATE
    DATABASE (a locale, say), as SQL text."""
    import secrets

    import psycopg
    from psycopg import sql

    name = prefix + secrets.token_hex(6)
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:  # a copy of that database (nobody may be connected to it)
        create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    if options:
        create += sql.SQL(" ") + sql.SQL(options)  # type: ignore[arg-type]
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(create)
    try:
        yield with_database(url, name)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


class Copies:
    """Copies of the database `template` on the server at `url`, made ahead by a
    thread of their own while a test runs, and dropped by it afterwards, so a
    test waits for neither (a copy is ~50 ms of the server's, a drop ~20 ms).
    `take()` gives a fresh copy's URL; `give_back(url)` drops it; `close()`
    drops whatever is left. At most `ahead` copies wait unused."""

    def __init__(self, url: str, template: str, ahead: int = 2) -> None:
        import queue
        import threading

        self.url, self.template = url, template
        self._ready: queue.Queue[str | BaseException] = queue.Queue()
        self._work: queue.Queue[str | None] = queue.Queue()  # "" make one, a name drop it
        for _ in range(ahead):
            self._work.put("")
        self._thread = threading.Thread(target=self._run, name="pg-copies", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import secrets

        import psycopg
        from psycopg import sql

        try:
            with psycopg.connect(self.url, autocommit=True) as admin:
                while (job := self._work.get()) is not None:
                    if job:
                        admin.execute(
                            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                                sql.Identifier(job)
                            )
                        )
                        continue
                    name = "funnel_t_" + secrets.token_hex(6)
                    admin.execute(
                        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                            sql.Identifier(name), sql.Identifier(self.template)
                        )
                    )
                    self._ready.put(with_database(self.url, name))
        except BaseException as e:  # the waiting test fails with it, not hangs
            self._ready.put(e)

    def take(self) -> str:
        got = self._ready.get(timeout=120)
        if isinstance(got, BaseException):
            raise got
        self._work.put("")  # the next test's, made while this one runs
        return got

    def give_back(self, url: str) -> None:
        self._work.put(urlsplit(url).path.lstrip("/"))

    def close(self) -> None:
        while not self._ready.empty():
            got = self._ready.get()
            if isinstance(got, str):
                self.give_back(got)
        self._work.put(None)
        self._thread.join(timeout=60)


if __name__ == "__main__":
    try:
        print(find_bindir())
    except Unavailable as e:
        print(f"{Path(sys.argv[0]).name}: {e}", file=sys.stderr)
        sys.exit(1)
