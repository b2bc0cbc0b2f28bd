"""The key (external id, else uuid) of every row an import has read, with its
line and a digest of its cells, to catch a file that names one deal twice
(and to skip a row that repeats an earlier one cell for cell)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from funnelcli.services import Context
from funnelcli.store.transfer import TransferStore


def digest(row: dict[str, Any], csv: bool) -> bytes:
    """Equal for two rows whose every cell is equal (a JSON row's keys in any order)."""
    if csv:  # text cells in the header's order
        text = "\x1f".join(row.values())
    else:
        text = json.dumps(row, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class Seen:
    """In bounded memory: the keys go to a temporary table (its PRIMARY KEY
    finds one) a batch at a time; the batch not yet written is looked up here.
    At 1M rows a dict of every key took ~130 MB; this keeps the import's peak
    memory flat. A Bloom filter (2 MB, three bits a key from its hash) says
    "never seen" for nearly every new key without asking the table: past the
    temp database's 2 MB cache each lookup read its pages again (1M keys:
    ~13 µs a row, issue 14)."""

    FLUSH = 5000
    BITS = 1 << 24  # 16 bits a key at 1M keys: ~0.3 % of new keys looked up anyway

    def __init__(self, ctx: Context) -> None:
        self.transfer = TransferStore(ctx.store.conn)
        self.transfer.seen_keys_begin()
        self.pending: dict[str, tuple[int, bytes]] = {}
        self.bits = bytearray(self.BITS >> 3)

    def first(self, key: str) -> tuple[int, bytes] | None:
        """The line that first named `key` and its row's digest, or None."""
        hit = self.pending.get(key)
        if hit is not None:
            return hit
        bits = self.bits
        for probe in _probes(key):
            if not bits[probe >> 3] & (1 << (probe & 7)):
                return None  # a bit never set: no key added before had it
        return self.transfer.seen_key_line(key)

    def add(self, key: str, line: int, cells: bytes) -> None:
        bits = self.bits
        for probe in _probes(key):
            bits[probe >> 3] |= 1 << (probe & 7)
        self.pending[key] = (line, cells)
        if len(self.pending) >= self.FLUSH:
            # in key order: the b-tree's pages are visited once each, in order
            # (1M random keys: 8.0 -> 6.0 s)
            self.transfer.seen_keys_add((k, n, d) for k, (n, d) in sorted(self.pending.items()))
            self.pending.clear()

    def close(self) -> None:
        self.transfer.seen_keys_end()


def _probes(key: str) -> tuple[int, int, int]:
    """Three bit numbers below Seen.BITS from the key's hash (64 bits; the same
    all through one run, which is all the filter needs)."""
    h = hash(key)
    mask = Seen.BITS - 1
    return h & mask, (h >> 20) & mask, (h >> 40) & mask
