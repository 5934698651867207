"""Shared fixtures. Keep them general: every feature's tests may use them."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamer.tinystore import TinyStore


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty data folder on a real file system."""
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> TinyStore:
    """The embedded store on a fresh data folder."""
    return TinyStore(data_dir)
