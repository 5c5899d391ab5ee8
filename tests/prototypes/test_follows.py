"""Following prototypes from their page, and who hears about a newly published prototype (issue 18)."""

import pytest
from django.urls import reverse

from ideas.models import TopicFollow
from ideas.services import follow_set, follow_topic_set
from notifications.models import Notification
from prototypes import services
from prototypes.models import Prototype

from ..factories import MemberFactory, ProductFactory, make_idea
from .helpers import make_prototype, publisher

pytestmark = pytest.mark.django_db


def test_a_prototype_is_followed_and_unfollowed_from_its_page(client, alice):
    prototype = make_prototype(title="Camera app")
    url = reverse("prototypes:follow", args=[prototype.pk])
    client.force_login(alice)
    page = client.get(prototype.get_absolute_url()).content.decode()
    assert f'action="{url}"' in page and "Follow “Camera app”" in page
    assert client.post(url, {"follow": "1"})["Location"] == prototype.get_absolute_url()
    assert "Following “Camera app”" in client.get(prototype.get_absolute_url()).content.decode()
    page = client.get(reverse("community:profile")).content.decode()
    assert "<h3>Prototypes</h3>" in page and f'href="{prototype.get_absolute_url()}"' in page
    client.post(url, {"follow": "0"})
    assert not TopicFollow.objects.filter(member=alice).exists()


def test_drafts_cannot_be_followed_by_customers(client, alice):
    draft = make_prototype(publish=False)
    client.force_login(alice)
    assert client.post(reverse("prototypes:follow", args=[draft.pk]), {"follow": "1"}).status_code == 404


def test_publishing_notifies_followers_of_its_product_and_ideas_once(
    django_capture_on_commit_callbacks, alice, bob
):
    product = ProductFactory()
    idea = make_idea(title="Night mode")  # its author follows it
    follow_topic_set(member=alice, target=product, following=True)
    follow_set(member=alice, idea=idea, following=True)  # alice: product and idea, told once
    follow_set(member=bob, idea=idea, following=True)
    MemberFactory()  # follows nothing
    by = publisher()
    draft = make_prototype(by=by, publish=False, product=product, linked_ideas=[idea])
    with django_capture_on_commit_callbacks(execute=True):
        services.prototype_publish(prototype=draft, by=by)
        services.prototype_publish(prototype=Prototype.objects.get(pk=draft.pk), by=by)  # again: no news
    notes = Notification.objects.filter(kind=Notification.Kind.NEW_PROTOTYPE)
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted([alice.pk, bob.pk, idea.author_id])
    assert notes.first().url == draft.get_absolute_url()


def test_the_follower_query_is_one_query(django_assert_num_queries):
    product = ProductFactory()
    ideas = [make_idea(title=f"Idea {n}") for n in range(3)]
    prototype = make_prototype(publish=False, product=product, linked_ideas=ideas)
    for _ in range(5):
        follow_topic_set(member=MemberFactory(), target=product, following=True)
    with django_assert_num_queries(1):
        ids = services.prototype_follower_ids(prototype)
    assert len(ids) == 8  # five product followers, three idea authors
