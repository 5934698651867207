"""The one rule every ``*_env`` key of the config follows: it names a variable.

POSIX's portable names: upper-case letters, digits and "_". The rule also refuses
what real keys and tokens look like (AIza…, EAA…, Twitch's lower-case secrets), so a
secret pasted where its variable's name belongs is refused, and never echoed.
"""

from __future__ import annotations

import re

_ENV_NAME = re.compile("[A-Z_][A-Z0-9_]*")
NOT_A_NAME = (
    "must be the NAME of an environment variable (upper-case letters, digits and _, "
    "e.g. YOUTUBE_API_KEY), never the secret"
)


def is_env_name(text: str) -> bool:
    """Whether ``text`` can name an environment variable under the rule above."""
    return _ENV_NAME.fullmatch(text) is not None
