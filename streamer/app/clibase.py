"""What every CLI module shares: context settings and the lazily loaded config/store."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import click

from streamer.config import Config, ReportJob, find_config, load_config
from streamer.store import DayStore, config_store

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@dataclass
class App:
    """What every command shares: the config location, loaded on first use."""

    config_option: Path | None
    _config: Config | None = None
    _store: DayStore | None = field(default=None, repr=False)

    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(find_config(self.config_option))
        return self._config

    def store(self) -> DayStore:
        if self._store is None:
            self._store = config_store(self.config())
            close = getattr(self._store, "close", None)  # a database's connections
            context = click.get_current_context(silent=True)
            if close is not None and context is not None:
                context.find_root().call_on_close(close)
        return self._store

    def writable_store(self) -> DayStore:
        """``store()`` for a command that writes: ``NotWritable`` first if it cannot."""
        self.check_writable()
        return self.store()

    def check_writable(self, jobs: Iterable[ReportJob] = ()) -> None:
        """Before anything is read, fetched or written: ``NotWritable`` (one line, exit 2)
        unless the data folder, and each of ``jobs``' ``out_dir``, take new files."""
        from streamer.app.cli_checks import check_data_folder, check_writable

        config = self.config()
        if config.store.url is None:  # a database's writes are the server's to allow
            check_data_folder(config.data_dir, config.path)
        for job in jobs:
            check_writable(
                [job.out_dir], f"report {job.name!r}: out_dir", "fix its permissions or change it"
            )


pass_app = click.make_pass_decorator(App)
