"""Keep Member.email_verified in step with allauth's email addresses (cross-cutting sync only)."""

from allauth.account.signals import email_added, email_changed, email_confirmed, email_removed
from django.dispatch import receiver

from .services import member_sync_email_verified


@receiver(email_confirmed)
def _on_email_confirmed(sender, request, email_address, **kwargs):
    member_sync_email_verified(email_address.user)


@receiver(email_changed)
@receiver(email_added)
@receiver(email_removed)
def _on_email_changed(sender, request, user, **kwargs):
    member_sync_email_verified(user)
