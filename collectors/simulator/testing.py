"""The real google-api-python-client pointed at a running simulator, for tests.

Static discovery (bundled in the client), no network: only ``base_url`` is
contacted. Close the returned resource (``with youtube_client(...) as yt:``) so
its HTTP connections are closed too.
"""

from __future__ import annotations

from typing import Any

import httplib2
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build


def youtube_client(
    base_url: str,
    *,
    developer_key: str | None = "test-key",
    token: str | None = None,
    timeout: float | None = None,
) -> Any:
    """A ``youtube`` v3 resource for ``base_url``: API key, or OAuth with ``token``.

    ``timeout`` (seconds) applies to every request, which is how the simulator's
    ``timeout`` fault is observed.
    """
    http: Any = httplib2.Http(timeout=timeout)
    if token is not None:
        credentials = Credentials(token=token)  # type: ignore[no-untyped-call]  # google-auth is untyped
        http = AuthorizedHttp(credentials, http=http)
        developer_key = None
    return build(
        "youtube",
        "v3",
        developerKey=developer_key,
        http=http,
        client_options={"api_endpoint": base_url},
        static_discovery=True,
    )
