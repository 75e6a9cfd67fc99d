"""A delivery connects to the address that was checked, while TLS and Host still speak to the URL's name."""

from __future__ import annotations

import asyncio
import datetime
import ssl

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from livestall.webhooks.sender import post_checked
from livestall.webhooks.urls import public_addresses
from tests.webhooks.receiver import Receiver

NAME = "hooks.example"  # resolves nowhere: only the pinned address can reach the receiver


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for NAME: (certificate path, key path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture()
def tls_receiver(certificate):
    """An HTTPS receiver on 127.0.0.1 holding NAME's certificate; the names clients asked for, in `.sni`."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    asked: list[str | None] = []
    context.sni_callback = lambda _sock, name, _ctx: asked.append(name)
    with Receiver(tls=context) as receiver:
        receiver.sni = asked
        yield receiver


def _post(certificate, url: str, addresses: list[str]) -> httpx.Response:
    async def send():
        trusting = ssl.create_default_context(cafile=str(certificate[0]))
        async with httpx.AsyncClient(verify=trusting, timeout=5) as client:
            return await post_checked(client, url, addresses, b'{"type":"order.paid"}',
                                      {"Content-Type": "application/json"})
    return asyncio.run(send())


def test_the_post_goes_to_the_checked_address_under_the_urls_name(certificate, tls_receiver):
    url = f"https://{NAME}:{tls_receiver.port}/hook?shop=7"
    # 127.0.0.2 is loopback too, but nothing listens there: the next checked address is tried
    response = _post(certificate, url, ["127.0.0.2", "127.0.0.1"])
    assert response.status_code == 200
    headers, body = tls_receiver.received[-1]
    assert headers["host"] == f"{NAME}:{tls_receiver.port}" and tls_receiver.paths[-1] == "/hook?shop=7"
    assert tls_receiver.sni[-1] == NAME and body == b'{"type":"order.paid"}'


def test_the_certificate_is_checked_against_the_urls_name_not_the_address(certificate, tls_receiver):
    with pytest.raises(httpx.ConnectError, match="certificate|hostname"):
        _post(certificate, f"https://other.example:{tls_receiver.port}/hook", ["127.0.0.1"])
    assert tls_receiver.received == []


def test_every_refused_address_is_a_connect_error(certificate, tls_receiver):
    with pytest.raises(httpx.ConnectError):
        _post(certificate, f"https://{NAME}:{tls_receiver.port}/hook", ["127.0.0.2", "127.0.0.3"])
    assert tls_receiver.received == []


def test_public_addresses_are_what_a_delivery_may_connect_to():
    assert asyncio.run(public_addresses("https://93.184.216.34/hook", allow_private=False)) == ["93.184.216.34"]
    # development: nothing is checked, so nothing is pinned and the URL is used as it is
    assert asyncio.run(public_addresses("http://127.0.0.1:9/hook", allow_private=True)) == []
