import pytest

from voting.services import vote_cast

from ..factories import MemberFactory, make_idea

pytestmark = pytest.mark.django_db


def test_home_page_is_the_wagtail_home_with_trending_ideas(client, wagtail_site):
    quiet = make_idea(title="Quiet idea")
    popular = make_idea(title="Popular idea")
    for member in MemberFactory.create_batch(12):
        vote_cast(member=member, idea_id=popular.pk)
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["page"].specific_class.__name__ == "HomePage"
    trending = [idea.title for idea in response.context["trending"].ideas]
    assert trending.index(popular.title) < trending.index(quiet.title)
    assert b"Shape what we build next" in response.content


def test_home_page_exists_after_migrate(wagtail_site):
    from wagtail.models import Site

    assert Site.objects.get(is_default_site=True).root_page.specific.__class__.__name__ == "HomePage"


def ship(idea, by):
    from ideas.services import idea_set_status

    for status in ("planned", "in_progress", "shipped"):
        idea_set_status(idea=idea, changed_by=by, status=status, note=f"Now {status}.")
    return idea


def home_world(alice, rita):
    """A shipped idea, a release note, a prototype alice rated and one she did not."""
    from prototypes.services import rating_save

    from ..prototypes.helpers import make_prototype

    shipped = ship(make_idea(title="Offline maps over Wi-Fi"), rita)
    tried = make_prototype(title="A new shutter screen")
    make_prototype(title="A calmer lock screen")
    version = tried.variants.first().current_version
    rating_save(member=alice, version=version, score=4, would_use=True)
    return shipped, tried


def test_the_home_page_explains_the_community_and_shows_what_is_happening(client, alice, rita, wagtail_site):
    shipped, tried = home_world(alice, rita)
    client.force_login(alice)
    response = client.get("/")
    page = response.content.decode()
    # What it is for and how it works, in three steps edited in Wagtail (defaults until then).
    assert "<title>Cocreate — Shape what we build next</title>" in page
    assert "tell the teams behind our products what to build next" in page
    assert [title for title, _text in response.context["page"].steps()] == [
        "Share an idea",
        "Vote and discuss",
        "See it built",
    ]
    assert page.count("<li><h3>") == 3
    # Recently shipped, from the ideas' statuses.
    assert "Recently shipped" in page and shipped.title in page
    # Prototypes open for testing, each with a picture, and a mark on the one alice took part in.
    assert [p.title for p in response.context["prototypes"]] == [
        "A calmer lock screen",
        "A new shutter screen",
    ]
    assert page.count('class="card-picture"') == 2
    assert page.count("You took part") == 1 and [p.taken_part for p in response.context["prototypes"]] == [
        False,
        True,
    ]


def test_the_home_page_steps_are_edited_in_wagtail(client, wagtail_site):
    wagtail_site.step_2_title = "Support what you need"
    wagtail_site.save_revision().publish()
    assert "Support what you need" in client.get("/").content.decode()


def test_the_home_page_costs_a_fixed_number_of_queries(client, alice, rita, wagtail_site):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..prototypes.helpers import make_prototype

    home_world(alice, rita)
    client.force_login(alice)

    def home_queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    home_queries()  # what is cached per member is cached now
    few = home_queries()
    make_prototype(title="A third prototype")
    ship(make_idea(title="Another shipped idea"), rita)
    assert home_queries() == few
    # pinned: rows, campaigns, shipped, releases and prototype cards in batches; +1 Wagtail's locale (i18n).
    # 21 on SQLite, 20 on PostgreSQL (one query fewer before the page itself, as on the staff pages).
    assert few <= 21, few
