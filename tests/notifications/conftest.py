"""An app of its own with every channel on: SMTP to a real local server (aiosmtpd), Web Push with VAPID keys
to a real local push endpoint (loopback allowed by the development setting)."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.appserver import AppProcess
from tests.notifications.support import own_database
from tests.services import free_port


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def vapid_keys() -> tuple[str, str]:
    """A VAPID key pair as base64url: the raw private scalar, the uncompressed public point."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return b64url(private), b64url(public)


class Mailbox:
    """aiosmtpd handler: keeps every message it is sent."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def channels_app(request, tmp_path_factory, mailbox):
    private, public = vapid_keys()
    url = own_database(request, tmp_path_factory, "channels")
    server = AppProcess(database_url=url, data_dir=Path(tmp_path_factory.mktemp("channels")), env={
        "LIVESTALL_SMTP_HOST": "127.0.0.1", "LIVESTALL_SMTP_PORT": str(mailbox[1]),
        "LIVESTALL_SMTP_STARTTLS": "false", "LIVESTALL_SMTP_FROM": "Livestall <shows@livestall.test>",
        "LIVESTALL_VAPID_PRIVATE_KEY": private, "LIVESTALL_VAPID_PUBLIC_KEY": public,
        "LIVESTALL_VAPID_SUBJECT": "mailto:ops@livestall.test",
        "LIVESTALL_WEBHOOKS_ALLOW_PRIVATE": "true", "LIVESTALL_NOTIFICATION_JOBS_INTERVAL_S": "0.1"}).start()
    server.vapid_public_key = public
    yield server
    server.stop()


@pytest.fixture()
def channels_api(channels_app):
    with httpx.Client(base_url=channels_app.url, timeout=30) as client:
        yield client
