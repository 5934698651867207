"""Report labels in Kazakh, Russian and English: one table of keys × languages.

Terms follow docs/glossary.md; the Kazakh «тікелей эфир» and «қаралым»
are the ones the public article about the programmes uses. CSV headers never go
through this table: they are stable snake_case keys whatever the language.

The headline ("Antikor.Live: 64 live broadcasts, over 85,000 views") needs grammar
beyond a lookup — Russian plural forms, the Kazakh ablative before «астам» — so it
is built by ``headline``; numbers are grouped by Babel for the language.
"""

from __future__ import annotations

from babel import Locale

LANGS = ("kk", "ru", "en")

# Babel locale per report language; en_GB keeps day-month-year dates.
LOCALES = {"kk": "kk_KZ", "ru": "ru_RU", "en": "en_GB"}
# Each locale's digit-group and minus signs, as Babel's CLDR data has them: loading a
# locale's data costs a report process some 20 ms, and whole numbers need only these
# (``tests/test_report_fmt_fast.py`` holds them to Babel's).
SIGNS = {"kk_KZ": ("\xa0", "-"), "ru_RU": ("\xa0", "-"), "en_GB": (",", "-")}

LABELS: dict[str, tuple[str, str, str]] = {
    # -- columns ----------------------------------------------------------------
    "programme": ("бағдарлама", "программа", "programme"),
    "platform": ("платформа", "платформа", "platform"),
    "district": ("қала / аудан", "город / район", "city / district"),
    "month": ("ай", "месяц", "month"),
    "week": ("апта", "неделя", "week"),
    "broadcasts_planned": ("жоспарланған", "запланировано", "planned"),
    "broadcasts_held": ("өткізілген", "проведено", "held"),
    "broadcasts_missed": ("өткізілмеген", "не состоялось", "missed"),
    "broadcasts_cancelled": ("тоқтатылған", "отменено", "cancelled"),
    "unplanned_streams": ("жоспардан тыс", "вне плана", "unplanned"),
    "unplanned_broadcasts": (
        "жоспардан тыс эфир",
        "эфиры вне плана",
        "unplanned broadcasts",
    ),
    "live_broadcasts": ("тікелей эфир", "прямые эфиры", "live broadcasts"),
    "views": ("қаралым", "просмотры", "views"),
    "peak_concurrent": ("ең жоғары көрермен", "пик зрителей онлайн", "peak concurrent"),
    "avg_concurrent": ("орташа көрермен", "среднее зрителей онлайн", "avg concurrent"),
    "viewer_minutes": ("көрермен-минут", "зрителе-минуты", "viewer-minutes"),
    "avg_start_delay_min": (
        "орташа кешігу, мин",
        "средняя задержка начала, мин",
        "avg start delay, min",
    ),
    "coverage_pct": ("қамту", "охват данных", "coverage"),
    "final": ("түпкілікті", "окончательно", "final"),
    "provisional_broadcasts": ("алдын ала", "предварительные", "provisional"),
    "gap_polls": ("өткізіп алынған сұраулар", "пропущенные опросы", "missed polls"),
    "min_platform_coverage_pct": (
        "ең төмен платформа қамтуы",
        "минимальный охват платформы",
        "lowest platform coverage",
    ),
    "change_days": ("салыстырылған күндер", "сравниваемые дни", "days compared"),
    "change_base_days": ("алдыңғы күндер", "дни для сравнения", "compared with"),
    "change_blank_reason": ("өзгеріс жоқ себебі", "почему нет изменения", "why no change"),
    "broadcast_id": ("id", "id", "id"),
    "title": ("тақырып", "название", "title"),
    "planned_start": ("жоспарланған басталуы", "плановое начало", "planned start"),
    "actual_start": ("нақты басталуы", "фактическое начало", "actual start"),
    "start_delay_min": ("кешігу, мин", "задержка начала, мин", "start delay, min"),
    "planned_duration_min": ("жоспар, мин", "по плану, мин", "planned, min"),
    "duration_min": ("ұзақтығы, мин", "длительность, мин", "duration, min"),
    "overrun_min": ("асып кету, мин", "превышение, мин", "overrun, min"),
    "status": ("мәртебесі", "статус", "status"),
    "platforms": ("платформалар", "платформы", "platforms"),
    "findings": ("қорытынды", "итог", "findings"),
    "time": ("уақыт", "время", "time"),
    "peak": ("ең жоғары", "пик", "peak"),
    "concurrent_viewers": ("бір мезгілдегі көрермендер", "зрители онлайн", "concurrent viewers"),
    # -- statuses and adherence findings ------------------------------------------
    "status.planned": ("жоспарланған", "запланировано", "planned"),
    "status.live": ("тікелей эфирде", "в эфире", "live"),
    "status.held": ("өткізілген", "проведено", "held"),
    "status.cancelled": ("тоқтатылған", "отменено", "cancelled"),
    # The status and the finding are different words (docs/glossary.md): a report can show
    # a broadcast "missed" beside the finding "no-show" without repeating itself.
    "status.missed": ("өткізілмеді", "не состоялось", "missed"),
    "status.unplanned": ("жоспардан тыс", "вне плана", "unplanned"),
    "finding.on_time": ("уақытында", "вовремя", "on time"),
    "finding.late_start": ("кешігіп басталды", "начало с опозданием", "late start"),
    "finding.early_start": ("ерте басталды", "раннее начало", "early start"),
    "finding.no_show": ("эфирге шықпады", "не вышел в эфир", "no-show"),
    "finding.overrun": ("уақыттан асты", "превышение времени", "overrun"),
    "finding.cancelled": ("тоқтатылған", "отменено", "cancelled"),
    "finding.unplanned": ("жоспардан тыс", "вне плана", "unplanned"),
    "finding.second_stream": (
        "сол арнадағы екінші эфир",
        "второй эфир на том же канале",
        "second stream on the same channel",
    ),
    "finding.pending": ("күтілуде", "ожидается", "pending"),
    # -- titles and the rest ------------------------------------------------------
    "title.summary": ("Жиынтық есеп", "Сводный отчёт", "Summary"),
    "title.broadcasts": ("Эфирлер", "Эфиры", "Broadcasts"),
    "title.adherence": ("Жоспардың орындалуы", "Выполнение плана", "Plan adherence"),
    "title.curve": ("Бір мезгілдегі көрермендер", "Зрители онлайн", "Concurrent viewers"),
    "period": ("кезең", "период", "period"),
    "total": ("барлығы", "итого", "total"),
    "n/a": ("қолжетімсіз", "н/д", "n/a"),
    # After the rows a footnote names, how many more it marks ("… and 185 more").
    "more": ("және тағы {count}", "и ещё {count}", "and {count} more"),
    # A summary row of broadcasts without a district (unplanned ones have none).
    "district.none": ("белгісіз", "не указан", "not given"),
    "change": (
        "алдыңғы кезеңмен салыстырғанда",
        "изменение к предыдущему периоду",
        "change against the previous period",
    ),
    "note.low_coverage": (
        "қамту {threshold}-дан төмен: көрермен көрсеткіштері толық емес — {items}",
        "охват данных ниже {threshold}: показатели зрителей неполные — {items}",
        "coverage below {threshold}: viewer figures are incomplete — {items}",
    ),
    "note.unreported": (
        "{platform} «{figure}» көрсеткішін бермейді: ол қосылмаған (0 емес, қолжетімсіз) — {items}",
        "{platform} не сообщает показатель «{figure}»: он не учтён (н/д, а не 0) — {items}",
        "{platform} does not report {figure}: left out (n/a, not 0) — {items}",
    ),
    "note.change_partial": (
        "өзгеріс: {current} алдыңғы кезеңнің басынан сонша күнмен ({previous}) салыстырылды"
        " — {items}",
        "изменения: {current} в сравнении со столькими же днями от начала предыдущего"
        " периода ({previous}) — {items}",
        "changes compare {current} with as many days from the start of the period before"
        " ({previous}) — {items}",
    ),
    "note.change_not_started": (
        "өзгеріс қолжетімсіз: кезең әлі басталмаған — {items}",
        "изменение н/д: период ещё не начался — {items}",
        "change n/a: the period has not begun — {items}",
    ),
    "note.change_partial_start": (
        "өзгеріс қолжетімсіз: есепте кезең бірінші күнінен емес, бір бөлігі ғана бар,"
        " салыстыратын күндер жоқ — {items}",
        "изменение н/д: в отчёт входит часть периода не с первого дня, сопоставимых"
        " дней раньше нет — {items}",
        "change n/a: the report holds part of this period, not from its first day, so no"
        " matching days exist before it — {items}",
    ),
    "note.change_before_history": (
        "өзгеріс қолжетімсіз: деректер {day} күннен бастап қана жиналады, алдыңғы кезең"
        " жазылмаған — {items}",
        "изменение н/д: данные собираются только с {day}, предыдущий период не записан — {items}",
        "change n/a: data has been collected only since {day}; the period before was"
        " not recorded — {items}",
    ),
    "note.change_previous_shorter": (
        "өзгеріс қолжетімсіз: алдыңғы кезең өткен күндерден қысқа — {items}",
        "изменение н/д: предыдущий период короче прошедших дней — {items}",
        "change n/a: the period before is shorter than the days elapsed — {items}",
    ),
    "note.provisional": (
        "алдын ала: {count} эфирдің соңғы сұраулары күтілуде (қаралым эфир аяқталғаннан"
        " кейін бір апта бойы келеді); көрсеткіштер {day} күні тұрақтанады — {items}",
        "предварительно: у {count} эфиров ещё не прошли последние опросы (просмотры"
        " приходят неделю после эфира); цифры окончательны с {day} — {items}",
        "provisional: {count} broadcast(s) await their final polls (views keep arriving"
        " for a week after the end); the figures settle on {day} — {items}",
    ),
    "note.provisional_live": (
        "алдын ала: {count} эфирдің соңғы сұраулары күтілуде; көрсеткіштер әлі"
        " жүріп жатқан эфир аяқталғаннан кейін бір аптадан соң тұрақтанады — {items}",
        "предварительно: у {count} эфиров ещё не прошли последние опросы; цифры"
        " окончательны через неделю после конца эфира, который ещё идёт — {items}",
        "provisional: {count} broadcast(s) await their final polls; the figures settle a"
        " week after the one still on air ends — {items}",
    ),
    "yes": ("иә", "да", "yes"),
    "no": ("жоқ", "нет", "no"),
    "note.gaps": (
        "{platform}: деректер үзілісі — {polls} сұрау ({reasons}) — {items}",
        "{platform}: пропущено опросов — {polls} ({reasons}) — {items}",
        "{platform} missed {polls} polls ({reasons}) — {items}",
    ),
    # Why polls were missed (a gap's reason, as collectors record it), in a gap footnote.
    "gap.timeout": ("уақыт шегі", "тайм-аут", "timeout"),
    "gap.transient": ("уақытша ақау", "временный сбой", "temporary failure"),
    "gap.rate_limit": ("сұрау жиілігі шегі", "лимит запросов", "rate limit"),
    "gap.quota": ("квота таусылды", "квота исчерпана", "quota used up"),
    "gap.auth": ("кілт қабылданбады", "ключ отклонён", "key refused"),
    "gap.bad_payload": ("жауап оқылмады", "нечитаемый ответ", "unreadable reply"),
    "gap.throttled": ("платформа шектеді", "ограничение платформы", "throttled"),
    "gap.permission": ("рұқсат жоқ", "нет доступа", "no permission"),
    "gap.blocked": ("бұғатталған", "заблокировано", "blocked"),
    "gap.rejected": ("сұрау қабылданбады", "запрос отклонён", "refused"),
    "gap.not_found": ("табылмады", "не найдено", "not found"),
    "gap.error": ("қате", "ошибка", "error"),
    # Polls made but not kept: the store refused the cycle (away, busy past its lock's
    # timeout, or a full disk), so "unavailable" would say too little or too much.
    "gap.store": ("сақталмады", "не сохранено", "not saved"),
    "note.platform_low_coverage": (
        "{platform} эфирдің {threshold}-дан азын қамтыды: жалпы қамту мұны жасырады — {items}",
        "{platform} охватил меньше {threshold} эфира: общий охват это скрывает — {items}",
        "{platform} covered less than {threshold} of the broadcast, which the combined"
        " coverage hides — {items}",
    ),
    "note.no_combined": (
        "жалпы көрермен әлі есептелмеген (streamer rollup --rebuild) — {items}",
        "общие показатели зрителей ещё не рассчитаны (streamer rollup --rebuild) — {items}",
        "combined viewer figures not computed yet (streamer rollup --rebuild) — {items}",
    ),
    "start": ("басталуы", "начало", "start"),
    "targets": ("платформалар", "платформы", "platforms"),
    "id": ("id", "id", "id"),
    "note.dropped": (
        "терминалға сыймады: {columns} — барлығы: --wide немесе --format csv",
        "не поместилось в терминал: {columns} — все столбцы: --wide или --format csv",
        "not shown at this width: {columns} — every column: --wide or --format csv",
    ),
    # The same where the command printing it has no --wide (the demo's plan).
    "note.dropped_plan": (
        "терминалға сыймады: {columns} — барлығы: streamer plan list --wide",
        "не поместилось в терминал: {columns} — все столбцы: streamer plan list --wide",
        "not shown at this width: {columns} — every column: streamer plan list --wide",
    ),
}


# Short column headers for the console (words a narrow column can hold); a header
# that differs from its full label is explained in the table's legend.
SHORT: dict[str, tuple[str, str, str]] = {
    "broadcasts_planned": ("жоспар", "план", "plan"),
    "broadcasts_held": ("өтті", "пров.", "held"),
    "broadcasts_missed": ("өтпеді", "не сост.", "missed"),
    "broadcasts_cancelled": ("тоқт.", "отм.", "canc."),
    "unplanned_broadcasts": ("жоспардан тыс", "вне плана", "unpl."),
    "live_broadcasts": ("эфир", "эфиры", "live"),
    "views": ("қаралым", "просм.", "views"),
    "peak_concurrent": ("ең жоғары", "пик", "peak"),
    "avg_concurrent": ("орташа", "сред.", "avg"),
    "viewer_minutes": ("көр. мин", "зрит. мин", "viewer min"),
    "avg_start_delay_min": ("кешігу, мин", "задерж., мин", "delay, min"),
    "coverage_pct": ("қамту", "охват", "cov."),
    "planned_start": ("басталуы", "начало", "start"),
    "start_delay_min": ("кешігу", "задерж.", "delay"),
    "planned_duration_min": ("жоспар, мин", "план, мин", "plan, min"),
    "duration_min": ("ұзақт., мин", "длит., мин", "dur., min"),
    "overrun_min": ("асу, мин", "превыш., мин", "over, min"),
    "platforms": ("платф.", "платф.", "platf."),
    "targets": ("платф.", "платф.", "platf."),
}


def short_label(key: str, lang: str) -> str:
    """The console header of column ``key``: its short form, else its label."""
    texts = SHORT.get(key)
    return label(key, lang) if texts is None else texts[LANGS.index(lang)]


def legend(keys: list[str], lang: str) -> str:
    """``plan: planned; …`` for the shown columns whose header is a short form."""
    parts = []
    for key in keys:
        short, full = short_label(key, lang), label(key, lang)
        if short != full:
            parts.append(f"{short} = {full}")
    return "; ".join(parts)


def label(key: str, lang: str) -> str:
    """The label of ``key`` in ``lang``; an unknown key is shown as itself."""
    texts = LABELS.get(key)
    return key if texts is None else texts[LANGS.index(lang)]


def gap_reasons(counts: str, lang: str) -> str:
    """A gap footnote's ``reason:polls,...`` (``reports.quality.gap_notes``) as the
    language writes it: "тайм-аут 4, квота исчерпана 20"; an unknown reason as itself."""
    written = []
    for reason, _, polls in (item.rpartition(":") for item in counts.split(",") if item):
        texts = LABELS.get(f"gap.{reason}")
        written.append(f"{reason if texts is None else texts[LANGS.index(lang)]} {polls}")
    return ", ".join(written)


def group_number(value: int, lang: str) -> str:
    """``value`` with the language's digit grouping (85,000 / 85 000), as Babel's
    ``format_decimal`` writes it."""
    return grouped(value, LOCALES[lang])


def grouped(value: int, locale: str, *, negative: bool = False) -> str:
    """Whole ``value`` in threes with the signs of ``locale`` (one of ``LOCALES``);
    ``negative`` writes a minus before a zero too (a rounded −0, as Babel writes it)."""
    group, minus = SIGNS[locale]
    digits = f"{abs(value):,}"
    if group != ",":
        digits = digits.replace(",", group)
    return minus + digits if value < 0 or negative else digits


def headline(name: str, live_broadcasts: int, views: int | None, lang: str) -> str:
    """ "Antikor.Live: 64 live broadcasts, over 85,000 views" in ``lang``.

    Views are rounded down to a round figure and said to be "over" it, as the
    programme's own publications do; an exact round figure is given as it is.
    """
    count = group_number(live_broadcasts, lang)
    if lang == "ru":  # the plural rule only where it is needed: it loads locale data
        ru_noun = _ru_plural(live_broadcasts, "прямой эфир", "прямых эфира", "прямых эфиров")
        broadcasts = f"{count} {ru_noun}"
    elif lang == "kk":
        broadcasts = f"{count} тікелей эфир"
    else:
        broadcasts = f"{count} live broadcast{'' if live_broadcasts == 1 else 's'}"
    return f"{name}: {broadcasts}, {_views_phrase(views, lang)}"


def round_down(views: int) -> int:
    """The round figure below ``views``: whole thousands from 10,000, hundreds from 1,000."""
    step = 1000 if views >= 10_000 else 100 if views >= 1000 else 1
    return views // step * step


def _views_phrase(views: int | None, lang: str) -> str:
    if views is None:
        return {"kk": "қаралым: қолжетімсіз", "ru": "просмотры: н/д", "en": "views n/a"}[lang]
    shown = round_down(views)
    number = group_number(shown, lang)
    over = shown < views
    if lang == "kk":
        # The ablative follows the last numeral word read aloud: «мың»/«миллион»
        # take -нан, «жүз» takes -ден.
        suffix = "нан" if shown % 1000 == 0 else "ден"
        return f"{number}-{suffix} астам қаралым" if over else f"{number} қаралым"
    if lang == "ru":
        noun = _ru_plural(shown, "просмотр", "просмотра", "просмотров")
        return f"более {number} {noun}" if over else f"{number} {noun}"
    noun = "view" if shown == 1 and not over else "views"
    return f"over {number} {noun}" if over else f"{number} {noun}"


def _ru_plural(n: int, one: str, few: str, many: str) -> str:
    form = Locale.parse("ru").plural_form(n)
    return {"one": one, "few": few}.get(form, many)
