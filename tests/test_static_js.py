"""The scripts take every URL and every word they show from the page (data- attributes filled with
{% url %} and {% translate %}) or from Django's JavaScript catalogue (gettext/ngettext calls, whose
strings makemessages extracts), so they follow the URL configuration and the member's language."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from .factories import make_idea

SCRIPTS = sorted((Path(__file__).resolve().parent.parent / "cocreate" / "static" / "js").glob("*.js"))
STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'')
# HTTP and KeyboardEvent.key names, not text for people
PROTOCOL_WORDS = {"Accept", "POST", "Enter", "Tab", "Escape"}


# The strings given to the catalogue's gettext/ngettext: translated, so words are welcome there.
TRANSLATED = re.compile(r'\b(?:n|p|np)?gettext\(\s*(?:"(?:[^"\\\n]|\\.)*"\s*,?\s*)+')


def literals(path: Path) -> list[str]:
    source = re.sub(r"^\s*//.*$|\s//\s.*$", "", path.read_text(), flags=re.MULTILINE)  # comments
    source = TRANSLATED.sub("gettext(", source)
    return [double or single for double, single in STRING.findall(source)]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_hold_no_paths(script):
    assert [s for s in literals(script) if s.startswith("/")] == []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_hold_no_words_for_people(script):
    words = [s for s in literals(script) if re.match(r"^[A-Z][a-z]+\b", s) and s not in PROTOCOL_WORDS]
    assert words == []


@pytest.mark.django_db
def test_pages_give_the_scripts_their_urls_and_words(client, alice):
    idea = make_idea(title="Offline maps")
    client.force_login(alice)
    page = client.get(idea.get_absolute_url()).content.decode()
    assert f'data-vote-url="{reverse("voting:vote", args=[idea.pk])}"' in page
    assert f'data-unvote-url="{reverse("voting:unvote", args=[idea.pk])}"' in page
    assert 'data-voted-label="Voted"' in page and 'data-vote-error="Your vote could not be recorded."' in page
    assert f'data-live-idea="/ws/ideas/{idea.pk}/"' in page
    form = client.get(reverse("ideas:create")).content.decode()
    assert f'data-preview-url="{reverse("ideas:preview")}"' in form
    assert f'data-similar-url="{reverse("search:similar")}"' in form


@pytest.mark.django_db
def test_textareas_give_the_mention_picker_its_url_thread_and_words(client, alice):
    idea = make_idea(title="Offline maps")
    client.force_login(alice)
    attributes = f'data-mention-url="{reverse("ideas:mentions")}" data-mention-label="Members to mention"'
    page = client.get(idea.get_absolute_url()).content.decode()
    assert f'{attributes} data-mention-idea="{idea.pk}"' in page
    assert attributes in client.get(reverse("ideas:create")).content.decode()
