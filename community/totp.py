"""Two-factor codes for the demo: give demo staff a TOTP authenticator, and read its current code.

The authenticator is stored as allauth documents it (an Authenticator of type TOTP whose data holds the
secret encrypted by the MFA adapter; docs.allauth.org "Upgrading from django-allauth-2fa"). The code is
computed with allauth's own RFC 6238 helpers, so it is the one its log-in form accepts. Only the demo
(`seed_demo`) and `manage.py demo_totp`, which refuses to run unless DEBUG is on, use this module.
"""

import base64
import secrets
import time

from allauth.mfa import app_settings
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value


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
    return format_hotp_value(hotp_value(secret, counter))
