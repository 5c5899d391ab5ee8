"""Following tags, products, campaigns and segments: from their pages and from the profile, and what a
follower hears when an idea is filed under what they follow (issue 18, part 4)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from taggit.models import Tag

from ideas.models import TopicFollow
from ideas.services import follow_topic_set, topic_follower_ids
from notifications.models import Notification

from ..factories import MemberFactory, ProductFactory, SegmentFactory, make_idea

pytestmark = pytest.mark.django_db


def follow_button(page: str, url: str) -> bool:
    return f'action="{url}"' in page


def test_a_tag_is_followed_and_unfollowed_from_its_page(client, alice):
    make_idea(title="Night mode", tags=["camera"])
    tag = Tag.objects.get(slug="camera")
    client.force_login(alice)
    url = reverse("ideas:follow_tag", args=[tag.pk])
    page = client.get(reverse("ideas:list") + "?tag=camera").content.decode()
    assert follow_button(page, url) and "Follow “camera”" in page

    response = client.post(url, {"follow": "1", "next": "/ideas/?tag=camera"})
    assert response.status_code == 302 and response["Location"] == "/ideas/?tag=camera"
    page = client.get("/ideas/?tag=camera").content.decode()
    assert "Following “camera”" in page and 'aria-pressed="true"' in page
    assert TopicFollow.objects.filter(member=alice, tag=tag).count() == 1

    client.post(url, {"follow": "0", "next": "/ideas/?tag=camera"})
    assert not TopicFollow.objects.filter(member=alice).exists()
    assert "Follow “camera”" in client.get("/ideas/?tag=camera").content.decode()


def test_the_shared_member_list_fills_in_each_members_follow_button(client, alice, bob, settings):
    settings.MEMBER_LIST_CACHE_SECONDS = 60  # the list rendered once for every member, holes filled
    product = ProductFactory(name="Phone", slug="phone")
    make_idea(title="Bigger battery", product=product)
    follow_topic_set(member=alice, target=product, following=True)
    client.force_login(alice)
    assert "Following “Phone”" in client.get("/ideas/?product=phone").content.decode()
    client.force_login(bob)
    page = client.get("/ideas/?product=phone").content.decode()
    assert "Follow “Phone”" in page and "Bigger battery" in page
    assert "Following" not in page


def test_anonymous_visitors_see_no_follow_button(client):
    make_idea(title="Night mode", tags=["camera"])
    page = client.get("/ideas/?tag=camera").content.decode()
    assert "Night mode" in page and "follow-form" not in page


def test_a_product_is_followed_from_its_list(client, alice):
    product = ProductFactory(name="Phone", slug="phone")
    make_idea(title="Bigger battery", product=product)
    make_idea(title="Other product's idea", product=ProductFactory())
    client.force_login(alice)
    page = client.get("/ideas/?product=phone").content.decode()
    assert "Bigger battery" in page and "Other product's idea" not in page
    client.post(reverse("ideas:follow_product", args=[product.pk]), {"follow": "1"})
    assert TopicFollow.objects.get(member=alice).product == product


def test_a_campaign_is_followed(client, alice, campaigns):
    client.force_login(alice)
    response = client.post(reverse("ideas:follow_campaign", args=[campaigns["open"].pk]), {"follow": "1"})
    assert response.status_code == 302
    assert TopicFollow.objects.get(member=alice).campaign_id == campaigns["open"].pk
    assert client.post(reverse("ideas:follow_campaign", args=[999999]), {"follow": "1"}).status_code == 404


def test_segments_are_followed_by_customer_managers_only(client, alice, carl, rita):
    segment = SegmentFactory(name="Runners", slug="runners")
    url = reverse("ideas:follow_segment", args=[segment.pk])
    for member in (alice, rita):
        client.force_login(member)
        assert client.post(url, {"follow": "1"}).status_code == 403
        with pytest.raises(PermissionDenied):
            follow_topic_set(member=member, target=segment, following=True)
    client.force_login(carl)
    page = client.get(reverse("backlog:segment", args=["runners"])).content.decode()
    assert follow_button(page, url)
    assert client.post(url, {"follow": "1"}).status_code == 302
    assert TopicFollow.objects.filter(member=carl, segment=segment).exists()
    client.force_login(rita)
    assert not follow_button(client.get(reverse("backlog:segment", args=["runners"])).content.decode(), url)


def test_one_row_per_member_and_target_and_exactly_one_target(alice):
    product = ProductFactory()
    follow_topic_set(member=alice, target=product, following=True)
    follow_topic_set(member=alice, target=product, following=True)
    assert TopicFollow.objects.filter(member=alice).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        TopicFollow.objects.create(member=alice, product=product)
    with pytest.raises(IntegrityError), transaction.atomic():
        TopicFollow.objects.create(member=alice)  # no target
    with pytest.raises(IntegrityError), transaction.atomic():
        TopicFollow.objects.create(member=alice, product=ProductFactory(), segment=SegmentFactory())


def test_the_profile_lists_what_a_member_follows_and_unfollows_it(client, carl, campaigns):
    idea = make_idea(title="Night mode", tags=["camera"])
    product = ProductFactory(name="Phone", slug="phone")
    segment = SegmentFactory(name="Runners", slug="runners")
    for target in (Tag.objects.get(slug="camera"), product, segment, campaigns["open"]):
        follow_topic_set(member=carl, target=target, following=True)
    client.force_login(carl)
    client.post(reverse("ideas:follow", args=[idea.pk]), {"follow": "1"})
    page = client.get(reverse("community:profile")).content.decode()
    for heading in ("Ideas", "Tags", "Products", "Campaigns", "Segments"):
        assert f"<h3>{heading}</h3>" in page
    assert 'href="/ideas/?tag=camera"' in page and 'href="/ideas/?product=phone"' in page
    assert f'href="{reverse("backlog:segment", args=["runners"])}"' in page
    assert f'href="{idea.get_absolute_url()}"' in page

    profile = reverse("community:profile")
    for url in (reverse("ideas:follow_product", args=[product.pk]), reverse("ideas:follow", args=[idea.pk])):
        assert f'action="{url}"' in page
        response = client.post(url, {"follow": "0", "next": profile})
        assert response["Location"] == profile
    page = client.get(profile).content.decode()
    assert "<h3>Products</h3>" not in page and "<h3>Ideas</h3>" not in page and "<h3>Tags</h3>" in page


def test_new_idea_notifies_each_follower_once_never_the_author(
    django_capture_on_commit_callbacks, alice, bob, carl, campaigns
):
    product, segment = ProductFactory(), SegmentFactory()
    camera, _ = Tag.objects.get_or_create(name="camera", slug="camera")
    battery, _ = Tag.objects.get_or_create(name="battery", slug="battery")
    stranger = MemberFactory()
    for target in (camera, battery, product, campaigns["open"]):  # alice follows four matching things
        follow_topic_set(member=alice, target=target, following=True)
    follow_topic_set(member=bob, target=battery, following=True)
    follow_topic_set(member=carl, target=segment, following=True)
    follow_topic_set(member=stranger, target=ProductFactory(), following=True)  # something else
    author = MemberFactory()
    follow_topic_set(member=author, target=camera, following=True)

    with django_capture_on_commit_callbacks(execute=True):
        idea = make_idea(
            author=author,
            title="Dual camera",
            tags=["camera", "battery"],
            product=product,
            segment=segment,
            campaign=campaigns["open"],
        )
    notified = Notification.objects.filter(kind=Notification.Kind.NEW_IDEA)
    assert sorted(notified.values_list("recipient_id", flat=True)) == sorted([alice.pk, bob.pk, carl.pk])
    note = notified.get(recipient=alice)
    assert note.url == idea.get_absolute_url() and "Dual camera" in note.message


def test_an_idea_under_nothing_followed_notifies_nobody(django_capture_on_commit_callbacks, alice):
    follow_topic_set(member=alice, target=ProductFactory(), following=True)
    with django_capture_on_commit_callbacks(execute=True):
        make_idea(title="Unfiled")  # no product, segment, campaign or tag: `x IS NULL` must not match
    assert not Notification.objects.filter(kind=Notification.Kind.NEW_IDEA).exists()


@pytest.mark.parametrize("follows", [3, 30])
def test_the_fan_out_is_one_query_however_many_follows(django_assert_num_queries, follows):
    product = ProductFactory()
    tags = [f"tag{n}" for n in range(5)]
    idea = make_idea(title="Many tags", tags=tags, product=product)
    for n in range(follows):
        member = MemberFactory()
        follow_topic_set(member=member, target=Tag.objects.get(slug=tags[n % 5]), following=True)
        follow_topic_set(member=member, target=product, following=True)
    with django_assert_num_queries(1):
        ids = topic_follower_ids(idea)
    assert len(ids) == follows
