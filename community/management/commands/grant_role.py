from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from community.models import Member
from community.roles import Role
from community.services import member_roles, role_grant, role_revoke


class Command(BaseCommand):
    help = "Grant or revoke a role: customer, rnd, customer_manager, moderator, administrator."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("role", choices=[r.value for r in Role])
        parser.add_argument("--revoke", action="store_true")

    def handle(self, *args, email, role, revoke, **options):
        member = Member.objects.filter(email__iexact=email, is_active=True).first()
        if member is None:
            raise CommandError(f"No active member with the email address {email}.")
        if revoke:
            try:
                role_revoke(member=member, role=Role(role), revoked_by=None)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        else:
            role_grant(member=member, role=Role(role), granted_by=None)
        roles = ", ".join(sorted(str(r.label) for r in member_roles(member)))
        self.stdout.write(self.style.SUCCESS(f"{member.email} now has: {roles}"))
