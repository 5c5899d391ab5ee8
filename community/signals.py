"""Cross-cutting sync only: Member.email_verified follows allauth's email addresses, and cached copies of
a member (community.auth) are retired when the member changes."""

from allauth.account.signals import email_added, email_changed, email_confirmed, email_removed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .auth import member_changed
from .models import Member
from .services import member_sync_email_verified


@receiver(post_save, sender=Member)
@receiver(post_delete, sender=Member)
def _on_member_saved(sender, instance, **kwargs):
    member_changed(instance.pk)


@receiver(email_confirmed)
def _on_email_confirmed(sender, request, email_address, **kwargs):
    member_sync_email_verified(email_address.user)


@receiver(email_changed)
@receiver(email_added)
@receiver(email_removed)
def _on_email_changed(sender, request, user, **kwargs):
    member_sync_email_verified(user)
