"""The words on a chart: titles with human dates, bar labels, notes, in kk, ru or en.

Chart-only phrases live here rather than in ``reports.labels`` (the tables' words);
anything else falls back to ``labels.label``. Dates come from Babel in the report's
language, so a title reads "Summary — 30 Nov – 6 Dec 2026", never a raw period label.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_interval, format_skeleton

from reports.fmt import Style
from reports.labels import LANGS, label
from reports.periods import Period, week_of
from reports.report import Row
from streamer.platforms import CODES, LABELS
from streamer.safe_text import printable

TEXTS: dict[str, tuple[str, str, str]] = {
    "live_broadcasts": ("тікелей эфирлер", "прямые эфиры", "live broadcasts"),
    "by.programme": ("бағдарламалар бойынша", "по программам", "by programme"),
    "by.platform": ("платформалар бойынша", "по платформам", "by platform"),
    "by.district": ("қала / аудан бойынша", "по городам / районам", "by city / district"),
    "by.month": ("айлар бойынша", "по месяцам", "by month"),
    "by.week": ("апталар бойынша", "по неделям", "by week"),
    "top": (
        "{total} ішінен қаралымы ең көп {shown}",
        "{shown} из {total} с наибольшим числом просмотров",
        "the {shown} with the most views of {total}",
    ),
    "latest": (
        "{total} ішінен соңғы {shown}",
        "последние {shown} из {total}",
        "the last {shown} of {total}",
    ),
    "off_plan_first": (
        "{total} ішінен {shown}: алдымен жоспардан ауытқулар",
        "{shown} из {total}: сначала отклонения от плана",
        "{shown} of {total}: off-plan first",
    ),
    "all": ("барлығы {total}", "всего {total}", "all {total}"),
    "no_live_data": (
        "Тікелей эфир деректері жоқ: бір мезгілдегі көрермендер өлшенбеген",
        "Нет данных эфира: зрители онлайн не измерены",
        "No live data: no concurrent viewers were measured",
    ),
    "empty": ("Бұл кезеңде эфир жоқ", "В этом периоде эфиров нет", "Nothing on air in this period"),
    "plan": ("жоспар", "план", "plan"),
    "local_time": ("жергілікті уақыт", "местное время", "local time"),
    "week_no": ("{week}-апта", "неделя {week}", "week {week}"),
    "more_notes": (
        "есепте тағы {count} ескертпе бар",
        "ещё примечаний в отчёте: {count}",
        "{count} more notes in the report",
    ),
}
SHORT_TITLE = 40  # characters of a broadcast title kept on a bar label


def text(key: str, lang: str, **fields: object) -> str:
    """A chart phrase in ``lang`` with its ``{fields}``; other keys via ``labels.label``."""
    texts = TEXTS.get(key)
    found = label(key, lang) if texts is None else texts[LANGS.index(lang)]
    return found.format(**fields) if fields else found


def period_text(period: Period, style: Style) -> str:
    """A period as people write it: "November 2026", "30 Nov – 6 Dec 2026", "2026"."""
    if period.kind == "month":
        return _capital(format_date(period.start, "LLLL y", locale=style.locale))
    if period.kind == "year":
        return str(period.start.year)
    return style.span(period.start, period.last_day)


def title(kind_key: str, period: Period | None, style: Style) -> str:
    """A chart title: the report's name and, when it has one, its period in words."""
    name = label(kind_key, style.lang)
    return name if period is None else f"{name}: {period_text(period, style)}"


def group_text(by: str, key: str, style: Style) -> str:
    """A summary group key as a bar label; a week reads as its days."""
    if by == "week" and "-W" in key:
        year, week = key.split("-W")
        days = week_of(date.fromisocalendar(int(year), int(week), 1))
        span = format_interval(days.start, days.last_day, "MMMd", locale=style.locale)
        return f"{text('week_no', style.lang, week=int(week))}: {span}"
    return _capital(style.group(by, key)) if by == "month" else style.group(by, key)


def broadcast_text(row: Row, style: Style) -> str:
    """A bar label for one broadcast: its local date and time, and a short title."""
    moment = row.get("planned_start") or row.get("actual_start")
    when = ""
    if isinstance(moment, datetime):
        local = moment.astimezone(style.tz)
        when = f"{format_skeleton('MMMd', local.date(), locale=style.locale)} {local:%H:%M} · "
    return when + short_title(row, style)


def short_title(row: Row, style: Style, limit: int = SHORT_TITLE) -> str:
    """The title cut at a word to ``limit`` characters with an ellipsis.

    An unplanned broadcast is named after its title and platforms, within ``limit``
    too: the streams of an unplanned simulcast share the title, and the platforms tell
    them apart from another unplanned broadcast of the same title. An
    untitled stream (Instagram lives have no title) is named by its programme.
    """
    # Controls escaped; a "$" escaped too, or matplotlib would parse "$…$" as math
    # (and fail on a title like "$\\frac{", which would break the whole report).
    title_text = printable(str(row.get("title") or "")).strip().replace("$", r"\$")
    if not title_text:
        title_text = style.programme(str(row.get("programme") or ""))
    platforms = [p for p in str(row.get("platforms") or "").split(";") if p]
    if row.get("status") != "unplanned" or not platforms:
        return shorten(title_text, limit)
    # One platform by its name; an unplanned simulcast by codes ("YT FB IG"), and its
    # title cut to leave them room: four names made a label that squeezed the panels.
    names = (
        LABELS.get(platforms[0], platforms[0])
        if len(platforms) == 1
        else " ".join(CODES.get(p, p) for p in platforms)
    )
    return f"{shorten(title_text, max(limit - len(names) - 3, limit // 2))} · {names}"


def shorten(value: str, limit: int) -> str:
    """``value`` within ``limit`` characters, cut at a space where one is near."""
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" :·,;-") + "…"


def _capital(value: str) -> str:
    """Russian and Kazakh month names are lower case inside a sentence, not in a title."""
    return value[:1].upper() + value[1:]
