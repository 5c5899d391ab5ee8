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


def test_seed_cms_demo_opens_a_campaign_with_ideas_and_keeps_a_closed_one(client, wagtail_site, adam):
    from cms.models import CampaignPage
    from products.models import Product

    camera = Product.objects.create(name="Camera app", slug="camera-app")
    ideas = [make_idea(title=f"Night idea {n}", product=camera) for n in range(3)]
    call_command("seed_cms_demo")
    call_command("seed_cms_demo")
    assert CampaignPage.objects.live().count() == 2
    open_campaign = CampaignPage.objects.get(title="Camera for night owls")
    assert open_campaign.is_open and not CampaignPage.objects.get(title="Battery life on the road").is_open
    in_campaign = set(Idea.objects.filter(campaign=open_campaign).values_list("pk", flat=True))
    assert in_campaign == {idea.pk for idea in ideas}
    home = client.get("/").content.decode()
    assert "Open campaigns" in home and "Camera for night owls" in home
    assert "Battery life on the road" not in home
