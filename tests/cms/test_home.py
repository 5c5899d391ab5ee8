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
