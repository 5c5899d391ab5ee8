"""Print the current two-factor code of a demo account (development only: refuses unless DEBUG=1)."""

import time

from allauth.mfa import app_settings
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from community.models import Member
from community.totp import totp_current_code


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account, e.g. admin@example.com (needs DEBUG=1)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_totp only runs with DEBUG=1: it reads two-factor secrets, which a real site must "
                "never print."
            )
        member = Member.objects.filter(email__iexact=email, is_active=True).first()
        if member is None:
            raise CommandError(f"No active member with the email address {email}.")
        code = totp_current_code(member=member)
        if code is None:
            raise CommandError(
                f"{email} has no two-factor authenticator; they set one up at their next staff page."
            )
        left = app_settings.TOTP_PERIOD - int(time.time()) % app_settings.TOTP_PERIOD
        self.stdout.write(code)
        self.stderr.write(f"(valid for about {left} more seconds)")
