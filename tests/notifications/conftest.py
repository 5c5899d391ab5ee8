"""A real SMTP server on localhost (aiosmtpd) for the notification email tests, and members who may
get email."""

import socket

import pytest
from aiosmtpd.controller import Controller

from tests.factories import MemberFactory
from tests.smtp_server import Mailbox, free_port


@pytest.fixture
def smtp(settings):
    """Django's SMTP backend pointed at a real SMTP server on a free local port."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.EMAIL_RETRY_FIRST_SECONDS = 0  # back-off waits of 0 s: the attempts, not the clock, are tested
    settings.SITE_URL = "https://cocreate.example"
    yield mailbox
    controller.stop()


@pytest.fixture
def silent_server(settings):
    """A server that accepts connections and never answers (its backlog accepts; nobody reads)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = listener.getsockname()[1]
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 0.3
    settings.EMAIL_RETRY_FIRST_SECONDS = 0
    yield listener
    listener.close()


def subscriber(**kwargs):
    """A member with a verified address who consented to email."""
    return MemberFactory(**{"email_consent": True, **kwargs})


@pytest.fixture
def ann(db):
    return subscriber(username="ann", display_name="Ann Subscriber")
