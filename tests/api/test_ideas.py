import pytest

from ideas.models import Comment, Follow, Idea
from tests.factories import MemberFactory, ProductFactory, make_idea

pytestmark = pytest.mark.django_db


def test_list_shows_listed_ideas_with_count_and_cursor(api, alice, settings):
    settings.IDEAS_PAGE_SIZE = 2
    ideas = [make_idea(author=alice, title=f"Idea {n}") for n in range(3)]
    hidden = make_idea(author=alice, title="Hidden")
    Idea.objects.filter(pk=hidden.pk).update(visibility="hidden")
    first = api.get("/ideas?sort=new&count=true")
    assert first.status_code == 200, first.content
    assert first.json()["count"] == 3
    assert [i["title"] for i in first.json()["results"]] == ["Idea 2", "Idea 1"]
    cursor = first.json()["next_cursor"]
    second = api.get(f"/ideas?sort=new&cursor={cursor}").json()
    assert [i["id"] for i in second["results"]] == [ideas[0].pk]
    assert second["next_cursor"] is None and second["count"] is None  # counted only when asked


def test_list_filters_by_product_and_status(api, alice):
    product = ProductFactory(slug="camera")
    make_idea(author=alice, title="On camera", product=product)
    make_idea(author=alice, title="Elsewhere")
    body = api.get("/ideas?product=camera&count=true").json()
    assert [i["title"] for i in body["results"]] == ["On camera"] and body["count"] == 1
    assert api.get("/ideas?status=planned&count=true").json()["count"] == 0


def test_bad_filters_are_problems(api):
    response = api.get("/ideas?sort=sideways")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "sort"
    broken = api.get("/ideas?cursor=!!!")
    assert broken.status_code == 422 and broken.json()["errors"][0]["field"] == "cursor"


def test_detail_respects_visibility(api, alice, bob, mona):
    idea = make_idea(author=alice)
    Idea.objects.filter(pk=idea.pk).update(visibility="hidden")
    assert api.get(f"/ideas/{idea.pk}").status_code == 404
    assert api.as_(bob).get(f"/ideas/{idea.pk}").status_code == 404
    assert api.as_(alice).get(f"/ideas/{idea.pk}").json()["visibility"] == "hidden"
    # A moderator sees hidden ideas with the staff scope only.
    assert api.as_(mona, ["read"]).get(f"/ideas/{idea.pk}").status_code == 404
    assert api.as_(mona, ["read", "staff"]).get(f"/ideas/{idea.pk}").status_code == 200


def test_create_edit_and_the_authors_rule(api, alice, bob):
    as_alice = api.as_(alice)
    created = as_alice.post("/ideas", json={"title": "Night mode", "body": "Dark **please**", "tags": ["ui"]})
    assert created.status_code == 201, created.content
    idea_id = created.json()["id"]
    assert created.json()["tags"] == ["ui"] and created.json()["following"] is True
    edited = as_alice.patch(f"/ideas/{idea_id}", json={"title": "Night mode everywhere"})
    assert edited.status_code == 200 and edited.json()["title"] == "Night mode everywhere"
    assert edited.json()["body"] == "Dark **please**"
    refused = api.as_(bob).patch(f"/ideas/{idea_id}", json={"title": "Mine now"})
    assert refused.status_code == 403
    assert Idea.objects.get(pk=idea_id).title == "Night mode everywhere"


def test_create_needs_write_scope_and_a_verified_member(api, alice, nora):
    assert api.as_(alice, ["read"]).post("/ideas", json={"title": "T", "body": "B"}).status_code == 403
    assert api.as_(nora).post("/ideas", json={"title": "T", "body": "B"}).status_code == 403
    assert api.post("/ideas", json={"title": "T", "body": "B"}).status_code == 401
    assert not Idea.objects.exists()


def test_vote_unvote(api, alice, bob):
    idea = make_idea(author=alice)
    as_bob = api.as_(bob)
    voted = as_bob.put(f"/ideas/{idea.pk}/vote", json={"value": 1})
    assert voted.status_code == 200, voted.content
    assert voted.json()["my_vote"] == 1 and voted.json()["upvotes"] == 1
    assert as_bob.get(f"/ideas/{idea.pk}").json()["my_vote"] == 1
    down = as_bob.put(f"/ideas/{idea.pk}/vote", json={"value": -1}).json()
    assert down["downvotes"] == 1 and down["upvotes"] == 0
    back = as_bob.delete(f"/ideas/{idea.pk}/vote").json()
    assert back["my_vote"] == 0 and back["votes"] == 0
    assert as_bob.put(f"/ideas/{idea.pk}/vote", json={"value": 2}).status_code == 422
    assert as_bob.put("/ideas/999999/vote", json={"value": 1}).status_code == 404


def test_voting_closed_is_a_conflict(api, alice, bob):
    idea = make_idea(author=alice)
    Idea.objects.filter(pk=idea.pk).update(status="declined")
    assert api.as_(bob).put(f"/ideas/{idea.pk}/vote", json={"value": 1}).status_code == 409


def test_follow_unfollow(api, alice, bob):
    idea = make_idea(author=alice)
    as_bob = api.as_(bob)
    assert as_bob.put(f"/ideas/{idea.pk}/follow").json() == {"idea": idea.pk, "following": True}
    assert Follow.objects.filter(idea=idea, member=bob).exists()
    as_bob.delete(f"/ideas/{idea.pk}/follow")
    assert not Follow.objects.filter(idea=idea, member=bob).exists()


def test_comments(api, alice, bob, rita):
    idea = make_idea(author=alice)
    posted = api.as_(bob).post(f"/ideas/{idea.pk}/comments", json={"body": "Yes!"})
    assert posted.status_code == 201, posted.content
    reply = api.as_(alice).post(
        f"/ideas/{idea.pk}/comments", json={"body": "Thanks", "parent": posted.json()["id"]}
    )
    assert reply.json()["parent"] == posted.json()["id"]
    listed = api.get(f"/ideas/{idea.pk}/comments").json()
    assert [c["author"]["name"] for c in listed["results"]] == ["Bob B.", "Alice A."]
    # Official responses are R&D's, and only with the staff scope.
    refused = api.as_(bob).post(f"/ideas/{idea.pk}/comments", json={"body": "Official", "official": True})
    assert refused.status_code == 403
    without_staff = api.as_(rita).post(f"/ideas/{idea.pk}/comments", json={"body": "Hi", "official": True})
    assert without_staff.status_code == 403
    official = api.as_(rita, ["read", "write", "staff"]).post(
        f"/ideas/{idea.pk}/comments", json={"body": "We're on it", "official": True}
    )
    assert official.status_code == 201 and official.json()["is_official"] is True
    assert Comment.objects.filter(idea=idea).count() == 3


def test_status_change_is_rnds(api, alice, rita):
    idea = make_idea(author=alice)
    payload = {"status": "under_review", "note": "Looking at it"}
    assert api.as_(alice, ["read", "write"]).post(f"/ideas/{idea.pk}/status", json=payload).status_code == 403
    assert api.as_(rita, ["read", "write"]).post(f"/ideas/{idea.pk}/status", json=payload).status_code == 403
    changed = api.as_(rita, ["read", "write", "staff"]).post(f"/ideas/{idea.pk}/status", json=payload)
    assert changed.status_code == 200, changed.content
    assert changed.json()["status"] == "under_review"
    assert Idea.objects.get(pk=idea.pk).status == "under_review"
    bad = api.as_(rita, ["read", "write", "staff"]).post(
        f"/ideas/{idea.pk}/status", json={"status": "merged", "note": "Back"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"


def test_catalog(api, alice, campaigns):
    ProductFactory(name="Camera", slug="camera")
    make_idea(author=alice, tags=["battery"])
    assert [p["slug"] for p in api.get("/products").json()] == ["camera"]
    assert [t["name"] for t in api.get("/tags").json()] == ["battery"]
    assert {c["slug"] for c in api.get("/campaigns").json()} == {"camera", "battery"}


def test_me_and_export(api, alice):
    assert api.get("/me").status_code == 401
    me = api.as_(alice, ["read"]).get("/me").json()
    assert me["username"] == "alice" and me["token_scopes"] == ["read"]
    assert api.as_(alice, ["read"]).get("/me/export").json()["profile"]["username"] == "alice"


@pytest.mark.parametrize("size", [3, 12])
def test_list_takes_a_fixed_number_of_queries(
    api, alice, size, django_assert_num_queries, django_assert_max_num_queries
):
    author = MemberFactory()
    for n in range(size):
        make_idea(author=author, title=f"Idea {n}", tags=[f"t{n}"])
    client = api.as_(alice, ["read"])
    client.get("/ideas")  # records the token's first use
    # token+member, ideas, tags, the caller's votes; and the count when asked for
    with django_assert_num_queries(4):
        assert len(client.get("/ideas").json()["results"]) == size
    # 4 when the token row comes from the shared cache (Redis), 5 when it is read again
    with django_assert_max_num_queries(5):
        assert client.get("/ideas?count=true").json()["count"] == size


def test_a_shared_copy_of_the_list_still_has_current_votes_and_my_own(api, alice, bob, settings):
    """Callers share a copy of each list page for a few seconds, as members share the list page; the
    counts and the caller's own vote are read fresh on every request."""
    from django.core.cache import cache

    from voting.services import vote_cast

    settings.MEMBER_LIST_CACHE_SECONDS = 60
    cache.clear()
    idea = make_idea(author=alice, title="Shared")
    as_bob = api.as_(bob, ["read"])
    assert [(i["votes"], i["my_vote"]) for i in as_bob.get("/ideas").json()["results"]] == [(0, 0)]
    vote_cast(member=bob, idea_id=idea.pk)
    Idea.objects.filter(pk=idea.pk).update(title="Renamed")  # the shared copy keeps its text a while
    rows = as_bob.get("/ideas").json()["results"]
    assert [(i["title"], i["votes"], i["upvotes"], i["my_vote"]) for i in rows] == [("Shared", 1, 1, 1)]
    assert [i["my_vote"] for i in api.as_(alice, ["read"]).get("/ideas").json()["results"]] == [0]


def test_the_list_answer_is_what_its_schema_says(api, alice, settings):
    """The list is sent without django-ninja validating it again: check it against IdeaPage here."""
    from api.schemas import IdeaPage

    settings.IDEAS_PAGE_SIZE = 2
    for n in range(3):
        make_idea(author=alice, title=f"Idea {n}", tags=["camera"])
    response = api.as_(alice, ["read"]).get("/ideas?count=true")
    assert response["Content-Type"] == "application/json"
    page = IdeaPage.model_validate(response.json())
    assert page.count == 3 and len(page.results) == 2 and page.next_cursor
    assert page.results[0].tags == ["camera"] and page.results[0].author.id == alice.pk
