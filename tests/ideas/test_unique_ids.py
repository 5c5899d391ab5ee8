"""Ids are unique on every page each role sees of an idea: labels, aria-describedby and in-page links
point at one element (WCAG 4.1.1/1.3.1; the staff idea page had `id_note` twice, and `id_body`)."""

import re
from collections import Counter

import pytest

from ideas.services import comment_post

from ..factories import make_idea

pytestmark = pytest.mark.django_db

ID = re.compile(r'\sid="([^"]+)"')


def repeated_ids(html: str) -> list[str]:
    return sorted(name for name, n in Counter(ID.findall(html)).items() if n > 1)


@pytest.mark.parametrize("persona", ["anonymous", "alice", "rita", "mona", "adam"])
def test_the_idea_page_has_unique_ids_for_every_role(client, request, persona, bob):
    idea = make_idea(author=bob, title="Offline maps")
    comment_post(author=bob, idea=idea, body="First!")
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    html = client.get(idea.get_absolute_url()).content.decode()
    assert 'id="comments-title"' in html  # the page rendered
    assert repeated_ids(html) == []


def test_staff_forms_keep_their_field_names_and_link_their_help_text(client, adam, bob):
    idea = make_idea(author=bob)
    client.force_login(adam)
    html = client.get(idea.get_absolute_url()).content.decode()
    for form_id in ("merge_note", "status_note", "staff_note_body"):
        assert f'id="{form_id}"' in html
    assert html.count('name="note"') == 2  # the views read the same names as before
    # The staff note's help text is its description, not a loose paragraph.
    assert 'aria-describedby="staff_note_body_helptext"' in html
    assert 'id="staff_note_body_helptext"' in html


def test_the_idea_list_has_unique_ids(client, alice, bob):
    for n in range(3):
        make_idea(author=bob, title=f"Idea {n}")
    client.force_login(alice)
    assert repeated_ids(client.get("/ideas/").content.decode()) == []
