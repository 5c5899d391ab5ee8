"""Two-factor codes for the demo: give demo staff a TOTP authenticator, and read its current code.

The authenticator is stored as allauth documents it (an Authenticator of type TOTP whose data holds the
secret encrypted by the MFA adapter; docs.allauth.org "Upgrading from django-allauth-2fa"). The code is
RFC 6238's, with allauth's settings for its period and digits; allauth offers no public function that
makes one (only `Authenticator.wrap().validate_code`, which the tests use to check ours), and its helpers
live in an `internal` package we must not use. Only the demo (`seed_demo`), `manage.py demo_totp`, which
refuses to run unless DEBUG is on, and the tests use this module.
"""

import base64
import hashlib
import hmac
import secrets
import struct
import time

from allauth.mfa import app_settings
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator


def totp_activate(*, member) -> Authenticator:
    """Give `member` a TOTP authenticator with a fresh secret (kept if they already have one)."""
    secret = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
    authenticator, _created = Authenticator.objects.get_or_create(
        user=member,
        type=Authenticator.Type.TOTP,
        defaults={"data": {"secret": get_adapter().encrypt(secret)}},
    )
    return authenticator


def totp_current_code(*, member, at: float | None = None) -> str | None:
    """The member's TOTP code for the current period (None when they have no TOTP authenticator)."""
    authenticator = Authenticator.objects.filter(user=member, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    secret = get_adapter().decrypt(authenticator.data["secret"])
    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD
    return _hotp(secret, counter)


def _hotp(secret: str, counter: int) -> str:
    """RFC 4226 HOTP (HMAC-SHA1, dynamic truncation) of a base-32 secret, as many digits as allauth uses."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**app_settings.TOTP_DIGITS).zfill(app_settings.TOTP_DIGITS)
