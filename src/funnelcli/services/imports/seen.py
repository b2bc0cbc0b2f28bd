"""The key (external id, else uuid) of every row an import has read, with its
line, to catch a file that names one deal twice."""

from __future__ import annotations

from funnelcli.services import Context
from funnelcli.store.transfer import TransferStore


class Seen:
    """In bounded memory: the keys go to a temporary table (its PRIMARY KEY
    finds one) a batch at a time; the batch not yet written is looked up here.
    At 1M rows a dict of every key took ~130 MB; this keeps the import's peak
    memory flat."""

    FLUSH = 5000

    def __init__(self, ctx: Context) -> None:
        self.transfer = TransferStore(ctx.store.conn)
        self.transfer.seen_keys_begin()
        self.pending: dict[str, int] = {}

    def line(self, key: str) -> int | None:
        """The line that first named `key`, or None."""
        first = self.pending.get(key)
        return first if first is not None else self.transfer.seen_key_line(key)

    def add(self, key: str, line: int) -> None:
        self.pending[key] = line
        if len(self.pending) >= self.FLUSH:
            self.transfer.seen_keys_add(self.pending.items())
            self.pending.clear()

    def close(self) -> None:
        self.transfer.seen_keys_end()
