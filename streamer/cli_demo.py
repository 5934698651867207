"""``streamer demo``: the whole job on an embedded default (filled in below)."""

from __future__ import annotations

from pathlib import Path

import click

from streamer.clibase import CONTEXT


@click.command(context_settings=CONTEXT)
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo-data"),
    show_default=True,
    help="Demo data folder (recreated).",
)
def demo(directory: Path) -> None:
    """Plan, collect and report a simulated week of both programmes.

    \b
    Example:
      streamer demo --dir /tmp/streamer-demo
    """
    from streamer.demo import run_demo

    run_demo(directory)
