"""allauth's account adapter: where members land after logging in."""

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

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


def user_display(user) -> str:
    """How allauth names a member ("Successfully signed in as …", its emails): the display name, the
    same as everywhere else on the site, never the internal username."""
    return user.public_name
