"""Alert messages in Kazakh, Russian and English: short, for a phone's screen.

``notice(event, language, programmes, tz)`` turns an outbox event into a ``Notice``:
a subject line, one or two lines, the stream links. Terms follow
docs/glossary.md where it has them ("went live": «тікелей эфир басталды» /
«эфир начался»; "missed": «өткізілмеді» / «не состоялся»); the glossary is silent on
"not live yet", "collection stopped/resumed", "quota" and "credential", whose words
here await a native review.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from streamer.models import Programme, from_iso
from streamer.notify.base import Notice
from streamer.platforms import LABELS
from streamer.safe_text import message_text

TEXTS: dict[str, tuple[str, str, str]] = {  # kk, ru, en
    "live": ("Тікелей эфир басталды: {name}", "Эфир начался: {name}", "Live now: {name}"),
    "late": ("Эфир әлі басталмады: {name}", "Эфир ещё не начался: {name}", "Not live yet: {name}"),
    "late.line": (
        "Жоспар бойынша {time}, {late} мин бұрын.",
        "По плану в {time}, {late} мин назад.",
        "Planned for {time}, {late} min ago.",
    ),
    "missed": ("Өткізілмеді: {name}", "Не состоялся: {name}", "Missed: {name}"),
    "missed.line": (
        "Жоспар бойынша {time}; эфирге шықпады.",
        "По плану в {time}; в эфир не вышел.",
        "Planned for {time}; it never went live.",
    ),
    "unhealthy": (
        "Деректер жинау тоқтады: {name}",
        "Сбор данных остановлен: {name}",
        "Collection stopped: {name}",
    ),
    "unhealthy.auth": (
        "Кілт қабылданбады: {detail}",
        "Ключ отклонён: {detail}",
        "Credential refused: {detail}",
    ),
    "unhealthy.quota": (
        "Квота таусылды; {time} дейін тоқтатылды.",
        "Квота исчерпана; пауза до {time}.",
        "Quota used up; paused until {time}.",
    ),
    "unhealthy.stale": (
        "{time} бері жауап жоқ.",
        "Нет ответа с {time}.",
        "No answer since {time}.",
    ),
    "recovered": (
        "Деректер жинау қайта басталды: {name}",
        "Сбор данных возобновлён: {name}",
        "Collection resumed: {name}",
    ),
    "recovered.line": (
        "{time} бері тоқтап тұрды.",
        "Не работал с {time}.",
        "It had stopped at {time}.",
    ),
    "unplanned": ("жоспардан тыс", "вне плана", "unplanned"),
    "test": ("streamer: сынақ хабарлама", "streamer: тестовое сообщение", "streamer: test message"),
    "test.line": (
        "Мұны оқып тұрсаңыз, хабарламалар осында жетеді.",
        "Если вы это читаете, оповещения доходят сюда.",
        "If you can read this, alerts reach this chat.",
    ),
}
_INDEX = {"kk": 0, "ru": 1, "en": 2}


def text(key: str, language: str, **values: Any) -> str:
    """The ``key`` text in ``language`` (English for an unknown one), filled in."""
    return TEXTS[key][_INDEX.get(language, 2)].format(**values)


def notice(
    event: Mapping[str, Any], language: str, programmes: Mapping[str, Programme], tz: ZoneInfo
) -> Notice:
    """The message for one outbox event."""
    kind, data = event["kind"], event["data"]

    def when(iso: str | None) -> str:
        return "?" if not iso else f"{from_iso(iso).astimezone(tz):%d.%m %H:%M}"

    if kind in ("unhealthy", "recovered"):
        name = LABELS.get(data["platform"], data["platform"])
        subject = text(kind, language, name=name)
        if kind == "recovered":
            line = text("recovered.line", language, time=when(data["since"]))
        elif data["reason"] == "auth":
            line = text("unhealthy.auth", language, detail=_outside(data.get("detail", ""), 160))
        elif data["reason"] == "quota":
            line = text("unhealthy.quota", language, time=when(data.get("detail")))
        else:
            line = text("unhealthy.stale", language, time=when(data.get("detail")))
        return Notice(event["id"], kind, subject, (line,))
    programme = programmes.get(data.get("programme") or "")
    name = programme.display_name(language) if programme else text("unplanned", language)
    subject = text(kind, language, name=name)
    title = _outside(data.get("title") or "")
    lines = [title] if title else []
    if kind == "late":
        lines.append(text("late.line", language, time=when(data["start"]), late=data["late_min"]))
    elif kind == "missed":
        lines.append(text("missed.line", language, time=when(data["start"])))
    links = tuple((LABELS.get(p, p), url) for p, url in data.get("links", []))
    platforms = [LABELS.get(p, p) for p in data.get("platforms", [])]
    if kind == "live" and not set(platforms) <= {label for label, _url in links}:
        # Named once: the links carry the platforms' names, unless one has no link.
        lines.append(" · ".join(platforms))
    return Notice(event["id"], kind, subject, tuple(lines), links)


def _outside(value: Any, limit: int | None = None) -> str:
    """A title or a platform's error text as one line of a message (``message_text``),
    cut to ``limit`` characters with "…" (each channel escapes it for its own form)."""
    line = message_text(str(value)).strip()
    return line if limit is None or len(line) <= limit else line[: limit - 1] + "…"


def test_notice(language: str, at: str) -> Notice:
    """The message ``streamer notify test`` sends."""
    return Notice(f"test:{at}", "test", text("test", language), (text("test.line", language),))
