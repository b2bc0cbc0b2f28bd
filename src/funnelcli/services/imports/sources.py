"""Reading import files: CSV (sniffed delimiter, UTF-8 with or without BOM),
a JSON array (or funnelcli's own JSON export) and JSONL, as numbered rows.

Rows stream: a CSV or JSONL file is read line by line, never whole, and a
byte count goes to `progress` for a progress bar. Text that is not UTF-8
stops the import with the line it is on: guessing an encoding would put
wrong characters into the database without a word.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from funnelcli.errors import FunnelError, NotFound, UsageError

if TYPE_CHECKING:
    from _csv import Reader

FORMATS = ("csv", "json", "jsonl")
EXPORT_MARK = "funnelcli_export"  # the key of the first record of funnelcli's own export

Progress = Callable[[int], None]  # bytes read so far


class SourceError(FunnelError):
    """The file as a whole can't be read (encoding, broken CSV quoting, bad JSON)."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line
        self.detail = message


class UnreadableJSON(json.JSONDecodeError):
    """JSON the parser reads but funnel can't keep: nested deeper than Python's
    stack allows, or a \\u escape of half a UTF-16 surrogate pair (no text
    holds one; SQLite would refuse it later, far from its line)."""


# Any \u escape of a surrogate, in a pair or not: the cheap first look.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# One that is not in a pair: a high half not followed by a low one, or a low
# half not preceded by a high one (and not itself escaped, as in "\\ud800").
_LONE_ESCAPE = re.compile(
    r"(?<!\\)(?:\\\\)*"
    r"(\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<![\\]u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2})"
)
# The tokens that nest: a string (skipped whole), [ ] { }.
_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def parse_json(text: str) -> Any:
    """json.loads, where nesting too deep to read and a lone surrogate are an
    UnreadableJSON (a JSONDecodeError with the place) rather than a crash here
    or an error without a line later."""
    try:
        value = json.loads(text)
    except RecursionError:
        depth, at = _deepest(text)
        raise UnreadableJSON(f"nested {depth} levels deep, too deep to read", text, at) from None
    if "\\u" in text and _SURROGATE_ESCAPE.search(text) and _holds_a_surrogate(value):
        lone = _LONE_ESCAPE.search(text)
        at = lone.start(1) if lone else 0
        escape = lone.group(1) if lone else "a \\u escape"
        raise UnreadableJSON(
            f"{escape} is a lone surrogate (half of a UTF-16 pair), not text", text, at
        ) from None
    return value


def _deepest(text: str) -> tuple[int, int]:
    """(how deep, where it first gets that deep)."""
    depth = deepest = at = 0
    for token in _NESTING.finditer(text):
        c = token.group()
        if c in "[{":
            depth += 1
            if depth > deepest:
                deepest, at = depth, token.start()
        elif c in "]}":
            depth -= 1
    return deepest, at


def _holds_a_surrogate(value: object) -> bool:
    """Whether any string in a parsed value (keys too) holds a lone surrogate;
    iterative, as the value may be nested almost as deep as the stack."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if not v.isascii():
                try:
                    v.encode("utf-8")
                except UnicodeEncodeError:
                    return True
        elif isinstance(v, dict):
            stack.extend(v)
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def _json_problem(exc: json.JSONDecodeError) -> str:
    what = exc.msg if isinstance(exc, UnreadableJSON) else f"not JSON: {exc.msg}"
    return f"{what} (column {exc.colno})"


@dataclass
class Source:
    path: Path
    fmt: str
    columns: list[str] = field(default_factory=list)
    meta: dict[str, Any] | None = None  # funnelcli's own export header, when it is one
    size: int = 0
    rows: Iterator[tuple[int, dict[str, Any]]] = field(default_factory=lambda: iter(()))


def guess_format(path: Path, given: str | None) -> str:
    if given is not None:
        if given not in FORMATS:
            raise UsageError(f"--format must be csv, json or jsonl, not '{given}'")
        return given
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("json", "jsonl"):
        return suffix
    if suffix == "ndjson":
        return "jsonl"
    return "csv"


def sniff_format(head: bytes) -> str:
    """The format of a stream with no name to go by (`funnel import -`): JSON
    when it starts with `[` (or `{` not closed on its first line, as the JSON
    export is), JSONL when its first line is a whole object, else CSV."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        first = text.split(b"\n", 1)[0]
        try:
            json.loads(first)
        except ValueError:
            return "json"
        return "jsonl"
    return "csv"


def _json_or_lines(path: Path) -> str:
    """A .json file holding JSON lines (`funnel export > all.json` writes JSONL
    to stdout) is read as what it holds: a whole object on its first line and
    more after it is JSONL; anything else (one object alone too) is JSON."""
    with path.open("rb") as f:
        head = f.read(65536)
    more = head.strip().split(b"\n", 1)[1:]
    return "jsonl" if sniff_format(head) == "jsonl" and more and more[0].strip() else "json"


def open_source(path: Path, fmt: str | None, progress: Progress | None = None) -> Source:
    """`path` "-" is standard input: its format is --format, else sniffed
    from its first line (sniff_format)."""
    f: IO[bytes]
    given = fmt
    if str(path) == "-":
        import io
        import sys

        data = sys.stdin.buffer.read()
        fmt = guess_format(path, fmt) if fmt is not None else sniff_format(data[:65536])
        src = Source(path, fmt, size=len(data))
        f = io.BytesIO(data)
    else:
        if not path.is_file():
            raise NotFound(f"no file {path}")
        fmt = guess_format(path, fmt)
        if fmt == "json" and given is None:
            fmt = _json_or_lines(path)
        src = Source(path, fmt, size=path.stat().st_size)
        f = path.open("rb")
    if fmt == "csv":
        _csv(src, f, progress)
    elif fmt == "jsonl":
        _jsonl(src, f, progress)
    else:
        _json(src, f, progress)
    return src


def _text_lines(f: IO[bytes], progress: Progress | None) -> Iterator[str]:
    """Decoded lines (line endings kept, for csv), stopping at bytes that aren't UTF-8."""
    done = 0
    for number, raw in enumerate(f, 1):
        done += len(raw)
        if progress is not None and number % 4096 == 0:
            progress(done)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            f.close()
            byte = raw[exc.start : exc.start + 1].hex().upper()
            raise SourceError(
                number,
                f"not UTF-8 text (byte 0x{byte} at character {exc.start + 1}); "
                "save the file as UTF-8 (CSV UTF-8 in a spreadsheet) and import again",
            ) from None
        if number == 1:
            text = text.removeprefix("\ufeff")
        yield text
    if progress is not None:
        progress(done)
    f.close()


def _csv(src: Source, f: IO[bytes], progress: Progress | None) -> None:
    sample = f.read(65536).decode("utf-8", errors="replace").removeprefix("\ufeff")
    f.seek(0)
    header_line = sample.splitlines()[0] if sample else ""
    delimiter = ","
    if header_line and not any(c in header_line for c in ",;\t|"):
        delimiter = ","  # one column
    elif header_line:
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = max(",;\t|", key=header_line.count)
    lines = _text_lines(f, progress)
    # csv's default cell limit is 128 KiB; `export --format csv` writes any
    # size (a long note, a deal's whole history as JSON), so read it back.
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise SourceError(reader.line_num, f"broken CSV: {exc}") from None
    if not header or not any(h.strip() for h in header):
        raise SourceError(1, "no header row: the first line must name the columns")
    src.columns = [h.strip() for h in header]
    seen: dict[str, int] = {}
    for i, name in enumerate(src.columns):
        if not name:
            raise SourceError(1, f"column {i + 1} of the header has no name")
        if name in seen:
            raise SourceError(1, f"two columns are called '{name}'")
        seen[name] = i
    src.rows = _csv_rows(reader, src.columns)


def _csv_rows(reader: Reader, columns: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    width = len(columns)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SourceError(reader.line_num, f"broken CSV: {exc}") from None
        line = reader.line_num
        if not cells or (len(cells) == 1 and not cells[0].strip() and width > 1):
            continue  # a blank line
        if len(cells) != width:
            yield line, {"__cells__": len(cells)}
            continue
        yield line, dict(zip(columns, cells, strict=True))


def _jsonl(src: Source, f: IO[bytes], progress: Progress | None) -> None:
    lines = _text_lines(f, progress)
    first: tuple[int, dict[str, Any]] | None = None
    columns: dict[str, None] = {}
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        obj = _object(number, text)
        if EXPORT_MARK in obj:
            src.meta = obj
            continue
        first = (number, obj)
        break
    if first is not None:
        columns.update(dict.fromkeys(first[1]))
    src.columns = list(columns)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        if first is None:
            return
        yield first
        for number, text in enumerate(lines, first[0] + 1):
            if text.strip():
                yield number, _object(number, text)

    src.rows = rows()


def _object(number: int, text: str) -> dict[str, Any]:
    try:
        obj = parse_json(text)
    except json.JSONDecodeError as exc:
        raise SourceError(number, _json_problem(exc)) from None
    if not isinstance(obj, dict):
        raise SourceError(number, "each line must be a JSON object (one deal)")
    return obj


def _json(src: Source, f: IO[bytes], progress: Progress | None) -> None:
    raw = f.read()
    f.close()
    if progress is not None:
        progress(len(raw))
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceError(line, "not UTF-8 text; save the file as UTF-8 and import again") from None
    try:
        data = parse_json(text)
    except json.JSONDecodeError as exc:
        raise SourceError(exc.lineno, _json_problem(exc)) from None
    if isinstance(data, dict) and EXPORT_MARK in data:
        deals = data.get("deals")
        src.meta = {k: v for k, v in data.items() if k != "deals"}
        data = deals
    if not isinstance(data, list):
        raise SourceError(None, "a JSON import is an array of objects, one per deal")
    columns: dict[str, None] = {}
    for item in data[:1]:
        if isinstance(item, dict):
            columns.update(dict.fromkeys(item))
    src.columns = list(columns)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, item in enumerate(data, 1):
            if not isinstance(item, dict):
                yield i, {"__not_object__": True}
            else:
                yield i, item

    src.rows = rows()
