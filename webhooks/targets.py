"""Where a webhook may be sent, and sending it there (SSRF protection).

A target on a private, loopback, link-local, multicast, reserved or unspecified address is refused
unless settings.WEBHOOKS_ALLOW_PRIVATE. The check runs when an endpoint is saved (a form error) and
again at every send, on the addresses the name resolves to *then*; the request connects to the very
address that was checked, so a name that resolves elsewhere a second time (DNS rebinding) gets nowhere.
Redirects are not followed (a 3xx is a failed attempt). Standard library only: http.client with a
connection that dials the checked address, and keeps the name for the Host header and TLS (SNI and the
certificate check).
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

EXCERPT_CHARS = 500
READ_LIMIT = 64 * 1024  # of a response body: enough for the excerpt, bounded however much is sent


class TargetRefused(Exception):
    """The URL may not be used as a webhook target (the message says why)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP the request connects to


@dataclass(frozen=True)
class Response:
    status_code: int
    excerpt: str
    latency_ms: int


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def resolve(url: str) -> Target:
    """Parse and resolve `url`; raise TargetRefused unless every address it resolves to is allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(_("Use an http:// or https:// URL."))
    if parts.username or parts.password:
        raise TargetRefused(_("Leave credentials out of the URL."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise TargetRefused(_("The port is not valid.")) from error
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise TargetRefused(_("%(host)s does not resolve.") % {"host": parts.hostname}) from error
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise TargetRefused(_("%(host)s does not resolve.") % {"host": parts.hostname})
    if not settings.WEBHOOKS_ALLOW_PRIVATE and any(_forbidden(a) for a in addresses):
        raise TargetRefused(
            _("%(host)s is a private, loopback or reserved address: webhooks go to public hosts only.")
            % {"host": parts.hostname}
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to `host` that dials the already checked `address` instead of resolving
    the name again."""

    def __init__(self, target: Target, *, timeout: float, tls: ssl.SSLContext | None):
        super().__init__(target.host, target.port, timeout=timeout)
        self.pinned_address = target.address
        self.tls = tls

    def connect(self):
        sock = socket.create_connection((self.pinned_address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host) if self.tls else sock


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Response:
    """POST `body` to `url` (checked and resolved now). Raises TargetRefused, or OSError (timeouts,
    refused connections, TLS errors) and http.client.HTTPException for a broken answer."""
    target = resolve(url)
    tls = ssl.create_default_context() if target.scheme == "https" else None
    connection = _PinnedConnection(target, timeout=timeout, tls=tls)
    started = time.monotonic()
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Cocreate-Webhooks/1",
                **headers,
            },
        )
        answer = connection.getresponse()
        content = answer.read(READ_LIMIT)
        latency_ms = int((time.monotonic() - started) * 1000)
        return Response(answer.status, content.decode("utf-8", "replace")[:EXCERPT_CHARS], latency_ms)
    finally:
        connection.close()
