"""Every report figure against a second implementation of the definitions in docs/reports.md.

``tests/independent`` reads the raw data files and recomputes the figures with issue
#13's definitions (durations to the platform's end else the last live sample, unplanned
simulcasts as one unplanned broadcast, ``live_broadcasts``, ``final``, ``gap_polls``...)
without the report code. Each test is one figure family, on three worlds: the week demo,
a small world with gaps, late discovery and an unplanned simulcast, and the half-year
demo (slow). Counts compare exactly; minutes and percentages after rounding half up to
one decimal, as the reports round.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import pytest

from tests.helpers.independent_worlds import Collected, gaps_world, half_year_demo, week_demo
from tests.independent import expected
from tests.independent.entries import Entry, World
from tests.independent.raw import Folder, read_folder
from tests.independent.summary import by_programme, headline, totals

PLATFORMS = ("youtube", "facebook", "instagram", "twitch")
BUILDERS = {"week": week_demo, "gaps": gaps_world, "half_year": half_year_demo}


class Checked:
    """One collected world: its reports (through the CLI) and the recomputation."""

    def __init__(self, collected: Collected) -> None:
        self.collected = collected
        self.folder: Folder = read_folder(collected.config)
        self.world = World(self.folder, collected.finished)
        self.tz = self.folder.settings.tz
        self._reports: dict[tuple[str, ...], dict[str, Any]] = {}

    def report(self, kind: str, *extra: str) -> dict[str, Any]:
        """The report as JSON, made once."""
        key = (kind, *extra)
        if key not in self._reports:
            self._reports[key] = self.collected.report(kind, *extra)
        return self._reports[key]

    def entries(self, platform: str | None = None) -> list[Entry]:
        """The recomputed entries of the period."""
        return self.world.entries(self.collected.first, self.collected.last, platform)

    @cached_property
    def summary_rows(self) -> dict[str, expected.Row]:
        """Expected summary rows by programme (the previous period is empty in every world,
        and begins before collection did where the world stored when that was)."""
        current = by_programme(self.entries(), list(self.folder.settings.programmes))
        empty = totals([])
        first, last = self.collected.first, self.collected.last
        blank = expected.unrecorded(self.folder.meta, first, last, self.tz)
        return {
            key: expected.summary_row(key, t, empty, unrecorded=blank) for key, t in current.items()
        }

    def rows(self, kind: str, platform: str | None = None) -> tuple[dict, dict]:
        """(report rows, expected rows) of ``broadcasts`` or ``adherence``, by row key."""
        extra = ("--platform", platform) if platform else ()
        got = expected.by_key(self.report(kind, *extra)["rows"])
        make = expected.broadcast_row if kind == "broadcasts" else expected.adherence_row
        want = expected.by_key([make(e, self.tz) for e in self.entries(platform)])
        return got, want


@pytest.fixture(
    scope="module", params=["week", "gaps", pytest.param("half_year", marks=pytest.mark.slow)]
)
def checked(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Checked:
    """A world collected once per module, with its reports and the recomputation."""
    name: str = request.param
    return Checked(BUILDERS[name](tmp_path_factory.mktemp(name) / "demo"))


def differences(got: dict, want: dict, columns: Sequence[str], *, rows: bool = False) -> list[str]:
    """Where the report and the recomputation differ: in the rows both have, column by
    column, and with ``rows`` in which rows there are (a figure test leaves that to the
    rows test, so that it says whether the figures of the common rows agree)."""
    found = []
    if rows:
        found += [f"only in the report: {key}" for key in got if key not in want]
        found += [f"not in the report: {key}" for key in want if key not in got]
    for key in [k for k in want if k in got]:
        for column in columns:
            if column not in got[key]:
                found.append(f"{key}: no column {column!r} in the report")
            elif not _equal(reported := got[key][column], defined := want[key][column]):
                found.append(f"{key} {column}: report {reported!r}, definitions {defined!r}")
    return found


def _equal(got: object, want: object) -> bool:
    if isinstance(got, bool) or isinstance(want, bool):
        return got is want
    if isinstance(got, int | float) and isinstance(want, int | float):
        return abs(got - want) < 1e-9
    return got == want


def _check(
    checked: Checked,
    kind: str,
    columns: Sequence[str],
    platform: str | None = None,
    *,
    rows: bool = False,
) -> None:
    got, want = checked.rows(kind, platform)
    assert want or platform, "the recomputation found no broadcasts"
    found = differences(got, want, columns, rows=rows)
    assert not found, f"{checked.collected.name}: " + "\n".join(found)


def _check_summary(checked: Checked, columns: Sequence[str]) -> None:
    got = {row["programme"]: row for row in checked.report("summary")["rows"]}
    found = differences(got, checked.summary_rows, columns, rows=True)
    assert not found, f"{checked.collected.name}: " + "\n".join(found)


# -- report broadcasts ------------------------------------------------------------------


def test_broadcast_rows_are_the_plan_and_the_unplanned_broadcasts(checked: Checked) -> None:
    """One row per plan entry and one per unplanned broadcast (a simulcast once)."""
    columns = ("programme", "title", "district", "planned_start", "platforms")
    _check(checked, "broadcasts", columns, rows=True)


def test_broadcast_status(checked: Checked) -> None:
    """held once a stream went live, missed without one, cancelled as planned, unplanned."""
    _check(checked, "broadcasts", ("status",))


def test_broadcast_start_and_delay(checked: Checked) -> None:
    """Actual start is the earliest start; the delay is from the plan, rounded half up."""
    _check(checked, "broadcasts", ("actual_start", "start_delay_min"))


def test_broadcast_duration(checked: Checked) -> None:
    """Earliest start to latest end; an end is the platform's own, else the last live sample."""
    _check(checked, "broadcasts", ("duration_min",))


def test_broadcast_views(checked: Checked) -> None:
    """Views are the sum of each stream's latest known views."""
    _check(checked, "broadcasts", ("views",))


def test_broadcast_peak(checked: Checked) -> None:
    """The peak of viewers summed across platforms at aligned times."""
    _check(checked, "broadcasts", ("peak_concurrent",))


def test_broadcast_viewer_minutes_and_average(checked: Checked) -> None:
    """Trapezoids over the combined samples (3-interval joins); average = ÷ covered minutes."""
    _check(checked, "broadcasts", ("viewer_minutes", "avg_concurrent"))


def test_broadcast_coverage(checked: Checked) -> None:
    """Covered minutes ÷ the broadcast's live minutes."""
    _check(checked, "broadcasts", ("coverage_pct",))


def test_broadcast_final(checked: Checked) -> None:
    """final: every stream that went live has made its last final poll."""
    _check(checked, "broadcasts", ("final",))


def test_broadcast_gap_polls(checked: Checked) -> None:
    """gap_polls: the recorded gaps of the broadcast's streams."""
    _check(checked, "broadcasts", ("gap_polls",))


def test_broadcast_min_platform_coverage(checked: Checked) -> None:
    """min_platform_coverage_pct: the lowest coverage of a platform that reports viewers."""
    _check(checked, "broadcasts", ("min_platform_coverage_pct",))


def test_unplanned_broadcast_ids_are_never_all_digits(checked: Checked) -> None:
    """No broadcast id reads as a number in Excel or pandas."""
    ids = [row["broadcast_id"] for row in checked.report("broadcasts")["rows"]]
    assert ids and not [i for i in ids if str(i).isdigit()]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_platform_figures(checked: Checked, platform: str) -> None:
    """--platform: each broadcast with that platform's own streams, status and figures."""
    columns = ("status", "actual_start", "duration_min", "views", "peak_concurrent",
               "viewer_minutes", "avg_concurrent", "coverage_pct")  # fmt: skip
    _check(checked, "broadcasts", columns, platform)


# -- report adherence ---------------------------------------------------------------------


def test_adherence_rows(checked: Checked) -> None:
    """The same broadcasts, with their planned duration, duration and start delay."""
    columns = ("status", "platforms", "actual_start", "start_delay_min", "planned_duration_min",
               "duration_min")  # fmt: skip
    _check(checked, "adherence", columns, rows=True)


def test_adherence_overrun_and_findings(checked: Checked) -> None:
    """Overrun = duration − planned; findings by the table in docs/reports.md."""
    _check(checked, "adherence", ("overrun_min", "findings"))


# -- report summary -----------------------------------------------------------------------


def test_summary_counts(checked: Checked) -> None:
    """Planned, held, missed, cancelled and unplanned streams per programme."""
    _check_summary(checked, expected.COUNTS)


def test_summary_live_and_unplanned_broadcasts(checked: Checked) -> None:
    """live_broadcasts = held + unplanned broadcasts (an unplanned simulcast once)."""
    _check_summary(checked, ("unplanned_broadcasts", "live_broadcasts"))


def test_summary_provisional_broadcasts(checked: Checked) -> None:
    """provisional_broadcasts: broadcasts whose final polls are not all made."""
    _check_summary(checked, ("provisional_broadcasts",))


def test_summary_views_and_peak(checked: Checked) -> None:
    """Views summed over the broadcasts; the peak is the largest broadcast peak."""
    _check_summary(checked, ("views", "peak_concurrent"))


def test_summary_viewer_minutes_and_average(checked: Checked) -> None:
    """Viewer-minutes summed; the average is total viewer-minutes ÷ total covered minutes."""
    _check_summary(checked, ("viewer_minutes", "avg_concurrent"))


def test_summary_coverage(checked: Checked) -> None:
    """Total covered ÷ total live minutes of broadcasts that report viewers."""
    _check_summary(checked, ("coverage_pct",))


def test_summary_start_delay(checked: Checked) -> None:
    """The mean start delay of held broadcasts, rounded half up."""
    _check_summary(checked, ("avg_start_delay_min",))


def test_summary_changes(checked: Checked) -> None:
    """Against a previous period before collection began: every change blank, with the
    reason (against an empty one that was collected: counts differ by themselves,
    percentages unknown)."""
    columns = [c for c in next(iter(checked.summary_rows.values())) if "change" in c]
    _check_summary(checked, columns)


def test_summary_headline(checked: Checked) -> None:
    """JSON's headline, one item per programme (docs/reports.md): its slug, live broadcasts,
    views, and the line "<programme>: N live broadcasts, over V views"."""
    report = checked.report("summary")
    names = checked.folder.settings.programmes
    current = by_programme(checked.entries(), list(names))
    want = [
        {
            "programme": slug,
            "live_broadcasts": totals.live_broadcasts,
            "views": totals.views,
            "text": headline(names.get(slug, slug), totals.live_broadcasts, totals.views),
        }
        for slug, totals in current.items()
    ]
    assert report.get("headline") == want


def test_summary_gaps(checked: Checked) -> None:
    """JSON's gaps: {platform: {reason: polls}} over the period's broadcasts' streams."""
    want: dict[str, Counter[str]] = {}
    for entry in checked.entries():
        for stream in entry.streams:
            for gap in checked.folder.gaps.get(stream["key"], []):
                want.setdefault(stream["platform"], Counter())[gap["reason"]] += 1
    report = checked.report("summary")
    assert "gaps" in report, "the summary JSON has no 'gaps'"
    assert report["gaps"] == {p: dict(c) for p, c in want.items()}


# -- streams ------------------------------------------------------------------------------


def test_stream_latest_counts(checked: Checked) -> None:
    """Each stream's stored views, likes and comments are its latest known values."""
    found = []
    for key, stream_snaps in checked.folder.snapshots.items():
        rollup = checked.folder.rollups.get(key, {}).get("value", {})
        for name in ("views", "likes", "comments"):
            known = [d[name] for d in stream_snaps if d.get(name) is not None]
            want = known[-1] if known else None
            if rollup.get(name) != want:
                found.append(f"{key} {name}: rollup {rollup.get(name)!r}, snapshots {want!r}")
    assert not found, "\n".join(found)
