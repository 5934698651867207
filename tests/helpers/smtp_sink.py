"""A real SMTP server on loopback (aiosmtpd in a thread) that keeps what it receives.

It speaks plain SMTP, STARTTLS or TLS from the first byte with a self-signed
certificate made by ``openssl``, can require a login, and can refuse recipients or
the message with any reply, so a channel meets the answers a real relay gives.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "streamer@example.kz", "s3cret-Пароль-42"


@dataclass
class Sink:
    """What the server received, and the replies it is told to give."""

    messages: list[bytes] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    rcpt_reply: str | None = None  # e.g. "450 4.2.1 mailbox busy"
    data_reply: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply is not None:
            return self.data_reply
        self.messages.append(envelope.original_content or envelope.content)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        """Accept only USER / PASSWORD."""
        ok = isinstance(data, LoginPassword) and (
            data.login.decode(),
            data.password.decode(),
        ) == (USER, PASSWORD)
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)

    def parsed(self, index: int = -1) -> EmailMessage:
        """A received message, parsed as a mail client would."""
        message = message_from_bytes(self.messages[index], policy=policy.default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 and the contexts both sides use."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


def make_certificate(folder: Path) -> Certificate:
    """A one-day EC certificate for 127.0.0.1/localhost, made with the openssl tool."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return Certificate(cert, key)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_sink(
    *,
    security: str = "none",
    certificate: Certificate | None = None,
    login: bool = False,
) -> Iterator[tuple[Sink, int]]:
    """Run a sink speaking ``security`` (none/starttls/tls); yield it and its port."""
    sink = Sink()
    # aiosmtpd only counts STARTTLS as encryption; a TLS-from-the-start socket is
    # encrypted too, so the login is allowed there without it.
    options: dict[str, Any] = {"auth_require_tls": security == "starttls"}
    if login:
        options["authenticator"] = sink.authenticate
    if security == "starttls":
        assert certificate is not None
        options |= {"tls_context": certificate.server_context(), "require_starttls": True}
    if security == "tls":
        assert certificate is not None
        options["ssl_context"] = certificate.server_context()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()
