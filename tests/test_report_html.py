"""`--format html`: one self-contained page per report, escaped, in the report's language.

The store holds week 48 of 2026 (Almaty): a held simulcast on YouTube and
Instagram (Instagram reports no viewer figures, so a footnote says so), a
no-show, and an unplanned stream whose platform title is an HTML injection
attempt. The browser tests render the pages in headless Chromium (Debian's
``chromium``, installed by ``.ci/run``) and read what a person would see.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reports.fmt import Style
from reports.html import html_report
from reports.labels import label
from reports.report import BROADCAST_COLUMNS, Note, Report
from streamer.app import cli_report
from streamer.app.cli import run
from streamer.clock import SimulatedClock
from streamer.config import load_config, starter_config
from tests.helpers.report_week import seed_week

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
EVIL = "<img src=x onerror=alert(1)>"
PLANNED_TITLE = 'Заң <b>кеңесі</b> & "сұрақтар"'
JOB = """
[[reports]]
name = "weekly"
cron = "0 9 * * MON"
kind = "adherence"
period = "last-week"
formats = ["html", "csv"]
out_dir = "out"
language = "kk"
"""
HEADLINE = {
    "kk": "Antikor.Live: 2 тікелей эфир, 3\u00a0000-нан астам қаралым",
    "ru": "Antikor.Live: 2 прямых эфира, более 3\u00a0000 просмотров",
    "en": "Antikor.Live: 2 live broadcasts, over 3,000 views",
}
FOOTNOTE = {
    "kk": "Instagram «бір мезгілдегі көрермендер» көрсеткішін бермейді",
    "ru": "Instagram не сообщает показатель «зрители онлайн»",
    "en": "Instagram does not report concurrent viewers",
}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config (starter + an html report job) and a seeded data folder; the clock at NOW."""
    (tmp_path / "streamer.toml").write_text(starter_config() + JOB, encoding="utf-8")
    monkeypatch.setenv("STREAMER_CONFIG", str(tmp_path / "streamer.toml"))
    monkeypatch.setattr(cli_report, "CLOCK", SimulatedClock(NOW))
    seed_week(
        tmp_path / "data", planned_title=PLANNED_TITLE, unplanned_title=EVIL, instagram_done=True
    )
    return tmp_path


def html_of(home: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The page `streamer report ARGV --format html` writes to --out."""
    out = home / "page.html"
    code = run(["report", *argv, "--format", "html", "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 0, err
    return out.read_text(encoding="utf-8")


class Page(HTMLParser):
    """The elements, attributes and text of a page, as a browser's parser sees them."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = 0
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._skip += tag in ("style", "svg")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "svg")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)

    def names(self) -> list[str]:
        return [name for name, _ in self.tags]

    def words(self) -> str:
        # Collapse white space as a browser does; a no-break space stays itself.
        return re.sub(r"[ \t\r\n]+", " ", " ".join(self.text)).strip()


# -- the page's content ------------------------------------------------------------


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("kind", ["summary", "broadcasts", "adherence"])
def test_page_has_language_headline_table_and_footnotes(
    home: Path, capsys: pytest.CaptureFixture[str], kind: str, lang: str
) -> None:
    """Each period report: <html lang>, the headline, every column label, the footnote."""
    page = Page(html_of(home, capsys, kind, "--period", "2026-W48", "--lang", lang))
    assert page.tags[0] == ("html", {"lang": lang})
    words = page.words()
    assert HEADLINE[lang] in words
    assert page.names().count("th") >= 8
    if kind != "adherence":  # the adherence report has no viewer figures to annotate
        assert FOOTNOTE[lang] in words
    assert "svg" in page.names()  # the chart, inline


def test_summary_page_counts_unplanned_broadcasts_not_their_streams(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As on the console, the summary page heads "unplanned broadcasts" and leaves the
    unplanned streams and the compared days' ISO spans to CSV and JSON."""
    markup = html_of(home, capsys, "summary", "--period", "2026-W48", "--lang", "en")
    headers = re.findall(r"<th[^>]*>(.*?)</th>", markup, flags=re.S)
    texts = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", h)).strip() for h in headers]
    assert label("unplanned_broadcasts", "en") in texts
    assert label("unplanned_streams", "en") not in texts
    assert "2026-11-23/" not in markup  # the compared days, left to CSV and JSON


def test_platform_titles_show_as_text_never_as_markup(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stream titled <img src=x onerror=alert(1)> is shown as those characters, no element."""
    markup = html_of(home, capsys, "broadcasts", "--period", "2026-W48", "--lang", "en")
    page = Page(markup)
    assert EVIL in page.words()
    assert PLANNED_TITLE in page.words()
    assert "img" not in page.names() and "b" not in page.names()
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup


def test_page_is_self_contained(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No script, no stylesheet link, no image or font to fetch: links stay in the page."""
    page = Page(html_of(home, capsys, "summary", "--period", "2026-W48"))
    names = page.names()
    assert "script" not in names and "link" not in names and "iframe" not in names
    assert names.count("style") == 1 and names.count("svg") == 2  # wide, and a phone's
    refs = [
        value
        for _, attrs in page.tags
        for name, value in attrs.items()
        if name in ("src", "href", "xlink:href", "action") and value is not None
    ]
    assert refs and all(ref.startswith("#") for ref in refs)
    assert "@import" not in html_of(home, capsys, "summary", "--period", "2026-W48")


def test_curve_page_names_the_broadcast_and_its_peaks(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`report curve AL-1 --format html`: programme and title, the peak per platform, n/a."""
    words = Page(html_of(home, capsys, "curve", "AL-1", "--lang", "en")).words()
    assert f"Antikor.Live · {PLANNED_TITLE}" in words
    assert "total: peak 70 · 11:35" in words
    assert "YouTube: peak 70 · 11:35" in words
    assert "Instagram: n/a" in words


def test_without_matplotlib_the_page_says_there_is_no_chart(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the charts extra is missing the page is still written, with a note instead."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    page = Page(html_of(home, capsys, "summary", "--period", "2026-W48", "--lang", "en"))
    assert "svg" not in page.names()
    assert "No chart: matplotlib is not installed" in page.words()
    assert HEADLINE["en"] in page.words()


def test_scheduled_job_writes_an_html_file(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A job with formats = ["html", "csv"] writes weekly-2026-W48.html in its language."""
    assert run(["report", "run", "weekly"]) == 0, capsys.readouterr().err
    names = sorted(p.name for p in (home / "out").iterdir())
    assert names == ["weekly-2026-W48.csv", "weekly-2026-W48.html"]
    page = Page((home / "out" / "weekly-2026-W48.html").read_text(encoding="utf-8"))
    assert page.tags[0] == ("html", {"lang": "kk"})
    assert "эфирге шықпады: 1" in page.words()  # the no-show finding, counted


def test_config_takes_html_and_still_refuses_unknown_formats(tmp_path: Path) -> None:
    """`formats = ["html"]` loads; `formats = ["pdf"]` is refused with the key named."""
    path = tmp_path / "streamer.toml"
    path.write_text(starter_config() + JOB, encoding="utf-8")
    assert load_config(path).reports[0].formats == ("html", "csv")
    path.write_text(starter_config() + JOB.replace('"html"', '"pdf"'), encoding="utf-8")
    with pytest.raises(Exception, match="formats"):
        load_config(path)


def test_a_column_and_footnote_the_page_never_heard_of_still_show(tmp_path: Path) -> None:
    """Rendering is generic: a new column shows under its key, with its cells and mark."""
    config = load_config_at(tmp_path)
    built = Report(
        kind="broadcasts",
        columns=("broadcast_id", "title", "brand_new_figure"),
        rows=[{"broadcast_id": "X-1", "title": "One", "brand_new_figure": "42 & more"}],
        notes=(Note("a brand-new footnote — {items}", {}, (0,), ("brand_new_figure",)),),
    )
    page = Page(html_report(built, Style("en", config.tz, config.programmes)).decode())
    assert "brand_new_figure" in page.text
    assert "42 & more" in page.words()
    assert "a brand-new footnote — X-1" in page.words()
    assert ("a", {"href": "#note-1"}) in page.tags


def test_a_cell_with_two_notes_marks_them_apart(tmp_path: Path) -> None:
    """Two notes on one cell read "1,2" in one superscript, not "12" (twelve)."""
    config = load_config_at(tmp_path)
    notes = tuple(Note(f"note {n} — {{items}}", {}, (0,), ("title",)) for n in (1, 2))
    built = Report(
        kind="broadcasts",
        columns=("broadcast_id", "title"),
        rows=[{"broadcast_id": "X-1", "title": "One"}],
        notes=notes,
    )
    markup = html_report(built, Style("en", config.tz, config.programmes)).decode()
    assert '<sup><a href="#note-1">1</a>,<a href="#note-2">2</a></sup>' in markup


def test_a_broadcast_without_a_district_shows_the_unknown_mark(tmp_path: Path) -> None:
    """A phone's card shows "—" for a district never planned, as for other unknowns,
    not an empty field; a district shows as written."""
    config = load_config_at(tmp_path)
    built = Report(
        kind="broadcasts",
        columns=("broadcast_id", "district"),
        rows=[
            {"broadcast_id": "X-1", "district": ""},
            {"broadcast_id": "X-2", "district": "Алматы"},
        ],
    )
    markup = html_report(built, Style("ru", config.tz, config.programmes)).decode()
    cells = re.findall(r'<td class="district"[^>]*><span class="v">(.*?)</span></td>', markup)
    assert cells == ['<span class="na" title="н/д">—</span>', "Алматы"]


def load_config_at(folder: Path):  # type: ignore[no-untyped-def]
    path = folder / "streamer.toml"
    path.write_text(starter_config(), encoding="utf-8")
    return load_config(path)


# -- in a browser ------------------------------------------------------------------


def chromium() -> str:
    """Headless Chromium's executable; missing it fails the test (CI installs it)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("the browser tests need Chromium: apt-get install chromium (see .ci/run)")


def browse(page: Path, tmp: Path, *args: str) -> str:
    """Run headless Chromium on the file with ``args``; its stdout.

    As root (CI) Chromium needs --no-sandbox; host names resolve nowhere, so a
    page that tried to fetch anything would show it missing, not wait.
    """
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={tmp / 'profile'}",
        *args,
        page.as_uri(),
    ]
    env = {**os.environ, "HOME": str(tmp)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def tool(name: str) -> str:
    """A poppler tool (pdftotext, pdfinfo): needed with Chromium, installed alongside."""
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"the browser tests need {name}: apt-get install poppler-utils (see .ci/run)")
    return found


def test_chromium_prints_the_page_with_the_text_a_reader_sees(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Printed to PDF: landscape pages, table on its own page, headline and titles as text."""
    page = home / "broadcasts.html"
    page.write_text(
        html_of(home, capsys, "broadcasts", "--period", "2026-W48", "--lang", "kk"),
        encoding="utf-8",
    )
    dom = browse(page, tmp_path, "--dump-dom")
    assert "<img" not in dom and "&lt;img src=x onerror=alert(1)&gt;" in dom
    pdf = tmp_path / "page.pdf"
    browse(page, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    text = subprocess.run(
        [tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True, timeout=60
    ).stdout
    words = " ".join(text.split())  # no-break spaces read as spaces in PDF text
    assert " ".join(HEADLINE["kk"].split()) in words
    assert EVIL in words
    assert "тақырып" in words and "Түркістан" in words
    info = subprocess.run(
        [tool("pdfinfo"), str(pdf)], capture_output=True, text=True, timeout=60
    ).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    width, height = (
        float(n)
        for n in next(line for line in info.splitlines() if line.startswith("Page size:"))
        .split(":")[1]
        .split()[0:3:2]
    )
    assert pages >= 2  # the table starts a new page after the headline and chart
    assert width > height  # A4 landscape, for the wide table


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (400, 860)])
def test_chromium_screenshot_shows_a_painted_page(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, width: int, height: int
) -> None:
    """Desktop and phone widths: a screenshot of the page with dark text on white."""
    from PIL import Image

    page = home / "summary.html"
    page.write_text(html_of(home, capsys, "summary", "--period", "2026-W48"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    browse(page, tmp_path, f"--screenshot={shot}", f"--window-size={width},{height}")
    with Image.open(shot) as image:
        assert image.size == (width, height)
        grey = image.convert("L")
        top = grey.crop((0, 0, width, 120))  # the title and the period line
        dark = sum(top.histogram()[:100])
        light = sum(grey.histogram()[241:])
    assert dark > 200  # text is drawn
    assert light > width * height // 2  # on a white page, not a blank or error screen


# Measures the table of a copy of the page in the browser (the report itself has no
# script): scrolled to the far right and bottom of its box, where are its edges?
MEASURE = """<script>
var box = document.querySelector(".scroll"), table = box.querySelector("table");
box.scrollLeft = box.scrollWidth; box.scrollTop = box.scrollHeight;
var edge = box.getBoundingClientRect();
var id = table.querySelector("tbody tr:last-child td").getBoundingClientRect();
var head = table.querySelector("thead th:last-child").getBoundingClientRect();
document.body.dataset.m = JSON.stringify({
  page: document.documentElement.scrollWidth, width: innerWidth, height: innerHeight,
  table: table.scrollWidth, box: box.clientWidth, box_height: edge.height,
  left: box.scrollLeft, top: box.scrollTop,
  id_left: id.left - edge.left, head_top: head.top - edge.top});
</script>"""


def test_a_wide_kazakh_table_scrolls_in_its_own_box_at_1280_px(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The Kazakh broadcasts table, wider than a 1,280 px window: the page itself never
    scrolls sideways; the table scrolls in its own box, no taller than the window (its
    scrollbar in view), with the id column and the header row held at the box's edges."""
    markup = html_of(home, capsys, "broadcasts", "--period", "2026-W48", "--lang", "kk")
    page = tmp_path / "measured.html"
    page.write_text(markup.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = browse(page, tmp_path, "--dump-dom", "--window-size=1280,360")
    found = re.search(r'data-m="([^"]*)"', dom)
    assert found is not None, dom[-500:]
    m = json.loads(html.unescape(found.group(1)))
    assert m["width"] == 1280 and m["table"] > m["box"]  # the table is wider than its box
    assert m["page"] <= m["width"]
    assert m["left"] > 0 and abs(m["id_left"]) < 1
    assert m["box_height"] <= m["height"]
    assert m["top"] > 0 and abs(m["head_top"]) < 1


# How many lines each id cell's text takes in the browser.
ID_LINES = """<script>
var lines = Array.from(document.querySelectorAll("td.broadcast_id .v")).map(function (v) {
  var range = document.createRange();  // the id's text, not its footnote marks
  var mark = v.querySelector("sup");
  range.setStart(v, 0);
  if (mark) { range.setEndBefore(mark); } else { range.setEnd(v, v.childNodes.length); }
  var tops = Array.from(range.getClientRects()).map(function (r) { return Math.round(r.top); });
  return [v.textContent, new Set(tops).size];
});
document.body.dataset.ids = JSON.stringify(lines);
</script>"""


@pytest.mark.parametrize("width", [700, 1280])
def test_broadcast_ids_break_only_after_a_platform(tmp_path: Path, width: int) -> None:
    """An id is read and copied whole: an unplanned broadcast's ``u-…`` id is not
    broken at its hyphen, a plain one not at all; a long stream key may break after
    its platform's colon, and nowhere else. In Chromium, beside a wide Kazakh table."""
    ids = ["u-4e8wpjg7", "b20250101000", "instagram:85075392842981857"]
    row = {column: None for column in BROADCAST_COLUMNS}
    title = "Тікелей эфир: азаматтарға арналған тегін заң кеңесі, сұрақтар мен жауаптар"
    rows = [{**row, "broadcast_id": i, "title": title, "status": "held"} for i in ids]
    report = Report(kind="broadcasts", columns=BROADCAST_COLUMNS, rows=rows)
    markup = html_report(report, Style("kk", ZoneInfo("Asia/Almaty"))).decode("utf-8")
    page = tmp_path / "ids.html"
    page.write_text(markup.replace("</body>", ID_LINES + "</body>"), encoding="utf-8")
    dom = browse(page, tmp_path, "--dump-dom", f"--window-size={width},900")
    found = re.search(r'data-ids="([^"]*)"', dom)
    assert found is not None, dom[-500:]
    lines = dict(json.loads(html.unescape(found.group(1))))
    assert lines["u-4e8wpjg7"] == 1 and lines["b20250101000"] == 1, lines
    assert lines["instagram:85075392842981857"] <= 2, lines


# Which chart the browser shows, and at what scale its drawing units (points) come out.
CHART_SCALE = """<script>
var shown = Array.from(document.querySelectorAll("figure svg")).filter(function (svg) {
  return svg.getBoundingClientRect().width > 0;
}).map(function (svg) {
  return [svg.getAttribute("class"),
          svg.getBoundingClientRect().width / svg.viewBox.baseVal.width];
});
document.body.dataset.charts = JSON.stringify(
  {shown: shown, page: document.documentElement.scrollWidth, width: innerWidth});
</script>"""


@pytest.mark.parametrize(("width", "chart", "scale"), [(390, "narrow", 1.0), (1280, "wide", 1.2)])
def test_a_phone_gets_the_chart_drawn_for_it(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, width: int, chart: str,
    scale: float,
) -> None:  # fmt: skip
    """At phone width the page shows the narrow chart, its 9-point labels at least 9 px
    (the wide one would be drawn at under half its size there); on a desktop the wide
    one. One chart at a time, and the page never scrolls sideways."""
    markup = html_of(home, capsys, "broadcasts", "--period", "2026-W48", "--lang", "kk")
    page = tmp_path / "charts.html"
    page.write_text(markup.replace("</body>", CHART_SCALE + "</body>"), encoding="utf-8")
    dom = browse(page, tmp_path, "--dump-dom", f"--window-size={width},900")
    found = re.search(r'data-charts="([^"]*)"', dom)
    assert found is not None, dom[-500:]
    seen = json.loads(html.unescape(found.group(1)))
    ((name, drawn),) = seen["shown"]
    assert name == chart and drawn >= scale, seen
    assert seen["page"] <= seen["width"]


@pytest.mark.parametrize("change", [None, 2])
def test_the_change_legend_shows_only_with_a_change(change: int | None) -> None:
    """A summary whose changes are all blank (nothing collected the period before) does
    not explain "+n / −n" under its table, on the page as on the console."""
    from reports.render import render_text
    from reports.report import summary_columns

    columns = summary_columns("programme")
    row = {column: None for column in columns}
    row |= {"programme": "adal-komek", "broadcasts_planned": 2, "broadcasts_planned_change": change}
    report = Report(kind="summary", columns=columns, rows=[row], subject="programme")
    style = Style("ru", ZoneInfo("Asia/Almaty"))
    page = html_report(report, style).decode("utf-8")
    legend = re.search(r'<p class="legend">(.*?)</p>', page, flags=re.DOTALL)
    assert legend is not None
    assert ("+n / −n" in legend.group(1)) is (change is not None)
    assert ("+n / −n" in render_text(report, style)) is (change is not None)
