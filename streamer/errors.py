"""Errors that reach the user.

A ``UserError`` is a mistake in what the user gave (a bad date, an unknown
programme, a malformed CSV row, a missing credential). The CLI prints its message
as one line and exits with status 2; nothing has been written when it is raised.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake in the user's input: one clear line, exit status 2, nothing written."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(UserError):
    """The configuration file is missing, unreadable or invalid."""


class Interrupted(Exception):
    """Ctrl-C inside a command: the CLI says ``interrupted`` and exits 130."""


class NotWritable(UserError):
    """A folder a command must write to refuses writes (permissions, read-only disk)."""
