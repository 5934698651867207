"""The fixed parts of an HTML report: its style sheet and its few words of its own.

Everything is inline (no font, image or script is fetched), so the file can be
mailed, opened from a share or printed to PDF as it is. Three layouts: a desktop
table (wider than the window, as with Kazakh labels at 1,280 px, it scrolls in its
own box no taller than the window, header row and id column held in view); on a
phone (≤ 640 px) each row becomes a card of "label: value" lines; in print a
landscape A4 page per section, with the table header repeated.
"""

from __future__ import annotations

HTML_LABELS: dict[str, tuple[str, str, str]] = {
    "no_charts": (
        "Диаграмма жоқ: matplotlib орнатылмаған (pip install 'streamer[charts]').",
        "Без диаграммы: не установлен matplotlib (pip install 'streamer[charts]').",
        "No chart: matplotlib is not installed (pip install 'streamer[charts]').",
    ),
    "zone": ("Уақыт белдеуі", "Часовой пояс", "Time zone"),
    "notes": ("Ескертпелер", "Примечания", "Notes"),
    "table": ("Кесте", "Таблица", "Table"),
    "chart": ("Диаграмма", "Диаграмма", "Chart"),
}


def html_label(key: str, lang: str) -> str:
    """One of the HTML report's own phrases in ``lang`` (kk, ru or en)."""
    return HTML_LABELS[key][("kk", "ru", "en").index(lang)]


CSS = """
:root { --ink: #1a202c; --muted: #5a6474; --line: #d5dbe3; --band: #f3f6f9; --accent: #2b6cb0; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0 auto; padding: 20px 20px 40px; max-width: 1600px; color: var(--ink);
  font: 15px/1.45 "DejaVu Sans", "Noto Sans", "Segoe UI", Roboto, Arial, sans-serif;
}
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.1rem; margin: 28px 0 8px; color: var(--muted); font-weight: 600; }
.period, .intro { margin: 0 0 12px; color: var(--muted); }
.headlines { list-style: none; padding: 0; margin: 12px 0; }
.headlines li { font-size: 1.15rem; font-weight: 600; margin: 2px 0; }
.counts { display: flex; flex-wrap: wrap; gap: 6px; padding: 0; margin: 8px 0; list-style: none; }
.chip {
  display: inline-block; padding: 0 7px; border-radius: 10px; white-space: nowrap;
  background: var(--band); border: 1px solid var(--line); font-size: 0.85rem;
}
.counts .chip { font-size: 0.95rem; }
.on_time, .held { background: #e3f4e8; border-color: #9ed2ad; }
.late_start, .early_start, .overrun, .live { background: #fdf3d8; border-color: #e8c66e; }
.no_show, .missed { background: #fbe3e1; border-color: #e59b94; }
.cancelled, .pending, .planned { background: #eceff3; border-color: #c3cad4; }
.unplanned, .second_stream { background: #e4eefb; border-color: #98b7e3; }
figure { margin: 8px 0; }
figure svg * { stroke-linejoin: round; stroke-linecap: butt; }
figure svg { display: block; width: 100%; max-width: 1000px; height: auto; }
figure svg.narrow { display: none; max-width: 480px; }
.note { color: var(--muted); font-style: italic; }
.scroll { overflow: auto; max-height: 85vh; }
thead th { position: sticky; top: 0; z-index: 1; }
th:first-child, td:first-child { position: sticky; left: 0; }
thead th:first-child { z-index: 2; }
tbody td:first-child { background: #fff; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
th, td { padding: 4px 5px; border-bottom: 1px solid var(--line); vertical-align: top; }
th {
  text-align: left; font-weight: 600; background: var(--band); font-size: 0.78rem;
  border-bottom: 2px solid var(--line); hyphens: none;
}
th.num, td.num { text-align: right; }
td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.title { min-width: 8em; }
td.broadcast_id .id { white-space: nowrap; }
td .chip { white-space: normal; border-radius: 6px; margin: 0 2px 2px 0; }
tbody tr:nth-child(even) td { background: #fafbfc; }
.na { color: var(--muted); }
.change { display: block; color: var(--muted); font-size: 0.8rem; }
sup a { color: var(--accent); text-decoration: none; font-weight: 600; }
.legend { color: var(--muted); font-size: 0.85rem; margin: 6px 0; }
ol.notes { font-size: 0.9rem; color: var(--muted); padding-left: 1.6em; }
footer { margin-top: 28px; color: var(--muted); font-size: 0.8rem; }

@media (max-width: 640px) {
  body { padding: 14px 12px 28px; font-size: 14px; }
  h1 { font-size: 1.3rem; }
  .headlines li { font-size: 1rem; }
  .scroll { overflow: visible; max-height: none; }
  table, thead, tbody, tr, th, td { display: block; width: auto; position: static; }
  thead { position: absolute; left: -9999px; }
  tbody tr {
    border: 1px solid var(--line); border-radius: 8px; margin: 0 0 10px; padding: 6px 10px;
  }
  tbody tr:nth-child(even) td { background: none; }
  td {
    border: 0; padding: 2px 0; display: flex; justify-content: space-between; gap: 12px;
    white-space: normal;
  }
  td::before {
    content: attr(data-label); color: var(--muted); text-align: left; flex: 0 1 45%;
  }
  td.num { white-space: normal; }
  td.title { min-width: 0; }
  figure svg.wide { display: none; }
  figure svg.narrow { display: block; }
  td .v { text-align: right; }
  td.first { font-weight: 600; }
  .change { display: inline; margin-left: 6px; }
}

@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  section { break-before: page; }
  section.first { break-before: auto; }
  h2 { margin-top: 0; }
  .scroll { overflow: visible; max-height: none; }
  th, td { position: static; }
  table { font-size: 8.5pt; }
  thead { display: table-header-group; }
  tr, figure, li { break-inside: avoid; }
  tbody tr:nth-child(even) td { background: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  sup a { color: inherit; }
}
"""
