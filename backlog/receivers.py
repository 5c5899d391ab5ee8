"""Cross-cutting sync: a CRM customer without an account is linked to the member who verifies its email,
or who signs up with an invitation link (backlog.invitation_views)."""

from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed, user_signed_up
from django.dispatch import receiver

from .transactions import INVITATION_SESSION_KEY, customer_record_link_invited, customer_records_link


@receiver(email_confirmed)
def _on_email_confirmed(sender, request, email_address, **kwargs):
    customer_records_link(member=email_address.user, email=email_address.email)


@receiver(user_signed_up)
def _on_signed_up(sender, request, user, **kwargs):
    # A sign-up through a provider that vouches for the address arrives verified, with no confirmation.
    invitation = request.session.pop(INVITATION_SESSION_KEY, None) if request is not None else None
    if invitation:
        customer_record_link_invited(member=user, token=invitation)
    for address in EmailAddress.objects.filter(user=user, verified=True):
        customer_records_link(member=user, email=address.email)
