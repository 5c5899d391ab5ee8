"""A notification reads in its recipient's language, not in the language of the request that caused it:
a French member's reply reaches a German member in German, in the inbox and in the email."""

import pytest
from django.conf import settings
from django.core import mail as outbox
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ideas.models import Idea
from ideas.services import comment_post, idea_set_status
from moderation import services as moderation
from notifications.models import Cadence, EmailPreference, Notification
from notifications.services import in_each_language, notify_members
from tests.factories import MemberFactory, make_idea
from voting.services import vote_cast

pytestmark = pytest.mark.django_db


def test_a_french_senders_reply_reaches_a_german_member_in_german(client, django_capture_on_commit_callbacks):
    greta = MemberFactory(username="greta", display_name="Greta", language="de", email_consent=True)
    EmailPreference.objects.create(member=greta, kind=Notification.Kind.REPLY, cadence=Cadence.INSTANT)
    francois = MemberFactory(username="francois", display_name="François", language="fr")
    idea = make_idea(author=greta, title="Offline-Karten")
    question = comment_post(author=greta, idea=idea, body="Wer braucht das noch?")

    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        comment_post(author=francois, idea=idea, body="Moi !", parent=question)

    [notification] = Notification.objects.filter(recipient=greta, kind=Notification.Kind.REPLY)
    assert notification.message == "François hat Ihnen bei „Offline-Karten“ geantwortet."
    client.force_login(greta)
    with translation.override("en"):  # the request activates greta's language; leave none behind
        page = client.get(reverse("notifications:inbox")).content.decode()
    assert "François hat Ihnen bei „Offline-Karten“ geantwortet." in page
    assert "a répondu" not in page
    [email] = [message for message in outbox.outbox if greta.email in message.to]
    assert "François hat Ihnen bei „Offline-Karten“ geantwortet." in email.subject


def test_translated_parts_of_the_text_follow_the_recipient_too(rita, django_capture_on_commit_callbacks):
    """The built-in status name is translated per recipient as well; a member who chose no language
    reads the site's (as in their email)."""
    anna = MemberFactory(username="anna", language="fi")
    paul = MemberFactory(username="paul", language="")
    idea = make_idea(author=anna, title="Kartat")
    vote_cast(member=paul, idea_id=idea.pk)

    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        idea_set_status(idea=idea, changed_by=rita, status="planned", note="Q3")

    texts = dict(
        Notification.objects.filter(kind=Notification.Kind.STATUS_CHANGED).values_list(
            "recipient__username", "message"
        )
    )
    with translation.override("fi"):
        expected = _("“%(title)s” is now %(status)s: %(note)s") % {
            "title": "Kartat",
            "status": Idea.Status.PLANNED.label,
            "note": "Q3",
        }
    assert "Planned" not in expected
    assert texts["anna"] == expected
    assert texts["paul"] == "“Kartat” is now Planned: Q3"


def test_a_moderation_notice_follows_the_recipient(mona, django_capture_on_commit_callbacks):
    heidi = MemberFactory(username="heidi", language="de")
    idea = make_idea(author=heidi, title="Dunkelmodus")
    comment = comment_post(author=heidi, idea=idea, body="Siehe oben")

    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        moderation.content_hide(moderator=mona, kind="comment", object_id=comment.pk, reason="Doppelt")

    [notification] = Notification.objects.filter(recipient=heidi, kind=Notification.Kind.MODERATION)
    assert (
        notification.message == "Die Moderation hat Ihren Beitrag (Kommentar) „Siehe oben“ verborgen: Doppelt"
    )


def test_every_language_is_built_from_one_callable():
    texts = in_each_language(lambda: _("Comment"))
    assert set(texts) == {code for code, _name in settings.LANGUAGES}
    assert texts["en"] == "Comment"
    assert texts["de"] != texts["en"]


def test_old_rows_and_plain_messages_keep_their_text():
    member = MemberFactory(language="de")
    assert notify_members.call(
        member_ids=[member.pk], kind="reply", idea_id=None, actor_id=None, message="As it was", url="/"
    )
    assert Notification.objects.get(recipient=member).message == "As it was"
