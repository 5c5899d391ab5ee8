"""Cross-cutting sync only: cached copies of a token row (api.tokens) are retired when the row changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import AccessToken
from .tokens import token_changed


@receiver(post_save, sender=AccessToken)
@receiver(post_delete, sender=AccessToken)
def _on_token_saved(sender, instance, **kwargs):
    token_changed(instance)
