from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a personal access token may do; never more than its member's current roles grant."""

    READ = "read", _("Read: ideas, comments, your own data")
    WRITE = "write", _("Write: post, edit your own, comment, vote, follow")
    STAFF = "staff", _("Staff: your staff role's powers (needs two-factor authentication)")


class AccessToken(models.Model):
    """A member's personal access token for the REST API (`Authorization: Bearer cc_…`).

    Only the SHA-256 of the secret is stored (the secret is random, 256 bits: no salt or slow hash is
    needed to resist guessing); the secret is shown once, when the token is made (api.tokens).
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the secret, shown in the token list so a member can tell tokens apart.
    prefix = models.CharField(max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    # Written at most once per API_TOKEN_USE_RECORD_SECONDS (api.tokens.token_record_use).
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
