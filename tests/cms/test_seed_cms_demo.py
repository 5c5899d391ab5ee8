import pytest
from django.core.management import call_command

from cms.models import ReleaseAnnouncement, ReleaseNotePage, RoadmapPage
from ideas.models import Idea

from ..factories import make_idea

pytestmark = pytest.mark.django_db


def test_seed_cms_demo_makes_a_roadmap_and_a_release(client, wagtail_site, adam):
    idea = make_idea(title="Offline maps")
    call_command("seed_cms_demo")
    call_command("seed_cms_demo")  # a second run changes nothing
    assert RoadmapPage.objects.live().count() == 1 and ReleaseNotePage.objects.live().count() == 1
    assert ReleaseAnnouncement.objects.count() == 1
    assert Idea.objects.get(pk=idea.pk).status == Idea.Status.SHIPPED
    assert client.get("/roadmap/").status_code == 200
    assert "Spring release" in client.get("/changelog/").content.decode()
