"""allauth's account adapter: where members land after logging in, the language of its email."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from . import permissions


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        """Staff land on their workspace (what waits for them), everyone else on LOGIN_REDIRECT_URL.

        allauth asks this only when the log-in carried no `?next=`: a page someone asked for wins. Staff
        without two-factor authentication are sent on to set it up by the workspace's own gate.
        """
        if permissions.may_use_workspace(request.user):
            return reverse("backlog:workspace")
        return super().get_login_redirect_url(request)

    def send_mail(self, template_prefix, email, context):
        """allauth's email (confirmation, password reset, security notices) in the member's chosen
        language; without one (signing up), in the language of the request that sends it."""
        user = context.get("user")
        language = getattr(user, "language", "")
        if language not in dict(settings.LANGUAGES):
            language = translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, context)

    def save_user(self, request, user, form, commit=True):
        """A newcomer who signs up in another language than the site's keeps it for their email."""
        language = translation.get_language()
        if language in dict(settings.LANGUAGES) and language != settings.LANGUAGE_CODE:
            user.language = language
        return super().save_user(request, user, form, commit)


def user_display(user) -> str:
    """How allauth names a member ("Successfully signed in as …", its emails): the display name, the
    same as everywhere else on the site, never the internal username."""
    return user.public_name
