"""PostgreSQL over TLS (issue #20): the store's connections use TLS when the URL asks
(``sslmode``), against a local server with a self-signed certificate."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from helpers.pg import private_cluster
from test_db_cli import cli, home, store_table

from streamer import pgschema
from streamer.pgstore import PgStore

Key = ec.EllipticCurvePrivateKey


def certificate(subject: str, key: Key, issuer: tuple[str, Key] | None = None) -> x509.Certificate:
    """A certificate for ``subject`` (a CA when self-signed, else a server's for
    localhost and 127.0.0.1, signed by ``issuer``)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    by_name, by_key = (subject, key) if issuer is None else issuer
    start = datetime(2020, 1, 1, tzinfo=UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, by_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * 30))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if issuer is not None:
        alt = [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    return builder.sign(by_key, hashes.SHA256())


def pem(item: x509.Certificate | Key) -> bytes:
    if isinstance(item, x509.Certificate):
        return item.public_bytes(serialization.Encoding.PEM)
    return item.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """A cluster with ``ssl=on`` on a loopback port, its certificate signed by a test CA:
    the TCP URL (no sslmode yet), the CA's certificate, and another CA's."""
    ca_key, other_key, server_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = certificate("streamer test CA", ca_key)
    files = {
        "server.crt": pem(certificate("localhost", server_key, ("streamer test CA", ca_key))),
        "server.key": pem(server_key),
    }
    roots = tmp_path_factory.mktemp("roots")
    (roots / "ca.crt").write_bytes(pem(ca))
    (roots / "other.crt").write_bytes(pem(certificate("another CA", other_key)))
    port = free_port()
    # Paths relative to the data directory: the files are in the cluster's folder above it.
    extra = f"-c ssl=on -c listen_addresses=127.0.0.1 -c port={port}"
    extra += " -c ssl_cert_file=../server.crt -c ssl_key_file=../server.key"
    with private_cluster(extra, files):
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        with pgschema.connect(url + "?sslmode=require", autocommit=True) as conn:
            pgschema.migrate(conn)
        yield url, roots / "ca.crt", roots / "other.crt"


def in_tls(url: str) -> bool:
    """Whether the store's connection to ``url`` is encrypted, as the server sees it."""
    store = PgStore(url)
    try:
        with store._tx() as conn:
            row = conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            return bool(row.fetchone()[0])
    finally:
        store.close()


def test_sslmode_require_and_verify_full_connect_over_tls(
    tls_server: tuple[str, Path, Path],
) -> None:
    """``sslmode=require`` encrypts; ``verify-full`` with the right root certificate
    connects over TLS too; ``disable`` does not encrypt (the check can tell)."""
    url, ca, _ = tls_server
    assert in_tls(f"{url}?sslmode=require")
    assert in_tls(f"{url}?sslmode=verify-full&sslrootcert={ca}")
    assert not in_tls(f"{url}?sslmode=disable")


def test_verify_full_with_the_wrong_root_certificate_is_refused_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tls_server: tuple[str, Path, Path],
) -> None:
    """A server whose certificate the named root did not sign is refused: one line, no
    traceback, nothing connected."""
    url, _, other = tls_server
    home(tmp_path / "h", monkeypatch, store_table(f"{url}?sslmode=verify-full&sslrootcert={other}"))
    code, out, err = cli(capsys, "db", "status")
    assert code != 0 and out == "" and len(err.splitlines()) == 1
    assert err.startswith("streamer: error: database problem: cannot connect to")
    assert "certificate verify failed" in err
