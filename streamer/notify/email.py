"""The e-mail channel: ``[notify.email]`` over SMTP with the standard library.

A notice becomes one ``EmailMessage``: the subject (UTF-8, RFC 2047-encoded, so
Kazakh and Russian subjects arrive intact), a text/plain body from its lines and
links, its ``html`` (a report's HTML form) as the text/html alternative, and its
attachments with their MIME types. ``security`` picks the connection:
``starttls`` (plain SMTP, then STARTTLS, the usual port 587), ``tls`` (TLS from the
first byte, port 465) or ``none`` (a local relay). The login, when configured, is
read from the environment at send time and never appears in a reason or a log.

SMTP replies are sorted for the outbox: 4xx, a dropped connection and a timeout
are ``TemporaryFailure`` (tried again later); 5xx and a refused login are
``PermanentFailure``.
"""

from __future__ import annotations

import base64
import hashlib
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime

from streamer.clock import Clock, SystemClock
from streamer.notify.base import Notice, PermanentFailure, TemporaryFailure
from streamer.notifyconf import EmailSettings
from streamer.safe_text import message_text

NAME = "email"
REPLY_CHARS = 120  # enough of a server's reply to say why, short enough for a log line


class EmailChannel:
    """Sends each notice as one mail to every ``recipients`` address."""

    name = NAME

    def __init__(
        self,
        settings: EmailSettings,
        environ: Mapping[str, str],
        *,
        clock: Clock | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.environ = environ
        self.clock = clock or SystemClock()
        self.timeout = timeout
        # Tests pass a context that trusts their self-signed certificate.
        self.ssl_context = ssl_context or ssl.create_default_context()

    def send(self, notice: Notice) -> str:
        """Deliver ``notice``; return ``"mail to N recipient(s) via HOST"`` or raise."""
        login = self._login()
        message = build_message(notice, self.settings, self.clock)
        secret = login[1] if login else None
        try:
            with self._connect() as smtp:
                if login is not None:
                    self._authenticate(smtp, *login)
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise _refused(error.recipients, secret) from None
        except smtplib.SMTPResponseException as error:
            raise _by_code(error.smtp_code, error.smtp_error, secret) from None
        except smtplib.SMTPNotSupportedError as error:
            raise PermanentFailure(NAME, _safe(str(error), secret)) from None
        except ssl.SSLCertVerificationError as error:
            reason = f"the server's certificate was refused ({error.verify_message})"
            raise PermanentFailure(NAME, reason) from None
        except (smtplib.SMTPException, OSError) as error:
            # Disconnects, refused connections, timeouts, TLS handshakes cut short.
            reason = f"{self.settings.smtp_host}: {type(error).__name__} {error}"
            raise TemporaryFailure(NAME, _safe(reason, secret)) from None
        delivered = len(self.settings.recipients) - len(refused)
        receipt = f"mail to {delivered} recipient(s) via {self.settings.smtp_host}"
        if refused:
            # The others already have it: a retry would send it to them twice.
            receipt += f"; refused: {', '.join(sorted(refused))}"
        return receipt

    def _login(self) -> tuple[str, str] | None:
        """(user, password) from the environment, or ``None`` without a login."""
        user_env, password_env = self.settings.username_env, self.settings.password_env
        if user_env is None or password_env is None:
            return None
        for variable in (user_env, password_env):
            if not self.environ.get(variable):
                raise PermanentFailure(NAME, f"environment variable {variable} is not set")
        return self.environ[user_env], self.environ[password_env]

    def _connect(self) -> smtplib.SMTP:
        host, port = self.settings.smtp_host, self.settings.smtp_port
        if self.settings.security == "tls":
            return smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=self.ssl_context)
        smtp = smtplib.SMTP(host, port, timeout=self.timeout)
        if self.settings.security == "starttls":
            try:
                smtp.starttls(context=self.ssl_context)
            except BaseException:
                smtp.close()
                raise
        return smtp

    @staticmethod
    def _authenticate(smtp: smtplib.SMTP, user: str, password: str) -> None:
        try:
            if f"{user}{password}".isascii():
                smtp.login(user, password)
            else:
                _login_utf8(smtp, user, password)
        except smtplib.SMTPAuthenticationError as error:
            # The server's text may quote what was sent (base64 of the password).
            code = error.smtp_code
            failure = TemporaryFailure if 400 <= code < 500 else PermanentFailure
            raise failure(NAME, f"login refused ({code})") from None


def _login_utf8(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH PLAIN with UTF-8 credentials (RFC 4616), which ``smtplib.login`` refuses."""
    smtp.ehlo_or_helo_if_needed()
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def build_message(notice: Notice, settings: EmailSettings, clock: Clock) -> EmailMessage:
    """The mail for ``notice``: text/plain (+ text/html) and its attachments."""
    message = EmailMessage()
    # One line whatever it holds: a CR or LF would make the header refuse it (the mail
    # never sent) and a bidi override would reverse the inbox line.
    message["Subject"] = message_text(notice.subject)
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.recipients)
    message["Date"] = format_datetime(clock.now())
    # Stable per notice: a mail sent twice after a crash carries the same id, which
    # lets mail clients and archives fold the copies.
    digest = hashlib.sha256(notice.id.encode("utf-8")).hexdigest()[:32]
    message["Message-ID"] = f"<{digest}@{settings.sender.rpartition('@')[2]}>"
    text = plain_text(notice)
    message.set_content(text, cte=_transfer_encoding(text))
    if notice.html is not None:
        message.add_alternative(notice.html, subtype="html", cte=_transfer_encoding(notice.html))
    for attachment in notice.attachments:
        maintype, _, subtype = attachment.mime.partition("/")
        message.add_attachment(
            attachment.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


def plain_text(notice: Notice) -> str:
    """The text/plain body: the lines, then one ``label: URL`` line per link."""
    parts = list(notice.lines) or [notice.subject]
    if notice.links:
        parts += ["", *(f"{label}: {url}" for label, url in notice.links)]
    return "\n".join(parts) + "\n"


def _transfer_encoding(text: str) -> str:
    # 7-bit safe on every relay, even one without 8BITMIME; base64 is the compact
    # form for Cyrillic text.
    short = max(map(len, text.splitlines()), default=0) < 990
    return "7bit" if text.isascii() and short else "base64"


def _refused(recipients: Mapping[str, tuple[int, bytes]], secret: str | None) -> Exception:
    """Every recipient refused: temporary only when every refusal was 4xx."""
    codes = {address: code for address, (code, _) in recipients.items()}
    detail = ", ".join(f"{address} ({code})" for address, code in sorted(codes.items()))
    reason = _safe(f"recipients refused: {detail}", secret)
    if all(400 <= code < 500 for code in codes.values()):
        return TemporaryFailure(NAME, reason)
    return PermanentFailure(NAME, reason)


def _by_code(code: int, reply: bytes | str, secret: str | None) -> Exception:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    reason = _safe(f"server answered {code} {text}", secret)
    failure = TemporaryFailure if 400 <= code < 500 or code < 0 else PermanentFailure
    return failure(NAME, reason)


def _safe(text: str, secret: str | None) -> str:
    """One short line with the password (if any) blanked out."""
    line = " ".join(text.split())[:REPLY_CHARS]
    return line.replace(secret, "***") if secret else line
