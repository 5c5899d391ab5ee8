"""Staff notes on ideas (issue 21, part 4): who reads and writes them, whom their @mentions tell, and
that no customer ever gets one: not on the page, not from a cached copy, not from search or the API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ideas.models import InternalNote
from ideas.services import internal_note_add
from notifications.models import Notification
from search.backends.database import database_backend

from ..api.conftest import make_token
from ..factories import make_idea

pytestmark = pytest.mark.django_db

SECRET = "Zanzibarquux"  # a word only the note has


@pytest.fixture
def idea(alice):
    return make_idea(author=alice, title="Offline maps", body="Maps without a network.")


@pytest.fixture
def noted(idea, rita):
    internal_note_add(author=rita, idea=idea, body=f"Customer {SECRET} asked twice; **check** the logs.")
    return idea


def page_of(client, member, idea):
    client.logout()
    if member is not None:
        client.force_login(member)
    response = client.get(idea.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("persona", ["rita", "carl", "mona", "adam"])
def test_every_staff_role_reads_and_writes_notes(client, noted, persona, request):
    staff = request.getfixturevalue(persona)
    html = page_of(client, staff, noted)
    assert "Staff notes" in html and SECRET in html and "<strong>check</strong>" in html
    response = client.post(f"/ideas/{noted.pk}/notes/", {"body": f"Seen by {persona}"})
    assert response.status_code == 302
    assert f"Seen by {persona}" in page_of(client, staff, noted)
    assert InternalNote.objects.filter(idea=noted).count() == 2


@pytest.mark.parametrize("viewer", ["anonymous", "alice", "bob"])
def test_customers_and_visitors_never_see_notes_even_after_staff_warmed_the_page(
    client, noted, rita, viewer, request, settings
):
    settings.ANONYMOUS_IDEA_CACHE_SECONDS = settings.MEMBER_IDEA_CACHE_SECONDS = 300
    assert SECRET in page_of(client, rita, noted)  # staff first
    member = None if viewer == "anonymous" else request.getfixturevalue(viewer)
    for _ in range(2):  # the first request fills the shared copy, the second reads it
        html = page_of(client, member, noted)
        assert SECRET not in html and "Staff notes" not in html and f"/ideas/{noted.pk}/notes/" not in html
    assert SECRET in page_of(client, rita, noted)  # and staff still read it afterwards


def test_customers_cannot_write_notes(client, idea, alice):
    client.force_login(alice)
    assert client.post(f"/ideas/{idea.pk}/notes/", {"body": "sneaky"}).status_code == 403
    with pytest.raises(PermissionDenied):
        internal_note_add(author=alice, idea=idea, body="sneaky")
    assert not InternalNote.objects.exists()


def test_an_empty_note_is_refused_with_a_message(client, idea, rita):
    client.force_login(rita)
    response = client.post(f"/ideas/{idea.pk}/notes/", {"body": "  "}, follow=True)
    assert "This field is required." in response.content.decode()
    with pytest.raises(ValidationError):
        internal_note_add(author=rita, idea=idea, body="   ")
    assert not InternalNote.objects.exists()


def test_a_mention_tells_the_staff_member_once_and_ignores_customers(
    django_capture_on_commit_callbacks, idea, rita, carl, mona, alice, bob
):
    with django_capture_on_commit_callbacks(execute=True):
        note = internal_note_add(author=rita, idea=idea, body="@carl, @mona: see this (@carl, @bob)")
    mentions = Notification.objects.filter(kind=Notification.Kind.MENTION)
    assert sorted(mentions.values_list("recipient__username", flat=True)) == ["carl", "mona"]
    assert mentions.get(recipient=carl).url.endswith(f"#note-{note.pk}")
    # The customer mentioned (and the idea's author, a customer) hear nothing of the note.
    assert not Notification.objects.filter(recipient__in=[alice, bob]).exists()


def test_the_author_mentioning_themself_is_not_told(django_capture_on_commit_callbacks, idea, rita):
    with django_capture_on_commit_callbacks(execute=True):
        internal_note_add(author=rita, idea=idea, body="Note to self, @rita")
    assert not Notification.objects.filter(kind=Notification.Kind.MENTION).exists()


def test_a_word_only_in_a_note_finds_nothing(client, noted, alice, rita):
    database_backend().index_ideas([noted.pk])
    for member in (alice, rita):
        client.force_login(member)
        html = client.get("/search/", {"q": SECRET}).content.decode()
        assert f'id="idea-{noted.pk}"' not in html and "0 ideas found" in html, member
    # The idea's own words still find it.
    assert f'id="idea-{noted.pk}"' in client.get("/search/", {"q": "offline"}).content.decode()


def test_the_api_never_carries_notes(client, noted, alice, adam):
    for member, scopes in ((alice, ("read",)), (adam, ("read", "staff"))):
        token = make_token(member, scopes)
        response = client.get(f"/api/v1/ideas/{noted.pk}", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert SECRET not in response.content.decode() and "note" not in response.json()
