"""Report labels: every key in three languages, glossary terms, the headline's grammar."""

from __future__ import annotations

import pytest

from reports.labels import LABELS, LANGS, headline, label, round_down
from reports.report import ADHERENCE_COLUMNS, BROADCAST_COLUMNS, CURVE_COLUMNS, FIGURES

NBSP = "\u00a0"  # Babel groups Kazakh and Russian digits with a no-break space


def test_every_label_has_kazakh_russian_and_english_text() -> None:
    """No key lacks a language, and no translation is blank."""
    assert LANGS == ("kk", "ru", "en")
    for key, texts in LABELS.items():
        assert len(texts) == 3, key
        assert all(text.strip() for text in texts), key


def test_every_report_column_and_status_has_a_label() -> None:
    """A column or status without a label would show its raw key to a reader."""
    keys = {*FIGURES, *BROADCAST_COLUMNS, *ADHERENCE_COLUMNS, *CURVE_COLUMNS}
    keys |= {f"status.{s}" for s in ("planned", "live", "held", "cancelled", "missed", "unplanned")}
    keys |= {"month", "week", "platform", "district"}
    assert keys <= set(LABELS)


@pytest.mark.parametrize(
    ("key", "kk", "ru"),
    [
        ("views", "қаралым", "просмотры"),
        ("programme", "бағдарлама", "программа"),
        ("district", "қала / аудан", "город / район"),
        ("concurrent_viewers", "бір мезгілдегі көрермендер", "зрители онлайн"),
        ("viewer_minutes", "көрермен-минут", "зрителе-минуты"),
        ("broadcasts_planned", "жоспарланған", "запланировано"),
        ("broadcasts_held", "өткізілген", "проведено"),
        ("broadcasts_missed", "өткізілмеген", "не состоялось"),
        ("broadcasts_cancelled", "тоқтатылған", "отменено"),
        ("unplanned_streams", "жоспардан тыс", "вне плана"),
        ("coverage_pct", "қамту", "охват данных"),
        ("period", "кезең", "период"),
        ("n/a", "қолжетімсіз", "н/д"),
    ],
)
def test_labels_use_the_glossary_terms(key: str, kk: str, ru: str) -> None:
    """Kazakh and Russian labels are the docs/glossary.md terms."""
    assert (label(key, "kk"), label(key, "ru")) == (kk, ru)


def test_an_unknown_key_reads_as_itself() -> None:
    """A missing label is visible, not a crash."""
    assert label("no.such.key", "kk") == "no.such.key"


@pytest.mark.parametrize(
    ("lang", "name", "count", "views", "line"),
    [
        ("en", "Antikor.Live", 64, 85_412, "Antikor.Live: 64 live broadcasts, over 85,000 views"),
        ("en", "Adal Komek", 278, 127_388, "Adal Komek: 278 live broadcasts, over 127,000 views"),
        (
            "ru",
            "Antikor.Live",
            64,
            85_412,
            f"Antikor.Live: 64 прямых эфира, более 85{NBSP}000 просмотров",
        ),
        (
            "ru",
            "Адал комек",
            278,
            127_388,
            f"Адал комек: 278 прямых эфиров, более 127{NBSP}000 просмотров",
        ),
        (
            "kk",
            "Antikor.Live",
            64,
            85_412,
            f"Antikor.Live: 64 тікелей эфир, 85{NBSP}000-нан астам қаралым",
        ),
        (
            "kk",
            "Адал көмек",
            278,
            127_388,
            f"Адал көмек: 278 тікелей эфир, 127{NBSP}000-нан астам қаралым",
        ),
    ],
)
def test_headline_matches_the_programmes_own_wording(
    lang: str, name: str, count: int, views: int, line: str
) -> None:
    """The article's figures print exactly: "64 live broadcasts, over 85,000 views"."""
    assert headline(name, count, views, lang) == line


@pytest.mark.parametrize(
    ("count", "noun"),
    [
        (1, "прямой эфир"),
        (2, "прямых эфира"),
        (5, "прямых эфиров"),
        (11, "прямых эфиров"),
        (21, "прямой эфир"),
        (23, "прямых эфира"),
        (0, "прямых эфиров"),
    ],
)
def test_russian_headline_follows_plural_rules(count: int, noun: str) -> None:
    """1/21 эфир, 2–4 эфира, 5–20 and 0 эфиров."""
    assert headline("X", count, 10, "ru").startswith(f"X: {count} {noun},")


@pytest.mark.parametrize(
    ("views", "en", "kk"),
    [
        (85_000, "85,000 views", f"85{NBSP}000 қаралым"),
        (5_340, "over 5,300 views", f"5{NBSP}300-ден астам қаралым"),
        (5_040, "over 5,000 views", f"5{NBSP}000-нан астам қаралым"),
        (987, "987 views", "987 қаралым"),
        (1, "1 view", "1 қаралым"),
        (None, "views n/a", "қаралым: қолжетімсіз"),
    ],
)
def test_views_are_rounded_down_and_said_to_be_over_only_when_they_are(
    views: int | None, en: str, kk: str
) -> None:
    """ "over" only when rounding dropped something; Kazakh ablative by the last numeral."""
    assert headline("X", 1, views, "en") == f"X: 1 live broadcast, {en}"
    assert headline("X", 1, views, "kk") == f"X: 1 тікелей эфир, {kk}"


@pytest.mark.parametrize(
    ("views", "rounded"),
    [
        (0, 0),
        (999, 999),
        (1_000, 1_000),
        (1_999, 1_900),
        (9_999, 9_900),
        (10_001, 10_000),
        (127_388, 127_000),
        (1_234_567, 1_234_000),
    ],
)
def test_round_down_keeps_thousands_from_ten_thousand_and_hundreds_from_one_thousand(
    views: int, rounded: int
) -> None:
    """Round figures as people say them: 127,000 not 130,000."""
    assert round_down(views) == rounded


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_status_missed_and_finding_no_show_are_different_words(lang: str) -> None:
    """A missed broadcast beside its no-show finding does not repeat one word."""
    assert label("status.missed", lang) != label("finding.no_show", lang)


def test_kazakh_status_and_finding_are_the_glossary_terms() -> None:
    """docs/glossary.md: status missed "өткізілмеді", finding no-show "эфирге шықпады"."""
    assert LABELS["status.missed"][0] == "өткізілмеді"
    assert LABELS["finding.no_show"][0] == "эфирге шықпады"
    assert LABELS["finding.no_show"][1] == "не вышел в эфир"
