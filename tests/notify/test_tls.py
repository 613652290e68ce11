"""Notifications over TLS: an HTTPS receiver and an MQTT broker with a TLS listener,
both with certificates of a test authority that the server trusts the way an operator
would make it (``SSL_CERT_FILE``), and one it does not trust."""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from notify.receivers import (
    MOSQUITTO,
    HttpReceiver,
    MqttSubscriber,
    free_port,
    mosquitto_available,
    skip_without_mosquitto,
)
from notify.test_delivery import create, levels, subscribe
from servers import Broker, needs_isanhub

B = "/ngsi-ld/v1"


@dataclass
class Pki:
    ca: Path  #: the authority's certificate (what the server is told to trust)
    cert: Path  #: localhost's certificate, signed by the authority
    key: Path
    stranger_cert: Path  #: a self-signed certificate for localhost: not trusted
    stranger_key: Path

    def server_context(self, trusted: bool = True) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        if trusted:
            context.load_cert_chain(self.cert, self.key)
        else:
            context.load_cert_chain(self.stranger_cert, self.stranger_key)
        return context


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: str, signer: ec.EllipticCurvePrivateKey,
    *, ca: bool,
) -> x509.Certificate:  # fmt: skip
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(signer, hashes.SHA256())


def make_pki(folder: Path) -> Pki:
    def write(name: str, data: bytes) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    def pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    pem = serialization.Encoding.PEM
    ca_key, key, stranger_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _certificate("isanhub test authority", ca_key, "isanhub test authority", ca_key, ca=True)
    cert = _certificate("localhost", key, "isanhub test authority", ca_key, ca=False)
    stranger = _certificate("localhost", stranger_key, "localhost", stranger_key, ca=False)
    return Pki(
        ca=write("ca.pem", ca.public_bytes(pem)),
        cert=write("localhost.pem", cert.public_bytes(pem)),
        key=write("localhost.key", pem_key(key)),
        stranger_cert=write("stranger.pem", stranger.public_bytes(pem)),
        stranger_key=write("stranger.key", pem_key(stranger_key)),
    )


def trusting(db: str, log: Path, pki: Pki) -> Broker:
    """A server that trusts the test authority (and only it)."""
    return Broker(db, log, env={"SSL_CERT_FILE": str(pki.ca), "SSL_CERT_DIR": str(log.parent)})


@needs_isanhub
def test_https_receivers_are_verified(tmp_path: Path, brokers: list[Broker]) -> None:
    pki = make_pki(tmp_path)
    broker = trusting(f"sqlite:///{tmp_path / 'h.db'}", tmp_path / "broker.log", pki)
    brokers.append(broker)
    with (
        HttpReceiver(tls=pki.server_context()) as good,
        HttpReceiver(tls=pki.server_context(trusted=False)) as stranger,
        httpx.Client(base_url=broker.base) as c,
    ):
        assert good.url.startswith("https://localhost:")
        subscribe(c, good.url)
        refused = subscribe(c, stranger.url)
        create(c, 1, value=7)
        (note,) = good.wait_for(1, 10)
        assert levels([note]) == {"urn:ngsi-ld:Sensor:0": [7]}
        assert note.headers["content-type"].startswith("application/json")
        # an unknown certificate fails before any request is sent, and says why
        deadline = time.monotonic() + 10
        while True:
            status = c.get(f"{B}/subscriptions/{refused}").json()["notification"]
            if status.get("timesFailed"):
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.1)
        assert "certificate" in status["lastFailureReason"].lower()
        assert stranger.snapshot() == []


class TlsMosquitto:
    """A Mosquitto of the test's own with a plain listener (for the test's subscriber)
    and a TLS listener (for the server) on free ports."""

    def __init__(self, folder: Path, pki: Pki) -> None:
        self.plain, self.tls = free_port(), free_port()
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(
            "per_listener_settings false\nallow_anonymous true\n"
            # as root, Mosquitto would drop to its own user, who cannot read the test's
            # folder; as anyone else this line is ignored
            "user root\n"
            f"listener {self.plain} 127.0.0.1\n"
            f"listener {self.tls} 127.0.0.1\n"
            f"certfile {pki.cert}\nkeyfile {pki.key}\n"
        )
        self.proc = subprocess.Popen(
            [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(self.conf)],
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 5
        while not mosquitto_available(MOSQUITTO[0], self.plain):
            assert self.proc.poll() is None, self.proc.stderr.read() if self.proc.stderr else ""
            assert time.monotonic() < deadline, "mosquitto did not start within 5 s"
            time.sleep(0.02)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)


@needs_isanhub
def test_mqtts_endpoints_are_reached_over_tls(tmp_path: Path, brokers: list[Broker]) -> None:
    skip_without_mosquitto()
    pki = make_pki(tmp_path)
    mosquitto = TlsMosquitto(tmp_path, pki)
    try:
        broker = trusting(f"sqlite:///{tmp_path / 'h.db'}", tmp_path / "broker.log", pki)
        brokers.append(broker)
        with (
            MqttSubscriber(port=mosquitto.plain) as sub,
            httpx.Client(base_url=broker.base) as c,
        ):
            uri = f"mqtts://localhost:{mosquitto.tls}/{sub.topic}"
            sid = subscribe(c, uri)
            create(c, 1, value=3)
            (message,) = sub.wait_for(1, 10)
            assert levels([message.payload["body"]]) == {"urn:ngsi-ld:Sensor:0": [3]}
            status = c.get(f"{B}/subscriptions/{sid}").json()["notification"]
            assert status["timesSent"] == 1 and not status.get("timesFailed")
    finally:
        mosquitto.stop()
