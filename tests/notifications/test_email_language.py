"""Each member's email in the language they chose (community.Member.language), whatever language the
request or task that sends it runs in; members who chose none get the site's language."""

import pytest
from django.core import mail as outbox
from django.urls import reverse
from django.utils import translation

from notifications import mail
from notifications.models import Cadence, EmailPreference, Notification

from .conftest import subscriber
from .test_email import notify

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def test_one_event_reaches_each_member_in_their_language(smtp, django_capture_on_commit_callbacks):
    members = {
        language: subscriber(username=f"m{language}", display_name=f"M {language}", language=language)
        for language in ["", "de", "fr", "es", "fi"]
    }
    with translation.override("fi"):  # the sender's language must not leak into anyone's email
        notify(django_capture_on_commit_callbacks, list(members.values()), Kind.STATUS_CHANGED)

    greetings = {
        "": "Hello M ",
        "de": "Hallo M de,",
        "fr": "Bonjour M fr,",
        "es": "Hola, M es:",
        "fi": "Hei M fi,",
    }
    footers = {
        "": "Unsubscribe from these emails",
        "de": "Diese E-Mails abbestellen",
        "fr": "Se désabonner de ces e-mails",
        "es": "Darse de baja de estos correos",
        "fi": "Peru nämä sähköpostit",
    }
    for language, member in members.items():
        [message] = smtp.to(member.email)
        text, html = (part.get_content() for part in message.iter_parts())
        assert greetings[language] in text
        assert footers[language] in text
        assert footers[language] in html
        others = [footer for other, footer in footers.items() if other != language]
        assert not any(footer in text for footer in others)


def test_the_digest_subject_and_body_follow_the_members_language(smtp, django_capture_on_commit_callbacks):
    ann = subscriber(username="ann", language="de")
    EmailPreference.objects.create(member=ann, kind=Kind.NEW_IDEA, cadence=Cadence.WEEKLY)
    notify(django_capture_on_commit_callbacks, [ann], Kind.NEW_IDEA, message="“Dark mode”")

    assert mail.send_digests(cadence=Cadence.WEEKLY).sent == 1
    [message] = smtp.to(ann.email)
    assert "Ihre wöchentliche Zusammenfassung" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert "Was in dem passiert ist, dem Sie folgen:" in text


def test_allauth_email_in_the_members_language(client, settings):
    """A password reset asked for from an English page reaches a German-speaking member in German."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    bea = subscriber(username="bea", language="de")
    carl = subscriber(username="carl")
    for member in (bea, carl):
        client.post(reverse("account_reset_password"), {"email": member.email})
    by_recipient = {message.to[0]: message for message in outbox.outbox}
    assert "Passwort" in by_recipient[bea.email].body
    assert "Passwort" not in by_recipient[carl.email].body
    assert "password" in by_recipient[carl.email].body.lower()
