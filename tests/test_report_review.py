"""`funnel report review`: the weekly review page (HTML) and its Markdown.

By hand, on four deals built once for the module (clock: Monday 2026-11-23),
with hostile text in every place a user's text can go:

  #1 "Won one", anna, 1,000 USD, created 11-02, qualified 11-05, won 11-10
  #2 "Beta", owner HOSTILE_OWNER, 2,000 USD, created 11-03, lost 11-12 (REASON)
  #3 HOSTILE_TITLE, anna, org SVG_END, 500 USD, created 11-04, expected
     close 11-20 (field office=East): slipped, 3 days late
  #4 MD_LINK, bob, org RLO, 3,000 USD, created 11-05, expected close 11-21
     (tag vip): slipped, 2 days late
  #5 "Euro", anna, 700 EUR, created 11-06: a second currency

Since 11-01: won 1 (1,000), lost 1 (2,000), win rate 50 %; the funnel's lead
reached by all 5, qualified by 1; two slipped deals (3,500 USD). Every
figure the page shows carries the report JSON's value (`data-k`/`data-v`):
the tests hold each to `funnel report … --format json` with the same options.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conftest import ENGINE
from funnelcli.render.text import safe
from helpers import ERROR, build, module_database, ok, report, run_on_a_terminal

HOSTILE_TITLE = "<script>alert(1)</script>"
HOSTILE_OWNER = '"><img src=x onerror=alert(1)>'
RLO = "\u202eexe.evil"
MD_LINK = "[x](http://evil) | pipe"
SVG_END = "</svg><b>bold</b>\x1b[2J\x07\x9b\u2066"  # and controls, C1, a bidi isolate
REASON = "a|b *c* _d_ `e` <i>x\nnext line"
STAGE = "<b>ne</b>go|ti*ation"
# what must not reach a reader raw: controls, bidi overrides and isolates
RAW = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
HOSTILE = [HOSTILE_TITLE, HOSTILE_OWNER, RLO, MD_LINK, SVG_END, REASON, STAGE]
SINCE = ("--since", "2026-11-01")
# What doesn't depend on the engine (files, the terminal, imports, the browser)
# runs on SQLite only: on PostgreSQL the figures and the escaping are checked.
SAME_ON_BOTH = pytest.mark.skipif(
    ENGINE == "postgres", reason="the same page on both engines; its figures are tested there"
)
EURO = ("--currency", "EUR", "--at", "2026-11-06")
SLIPPED_3 = ("--at", "2026-11-04", "--org", SVG_END, "--expected-close", "2026-11-20")
SLIPPED_3 += ("--field", "office=East")
SLIPPED_4 = ("--at", "2026-11-05", "--org", RLO, "--expected-close", "2026-11-21", "--tag", "vip")


@pytest.fixture(scope="module")
def review_db(request: pytest.FixtureRequest) -> Iterator[str]:
    with module_database(request) as db:
        build(
            db,
            [
                ("add", "Won one", "--owner", "anna", "--value", "1000", "--at", "2026-11-02"),
                ("add", "Beta", "--owner", HOSTILE_OWNER, "--value", "2000", "--at", "2026-11-03"),
                ("add", HOSTILE_TITLE, "--owner", "anna", "--value", "500", *SLIPPED_3),
                ("add", MD_LINK, "--owner", "bob", "--value", "3000", *SLIPPED_4),
                ("add", "Euro", "--owner", "anna", "--value", "700", *EURO),
                ("move", "1", "qualified", "--at", "2026-11-05"),
                ("won", "1", "--at", "2026-11-10"),
                ("lost", "2", "--reason", REASON, "--at", "2026-11-12"),
                ("stage", "rename", "negotiation", STAGE),
            ],
        )
        yield db


@pytest.fixture
def rv(funnel: Any, review_db: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("FUNNEL_DB", review_db)
    return funnel


def figures(page: str) -> dict[str, Any]:
    """The page's figures: data-k -> the JSON value in data-v."""
    pairs = re.findall(r'data-k="([^"]*)" data-v="([^"]*)"', page)
    found = {html.unescape(k): json.loads(html.unescape(v)) for k, v in pairs}
    assert len(found) == len(pairs)  # no key twice
    return found


def expected(funnel: Any, *args: str) -> dict[str, Any]:
    """The same keys from the reports' own JSON, for the same options."""
    want: dict[str, Any] = {}
    for rec in report(funnel, "metrics", *args):
        for key in ("won_value", "win_rate", "won", "lost", "open_deals", "open_value"):
            want[f"metrics.{rec['currency']}.{key}"] = rec[key]
        for key in ("weighted_value", "avg_deal_size", "sales_cycle_days", "lost_value"):
            want[f"metrics.{rec['currency']}.{key}"] = rec[key]
    fun = report(funnel, "funnel", *args)
    for i, s in enumerate(fun["stages"]):
        for key in ("reached", "conversion_to_next", "dropped", "open_count", "avg_days_in_stage"):
            want[f"funnel.{i}.{key}"] = s[key]
    want["funnel.won"], want["funnel.lost"] = fun["won"], fun["lost"]
    for rec in report(funnel, "metrics", "--per", "week", *args):
        for key in ("new_deals", "won", "lost", "won_value", "win_rate", "sales_cycle_days"):
            want[f"trend.{rec['period']}.{rec['currency']}.{key}"] = rec[key]
    return {**want, **expected_team(funnel, *args)}


def without_dates(args: tuple[str, ...]) -> list[str]:
    """The options less --since/--until (forecast's are expected close dates)."""
    kept, skip = [], False
    for arg in args:
        if not skip and arg not in ("--since", "--until"):
            kept.append(arg)
        skip = not skip and arg in ("--since", "--until")
    return kept


def expected_team(funnel: Any, *args: str) -> dict[str, Any]:
    """report owners (the sellers and the matrix), lost and forecast."""
    want: dict[str, Any] = {}
    for i, o in enumerate(report(funnel, "owners", *args)):
        for key in ("open_deals", "won", "lost", "win_rate", "won_value", "avg_deal_size"):
            want[f"owners.{i}.{key}"] = o[key]
        want[f"owners.{i}.sales_cycle_days"] = o["sales_cycle_days"]
        for s, (stage, value) in enumerate(o["conversion_to_next"].items()):
            want[f"matrix.by.{o['owner']}.{s}"] = value
            want[f"matrix.team.{s}"] = o["team_conversion_to_next"][stage]
    for i, g in enumerate(report(funnel, "lost", *args)):
        want[f"lost.{i}.lost"], want[f"lost.{i}.share"] = g["lost"], g["share"]
    forecast = report(funnel, "forecast", *without_dates(args))
    for f in forecast:
        for key in ("deals", "value", "weighted_value"):
            want[f"forecast.{f['period']}.{f['currency']}.{key}"] = f[key]
    want["slipped.count"] = sum(f["deals"] for f in forecast if f["period"] == "slipped")
    return want


def test_every_figure_is_the_reports_and_by_hand(rv: Any) -> None:
    page = ok(rv, "report", "review", *SINCE).stdout
    got = figures(page)
    assert got == expected(rv, *SINCE)
    # by hand
    assert (got["metrics.USD.won"], got["metrics.USD.lost"], got["metrics.USD.win_rate"]) == (
        1,
        1,
        50.0,
    )
    assert (got["metrics.USD.won_value"], got["metrics.USD.lost_value"]) == (1000, 2000)
    assert (got["funnel.0.reached"], got["funnel.1.reached"], got["funnel.won"]) == (5, 1, 1)
    assert (got["metrics.EUR.open_value"], got["metrics.EUR.won"]) == (700, 0)
    assert got["slipped.count"] == 2
    assert got["forecast.slipped.USD.value"] == 3500
    assert got["trend.2026-W46.USD.won_value"] == 1000  # won Tuesday 11-10, ISO week 46
    # the owners table and the matrix name the people (escaped)
    assert html.escape(HOSTILE_OWNER, quote=True) in page
    assert "As of" in page or "as of" in page
    assert "2026-11-23" in page and "2026-11-01" in page
    assert "every pipeline" not in page  # one pipeline: nothing to tell apart


def test_the_same_page_in_every_time_zone(rv: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    utc = ok(rv, "report", "review", *SINCE, "--per", "month").stdout
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: another day, most of it
    time.tzset()
    assert ok(rv, "report", "review", *SINCE, "--per", "month").stdout == utc


def test_the_filters_reach_every_section(rv: Any) -> None:
    args = ("--owner", "anna", *SINCE)
    got = figures(ok(rv, "report", "review", *args).stdout)
    assert got == expected(rv, *args)
    assert (got["metrics.USD.won"], got["slipped.count"]) == (1, 1)
    vip = figures(ok(rv, "report", "review", "--tag", "vip").stdout)
    assert (vip["slipped.count"], vip["metrics.USD.open_deals"]) == (1, 1)
    none = figures(ok(rv, "report", "review", "--owner", HOSTILE_OWNER).stdout)
    assert (none["slipped.count"], none["metrics.USD.lost"]) == (0, 1)
    east = figures(ok(rv, "report", "review", "--field", "office=east").stdout)
    assert (east["slipped.count"], east["metrics.USD.open_value"]) == (1, 500)


def test_the_page_is_self_contained_and_hostile_text_inert(rv: Any) -> None:
    page = ok(rv, "report", "review", *SINCE).stdout
    assert page.startswith("<!DOCTYPE html>")
    for text in HOSTILE:
        shown = html.escape(safe(text), quote=True)  # printable as at a terminal, escaped
        assert shown in page, text
        if set(text) & set("<>&\"'"):
            assert text not in page, text
    assert not RAW.search(page.replace("\n", ""))
    lower = page.lower()
    for bad in (
        "<script",
        "<img",
        "<link",
        "<iframe",
        "<object",
        "<embed",
        "<a ",
        "url(",
        "@import",
    ):
        assert bad not in lower, bad
    dom = Dom()
    dom.feed(page)
    for tag, attrs in dom.attrs:
        for name in attrs:
            assert name not in ("src", "href", "xlink:href", "srcset", "action"), tag
            assert not name.startswith("on"), tag
    # the only URL is the data's own text (escaped, inside a cell)
    assert "http" not in page.replace(html.escape(MD_LINK, quote=True), "")
    assert page.count("<svg") == page.count("</svg>") >= 5  # the funnel, 3 trends, lost


def test_an_empty_database(funnel: Any, empty_db: Path) -> None:
    got = figures(ok(funnel, "report", "review").stdout)
    assert got["slipped.count"] == 0 and got["funnel.0.reached"] == 0
    assert (got["metrics.USD.won"], got["metrics.USD.win_rate"]) == (0, None)
    assert not [k for k in got if k.startswith(("owners.", "lost.", "forecast."))]
    text = ok(funnel, "report", "review", "--format", "markdown").stdout
    assert "No sellers." in text and "No deals lost in the period." in text
    assert "No open deals." in text and "| Win rate | – |" in text


def md_cells(line: str) -> list[str]:
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]


def test_markdown_same_sections_and_inert(rv: Any) -> None:
    text = ok(rv, "report", "review", *SINCE, "--format", "markdown").stdout
    for title in ("## Headline", "## The funnel", "## Trends per week", "## Sellers"):
        assert title in text
    for title in ("## Stage × seller", "## Lost reasons", "## Forecast", "## Slipped deals"):
        assert title in text
    assert "| Won value | 0.00 EUR | 1,000.00 USD |" in text
    assert "| Win rate | – | 50.0% |" in text and "**EUR**" in text
    assert "| \\#4 | \\[x\\]\\(http\\://evil\\) \\| pipe | \\\\u202eexe.evil |" in text
    assert "| \\#3 | \\<script\\>alert\\(1\\)\\</script\\> | \\</svg\\>\\<b\\>bold" in text
    assert "\\[x\\]\\(http\\://evil\\) \\| pipe" in text
    assert '"\\>\\<img src=x onerror=alert\\(1\\)\\>' in text
    assert "a\\|b \\*c\\* \\_d\\_ \\`e\\` \\<i\\>x\\\\x0anext line |" in text  # one line
    assert "| 2026-11-20 | 3 |" in text and "| 2026-11-21 | 2 |" in text  # days late
    assert not RAW.search(text.replace("\n", "")) and "](http" not in text
    assert not re.search(r"(?<!\\)[<>\[\]`*_]", text.replace("**", ""))  # all escaped
    # every row of a table has its table's number of cells: no | split one
    for block in re.findall(r"(?:^\|.*\n)+", text, flags=re.M):
        widths = {len(md_cells(line)) for line in block.splitlines()}
        assert len(widths) == 1, block


def test_the_funnel_says_what_it_counts_when_a_period_is_given(rv: Any) -> None:
    """With a period the funnel (deals created in it) and the headline (deals
    closed in it) can differ, and the page says so; all time, they agree."""
    said = "The deals created in the period, by how far they got; the headline counts"
    for args, shown in ((SINCE, True), ((), False)):
        page = ok(rv, "report", "review", *args).stdout
        text = ok(rv, "report", "review", *args, "--format", "markdown").stdout
        assert (said in page, said in text) == (shown, shown)


@SAME_ON_BOTH
def test_output_files_and_stdout(rv: Any, tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    run = ok(rv, "report", "review", *SINCE, "--output", str(out))
    assert run.stdout == "" and run.stderr == f"wrote the review to {out}\n"
    assert figures(out.read_text(encoding="utf-8")) == figures(
        ok(rv, "report", "review", *SINCE).stdout
    )
    md = tmp_path / "review.md"
    ok(rv, "report", "review", *SINCE, "-o", str(md))
    assert md.read_text(encoding="utf-8").startswith("# Weekly review: sales\n")
    # a planted symlink is replaced, never written through; no temporary is left
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    link = tmp_path / "planted.html"
    link.symlink_to(victim)
    ok(rv, "report", "review", "--output", str(link))
    assert victim.read_text(encoding="utf-8") == "keep" and not link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@SAME_ON_BOTH
def test_bad_input_is_one_line(rv: Any, tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    for args, code, text in [
        (("--format", "pdf"), 2, "--format must be html or markdown, not 'pdf'"),
        (("--per", "day"), 1, "--per must be week or month, not 'day'"),
        (("--owner", "nobody"), 1, "nobody"),
        (("--since", "soon"), 1, "--since: can't read 'soon' as a date"),
    ]:
        run = rv("report", "review", *args, "--output", str(tmp_path / "x.html"))
        assert (run.exit_code, run.stdout) == (code, ""), (args, run.stderr)
        assert run.stderr.startswith(ERROR) and run.stderr.count("\n") == 1
        assert text in run.stderr
    assert list(tmp_path.iterdir()) == []
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    code, out, err = run_on_a_terminal(["funnel", "report", "review"], env)
    assert code == 2 and out == ""
    assert err.decode() == (
        f"{ERROR}report review writes an HTML page: give --output FILE (or redirect stdout)\n"
    )


@SAME_ON_BOTH
def test_only_report_review_loads_its_modules(rv: Any) -> None:
    from test_startup_imports import loaded

    mine = {
        "funnelcli.services.review",
        "funnelcli.store.review",
        "funnelcli.render.review_html",
        "funnelcli.render.review_md",
        "funnelcli.render.svg",
    }
    assert not mine & loaded(["report", "metrics", "--format", "json"])
    assert mine <= loaded(["report", "review", "--format", "markdown", "--per", "month"]) | {
        "funnelcli.render.review_html",
        "funnelcli.render.svg",
    }


# --- headless Chromium: what a browser makes of the page -------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def chromium(tmp: Path, *args: str) -> str:
    """Run headless Chromium with a profile of its own in a short directory
    (its socket's path must fit in 108 bytes: not under pytest's tmp_path)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("FUNNEL_REQUIRE_CHROMIUM"):
            pytest.fail("FUNNEL_REQUIRE_CHROMIUM is set and there is no chromium")
        pytest.skip("no chromium (Debian's `chromium`): the browser checks need it")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
    flags += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
    short = Path(tempfile.mkdtemp(prefix="funnel-chromium-", dir="/tmp"))
    flags += [f"--user-data-dir={short / 'profile'}", "--hide-scrollbars"]
    env = {**os.environ, "HOME": str(short), "TMPDIR": str(short)}
    try:
        run = subprocess.run(
            [CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120, env=env
        )
    finally:
        shutil.rmtree(short, ignore_errors=True)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


@SAME_ON_BOTH
def test_without_chromium_skips_unless_ci_requires_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.delenv("FUNNEL_REQUIRE_CHROMIUM", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no chromium"):
        chromium(tmp_path, "--version")
    monkeypatch.setenv("FUNNEL_REQUIRE_CHROMIUM", "1")
    with pytest.raises(pytest.fail.Exception, match="FUNNEL_REQUIRE_CHROMIUM"):
        chromium(tmp_path, "--version")


def png_pixels(path: Path) -> tuple[int, int, bytes]:
    """(width, height, the RGB(A) bytes) of an 8-bit PNG, with zlib only."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, ihdr = 8, [], b""
    while pos < len(data):
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + size]
        if kind == b"IHDR":
            ihdr = body
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + size
    width, height, depth, colour = struct.unpack(">IIBB", ihdr[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(b"".join(chunks)), width * bpp
    out, prev = bytearray(), bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        _unfilter(kind, line, prev, bpp)
        out += line
        prev = line
    return width, height, bytes(out)


def _unfilter(kind: int, line: bytearray, prev: bytearray, bpp: int) -> None:
    if kind == 1:
        for i in range(bpp, len(line)):
            line[i] = (line[i] + line[i - bpp]) & 255
    elif kind == 2:
        for i in range(len(line)):
            line[i] = (line[i] + prev[i]) & 255
    elif kind == 3:
        for i in range(len(line)):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + (left + prev[i]) // 2) & 255
    elif kind == 4:
        for i in range(len(line)):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255


class Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.attrs: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.append((tag, [name for name, _ in attrs]))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.slow
@SAME_ON_BOTH
def test_chromium_draws_it_and_reads_hostile_titles_as_text(rv: Any, tmp_path: Path) -> None:
    page = tmp_path / "review.html"
    ok(rv, "report", "review", *SINCE, "--output", str(page))
    url = page.as_uri()
    chromium(tmp_path, f"--screenshot={tmp_path / 'shot.png'}", "--window-size=800,900", url)
    width, height, pixels = png_pixels(tmp_path / "shot.png")
    assert (width, height) == (800, 900)
    bpp = len(pixels) // (width * height)
    colours = {pixels[i : i + 3] for i in range(0, len(pixels), bpp * 7)}
    light = sum(1 for i in range(0, len(pixels), bpp * 7) if min(pixels[i : i + 3]) < 200)
    assert len(colours) > 20, "a blank page"  # the text, the cards, the funnel's blues
    assert light > 1000, "next to nothing drawn"
    dom = Dom()
    dom.feed(chromium(tmp_path, "--dump-dom", url))
    for tag in ("script", "img", "iframe", "object", "embed", "a", "link", "i"):
        assert tag not in dom.tags, tag
    assert dom.tags.count("b") == 2  # the page's own: as of, and the funnel's outcome
    text = "".join(dom.text)
    for hostile in (HOSTILE_TITLE, HOSTILE_OWNER, MD_LINK, SVG_END, REASON, STAGE):
        assert safe(hostile) in text, hostile  # what the browser read: text
    assert "\\u202eexe.evil" in text and "\u202e" not in text
