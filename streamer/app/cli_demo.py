"""``streamer demo``: the whole job on an embedded default, a week or a half-year."""

from __future__ import annotations

from pathlib import Path

import click

from streamer.app.clibase import CONTEXT


@click.command(context_settings=CONTEXT)
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo-data"),
    show_default=True,
    help="Demo data folder (recreated).",
)
@click.option(
    "--half-year",
    is_flag=True,
    help="Replay January-June 2020 as in the source article and check the report's "
    "headline against the simulator's ground truth (exit 1 if they differ).",
)
def demo(directory: Path, half_year: bool) -> int:
    """Plan, collect and report a simulated week (or half-year) of both programmes.

    \b
    Example:
      streamer demo --dir /tmp/streamer-demo
      streamer demo --half-year --dir /tmp/streamer-half-year
    """
    from streamer.app.demo import run_demo
    from streamer.app.demo_half_year import run_half_year

    if half_year:
        return 0 if run_half_year(directory) else 1
    run_demo(directory)
    return 0
