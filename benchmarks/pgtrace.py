"""Record what funnel sends to PostgreSQL, and count round trips on the wire.

    python -c "import pgtrace; pgtrace.main()" OUT.json funnel ARGS...

Two instruments for pg_startup.py (issue 15):

- `main()` runs funnel in this process with psycopg wrapped at its lowest
  public level: `Connection.connect` (the conninfo and keyword arguments),
  `Cursor.execute`, `Cursor.executemany`, `Cursor.copy`,
  `ServerCursor.execute` and `Connection.pipeline` (entered and left: a
  statement sent inside a pipeline doesn't cost a trip of its own). Each
  statement is recorded with its parameters exactly as psycopg receives them
  (funnelcli's SQL already translated by store/pg.py, `BEGIN IMMEDIATE`
  already two statements) and with the rows of its result, read right after
  it runs (a client-side cursor holds them all; the cursor is scrolled back,
  so funnel reads them as ever). `Connection.wait` and the connection's
  set-up generator are counted too: `waits` is how many times psycopg
  blocked on the server for a statement, `connect_polls` how many times
  libpq waited to read during the set-up. OUT gets one JSON object.
- `Proxy` is a loopback TCP proxy in front of the server that counts round
  trips as the network sees them: a *turn* is the server answering after the
  client has sent (any number of bytes or messages, so a pipeline's batch is
  one turn); the TCP handshake is one more. It can also hold every chunk for
  half of `rtt` each way, to run a command as if the server were that far.
"""

from __future__ import annotations

import atexit
import json
import queue
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _plain(value: Any) -> Any:
    """A parameter or result value as JSON can hold it, tagged when JSON would
    lose its type (bytes, tuples, anything else by its repr)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return {"tuple": [_plain(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": {str(k): _plain(v) for k, v in value.items()}}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"bytes": bytes(value).hex()}
    return {"repr": repr(value), "type": type(value).__name__}


def _sql_text(query: Any, conn: Any) -> str:
    if isinstance(query, str):
        return query
    if isinstance(query, bytes):
        return query.decode()
    return str(query.as_string(conn))  # psycopg.sql.Composable


class Recorder:
    """The statements and waits of one process, in the order psycopg saw them."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.waits = 0
        self.connect_polls = 0
        self.connects: list[dict[str, Any]] = []
        self.pipelined: list[tuple[Any, dict[str, Any]]] = []
        self.index: dict[int, int] = {}  # id(cursor): its last statement's event

    @staticmethod
    def read_rows(cur: Any, event: dict[str, Any]) -> None:
        """The rows of the statement `cur` ran, into `event`; the cursor is left
        where it was (a client-side cursor holds its whole result)."""
        if cur.pgresult is None or cur.description is None:
            return
        pos = cur.rownumber or 0
        cur.scroll(0, mode="absolute")
        rows = cur.fetchall()
        event["rows"] = _plain(rows)
        if pos < len(rows):
            cur.scroll(pos, mode="absolute")
        elif rows:  # at the end: scroll() refuses to go past the last row
            cur.scroll(len(rows) - 1, mode="absolute")
            cur.fetchone()

    def install(self) -> None:
        import psycopg

        rec = self
        real_connect = psycopg.Connection.connect.__func__  # type: ignore[attr-defined]
        real_execute = psycopg.Cursor.execute
        real_executemany = psycopg.Cursor.executemany
        real_copy = psycopg.Cursor.copy
        real_server_execute = psycopg.ServerCursor.execute
        real_pipeline = psycopg.Connection.pipeline
        real_wait = psycopg.Connection.wait
        real_fetch_pipeline = psycopg.Cursor._fetch_pipeline
        real_connect_gen = psycopg.Connection._connect_gen.__func__  # type: ignore[attr-defined]

        def connect(cls: Any, conninfo: str = "", **kwargs: Any) -> Any:
            rec.connects.append({"conninfo": conninfo, "kwargs": _plain(kwargs)})
            return real_connect(cls, conninfo, **kwargs)

        def connect_gen(cls: Any, conninfo: str = "") -> Iterator[Any]:
            gen = real_connect_gen(cls, conninfo)
            try:
                ready = None
                while True:
                    state = gen.send(ready)
                    if int(state[1]) & 1:  # Wait.R: libpq waits for the server
                        rec.connect_polls += 1
                    ready = yield state
            except StopIteration as stop:
                return stop.value

        def execute(self: Any, query: Any, params: Any = None, **kw: Any) -> Any:
            event = {
                "op": "execute",
                "sql": _sql_text(query, self.connection),
                "params": _plain(params),
                "kw": _plain(kw),
            }
            index = len(rec.events)
            rec.events.append(event)
            out = real_execute(self, query, params, **kw)
            if self.connection._pipeline is None:
                rec.read_rows(self, event)
            else:  # read when the pipeline ends: reading now would make a trip
                rec.pipelined.append((self, event))
            rec.index[id(self)] = index  # a cursor has __slots__
            return out

        def executemany(self: Any, query: Any, params_seq: Any, **kw: Any) -> Any:
            rows = list(params_seq)
            rec.events.append(
                {
                    "op": "executemany",
                    "sql": _sql_text(query, self.connection),
                    "params": _plain(rows),
                    "kw": _plain(kw),
                }
            )
            return real_executemany(self, query, rows, **kw)

        def copy(self: Any, statement: Any, params: Any = None, **kw: Any) -> Any:
            rec.events.append(
                {
                    "op": "copy",
                    "sql": _sql_text(statement, self.connection),
                    "params": _plain(params),
                }
            )
            return real_copy(self, statement, params, **kw)

        def server_execute(self: Any, query: Any, params: Any = None, **kw: Any) -> Any:
            rec.events.append(
                {
                    "op": "server-execute",
                    "sql": _sql_text(query, self.connection),
                    "params": _plain(params),
                }
            )
            return real_server_execute(self, query, params, **kw)

        class _Pipeline:
            def __init__(self, conn: Any) -> None:
                self.inner = real_pipeline(conn)

            def __enter__(self) -> Any:
                rec.events.append({"op": "pipeline"})
                return self.inner.__enter__()

            def __exit__(self, *exc: Any) -> Any:
                try:
                    return self.inner.__exit__(*exc)
                finally:
                    rec.events.append({"op": "end-pipeline"})
                    for cur, event in rec.pipelined:
                        rec.read_rows(cur, event)
                    rec.pipelined.clear()

        def pipeline(self: Any) -> Any:
            return _Pipeline(self)

        def fetch_pipeline(self: Any) -> None:
            if self.connection._pipeline is not None and not self.pgresult:
                # funnel reads a pipelined result before the pipeline ends: a trip
                rec.events.append({"op": "fetch", "of": rec.index.get(id(self))})
            real_fetch_pipeline(self)

        def wait(self: Any, gen: Any, *a: Any, **kw: Any) -> Any:
            rec.waits += 1
            return real_wait(self, gen, *a, **kw)

        psycopg.Connection.connect = classmethod(connect)  # type: ignore[assignment,method-assign]
        psycopg.connect = psycopg.Connection.connect  # the module's alias of it
        psycopg.Cursor._fetch_pipeline = fetch_pipeline  # type: ignore[method-assign]
        psycopg.Connection._connect_gen = classmethod(connect_gen)  # type: ignore[method-assign,assignment]
        psycopg.Cursor.execute = execute  # type: ignore[method-assign]
        psycopg.Cursor.executemany = executemany  # type: ignore[method-assign]
        psycopg.Cursor.copy = copy  # type: ignore[method-assign,assignment]
        psycopg.ServerCursor.execute = server_execute  # type: ignore[method-assign]
        psycopg.Connection.pipeline = pipeline  # type: ignore[method-assign,assignment]
        psycopg.Connection.wait = wait  # type: ignore[method-assign]

    def as_json(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "waits": self.waits,
            "connect_polls": self.connect_polls,
            "connects": self.connects,
        }


def main() -> None:
    """Run `funnel ARGS` with its psycopg traffic recorded into OUT."""
    out, program, *args = sys.argv[1:]
    if program != "funnel":
        raise SystemExit("pgtrace: only funnel is traced (the floor is what replays it)")
    rec = Recorder()
    rec.install()
    atexit.register(lambda: Path(out).write_text(json.dumps(rec.as_json())))
    from funnelcli.__main__ import main as funnel_main  # type: ignore[import-untyped]

    sys.argv = ["funnel", *args]
    funnel_main()


class Proxy:
    """A TCP proxy on 127.0.0.1 in front of `target` (host, port), counting
    connections and turns (see the module docstring); `rtt` seconds of delay
    added to each round trip (half each way), 0 for none. `reset()` returns
    and zeroes the counts. Threads, one pair a connection; a daemon listener."""

    def __init__(self, target: tuple[str, int], rtt: float = 0.0) -> None:
        self.target = target
        self.rtt = rtt
        self.lock = threading.Lock()
        self.connections = 0
        self.turns = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> tuple[int, int]:
        """(connections, turns) since the last reset."""
        time.sleep(0.05)  # let the last bytes of a finished process pass through
        with self.lock:
            counts = (self.connections, self.turns)
            self.connections = self.turns = 0
        return counts

    def _accept(self) -> None:
        while True:
            client, _ = self.sock.accept()
            server = socket.create_connection(self.target)
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.connections += 1
            last = ["server"]  # who sent last, on this connection
            self._pipe(client, server, "client", last)
            self._pipe(server, client, "server", last)

    def _pipe(self, src: socket.socket, dst: socket.socket, who: str, last: list[str]) -> None:
        delay = self.rtt / 2
        chunks: queue.Queue[tuple[float, bytes]] = queue.Queue()

        def read() -> None:
            while True:
                try:
                    data = src.recv(65536)
                except OSError:
                    data = b""
                with self.lock:
                    if data and who == "server" and last[0] == "client":
                        self.turns += 1
                    if data:
                        last[0] = who
                chunks.put((time.monotonic() + delay, data))
                if not data:
                    return

        def write() -> None:
            while True:
                due, data = chunks.get()
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                try:
                    if not data:
                        dst.shutdown(socket.SHUT_WR)
                        return
                    dst.sendall(data)
                except OSError:
                    return

        for fn in (read, write):
            threading.Thread(target=fn, daemon=True).start()
