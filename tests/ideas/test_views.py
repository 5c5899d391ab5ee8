import pytest
from django.urls import reverse

from ideas.models import Comment, Idea
from voting.services import vote_cast

from ..factories import MemberFactory, SegmentFactory, make_idea

pytestmark = pytest.mark.django_db


def list_titles(response):
    return [idea.title for idea in response.context["page"].ideas]


class TestIdeaList:
    def test_lists_ideas_sorted_by_votes_with_top(self, client, alice, bob):
        quiet = make_idea(title="Quiet idea")
        loud = make_idea(title="Loud idea")
        vote_cast(member=alice, idea_id=loud.pk)
        vote_cast(member=bob, idea_id=loud.pk)
        vote_cast(member=alice, idea_id=quiet.pk)
        response = client.get("/ideas/?sort=top")
        assert response.status_code == 200
        assert list_titles(response) == ["Loud idea", "Quiet idea"]
        assert b"Loud idea" in response.content

    def test_new_sort_shows_latest_first(self, client):
        make_idea(title="First")
        make_idea(title="Second")
        assert list_titles(client.get("/ideas/?sort=new")) == ["Second", "First"]

    def test_filters_by_status_tag_and_segment(self, client, rita):
        cameras = SegmentFactory(slug="photographers")
        tagged = make_idea(title="Tagged", tags=["camera"], segment=cameras)
        make_idea(title="Other")
        from ideas.services import idea_set_status

        idea_set_status(idea=tagged, changed_by=rita, status="planned", note="On the roadmap.")
        assert list_titles(client.get("/ideas/?tag=camera")) == ["Tagged"]
        assert list_titles(client.get("/ideas/?segment=photographers")) == ["Tagged"]
        assert list_titles(client.get("/ideas/?status=planned")) == ["Tagged"]
        assert list_titles(client.get("/ideas/?status=shipped")) == []

    def test_hidden_and_merged_ideas_are_not_listed(self, client):
        make_idea(title="Visible")
        Idea.objects.filter(pk=make_idea(title="Hidden").pk).update(visibility="hidden")
        Idea.objects.filter(pk=make_idea(title="Merged").pk).update(status="merged")
        assert list_titles(client.get("/ideas/")) == ["Visible"]

    @pytest.mark.parametrize("sort", ["hot", "top", "new"])
    def test_keyset_pages_cover_every_idea_once(self, client, settings, sort):
        settings.IDEAS_PAGE_SIZE = 3
        author = MemberFactory()
        for n in range(8):
            make_idea(author=author, title=f"Idea {n}")
        seen, url = [], f"/ideas/?sort={sort}"
        while url:
            response = client.get(url)
            seen += list_titles(response)
            cursor = response.context["page"].next_cursor
            url = f"/ideas/?sort={sort}&cursor={cursor}" if cursor else None
        assert sorted(seen) == sorted(f"Idea {n}" for n in range(8))
        assert len(seen) == 8

    @pytest.mark.parametrize(
        "query",
        ["cursor=not-a-cursor", "cursor=WzEsIngiXQ", "status=nonsense", "tag=%3Cscript%3E", "sort=sideways"],
    )
    def test_bad_parameters_get_a_clear_answer_not_a_500(self, client, query):
        make_idea()
        response = client.get(f"/ideas/?{query}")
        if query == "sort=sideways":
            assert response.status_code == 200  # unknown sort falls back to hot
        else:
            assert response.status_code == 400
            assert b"form-errors" in response.content

    @pytest.mark.parametrize("cached_member, queries", [(0, 4), (600, 3)])
    def test_queries_do_not_grow_with_ideas(
        self, settings, client, alice, django_assert_num_queries, cached_member, queries
    ):
        settings.MEMBER_CACHE_SECONDS = cached_member  # without it, loading the member is a query
        segments = SegmentFactory.create_batch(3)
        client.force_login(alice)
        client.get("/ideas/")  # warm the session and segment caches
        for n in range(3):
            vote_cast(member=alice, idea_id=make_idea(title=f"Idea {n}", tags=["a", "b"]).pk)
        with django_assert_num_queries(queries):  # (member,) ideas, tags, my votes
            small = client.get("/ideas/")
        for n in range(15):
            make_idea(title=f"More {n}", tags=["c"], segment=segments[n % 3])
        with django_assert_num_queries(queries):
            big = client.get("/ideas/")
        assert len(big.context["page"].ideas) == 18 > len(small.context["page"].ideas)

    def test_anonymous_list_queries(self, client, django_assert_max_num_queries):
        for n in range(5):
            make_idea(title=f"Idea {n}", tags=["x"])
        with django_assert_max_num_queries(3):  # ideas, tags, segments (cold cache)
            assert client.get("/ideas/").status_code == 200
        with django_assert_max_num_queries(2):
            assert client.get("/ideas/?sort=new").status_code == 200


class TestIdeaDetail:
    def test_shows_idea_comments_and_redirects_to_slug(self, client, alice):
        idea = make_idea(title="Night mode for moving subjects", body="Blur **everywhere**")
        from ideas.services import comment_post

        comment_post(author=alice, idea=idea, body="Yes please")
        response = client.get(f"/ideas/{idea.pk}/", follow=True)
        assert response.redirect_chain[0][0].endswith(f"/ideas/{idea.pk}-night-mode-for-moving-subjects/")
        assert b"<strong>everywhere</strong>" in response.content
        assert b"Yes please" in response.content

    def test_missing_and_hidden_ideas_are_404(self, client, alice):
        assert client.get("/ideas/999999/").status_code == 404
        hidden = make_idea(author=alice)
        Idea.objects.filter(pk=hidden.pk).update(visibility="hidden")
        assert client.get(hidden.get_absolute_url()).status_code == 404
        client.force_login(alice)  # the author still sees their own hidden idea
        assert client.get(hidden.get_absolute_url()).status_code == 200

    def test_queries_do_not_grow_with_comments(
        self, client, alice, bob, django_assert_num_queries, django_assert_max_num_queries
    ):
        from ideas.services import comment_post

        idea = make_idea(tags=["x"])
        client.force_login(alice)
        client.get(idea.get_absolute_url())
        comment_post(author=alice, idea=idea, body="one")
        with django_assert_max_num_queries(6) as few:
            client.get(idea.get_absolute_url())
        for n in range(10):
            parent = comment_post(author=MemberFactory(), idea=idea, body=f"c{n}")
            comment_post(author=bob, idea=idea, body=f"reply {n}", parent=parent)
        with django_assert_num_queries(len(few)):
            response = client.get(idea.get_absolute_url())
        assert response.content.count(b'class="comment"') == 21


class TestPostingIdeas:
    def test_logged_out_visitors_are_sent_to_log_in(self, client):
        response = client.get("/ideas/new/")
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    def test_member_posts_an_idea(self, alice_client):
        response = alice_client.post(
            "/ideas/new/",
            {
                "title": "  Charge   limit at 80%  ",
                "body": "Protect the *battery*.",
                "tags": "battery, health",
            },
        )
        idea = Idea.objects.get()
        assert response.status_code == 302 and response["Location"] == idea.get_absolute_url()
        assert idea.title == "Charge limit at 80%"
        assert sorted(idea.tags.names()) == ["battery", "health"]
        assert "<em>battery</em>" in idea.body_html

    @pytest.mark.parametrize(
        "title, message",
        [
            ("", b"This field is required"),
            ("   ", b"This field is required"),
            ("x" * 141, b"at most 140 characters"),
        ],
    )
    def test_bad_titles_are_refused_and_the_text_kept(self, alice_client, title, message):
        response = alice_client.post("/ideas/new/", {"title": title, "body": "My carefully written text"})
        assert response.status_code == 400
        assert message in response.content
        assert b"My carefully written text" in response.content  # nothing the member wrote is lost
        assert not Idea.objects.exists()

    def test_script_in_markdown_is_rendered_inert(self, alice_client):
        alice_client.post("/ideas/new/", {"title": "XSS", "body": "<script>alert('x')</script>"})
        page = alice_client.get(Idea.objects.get().get_absolute_url())
        assert b"<script>alert" not in page.content
        assert b"&lt;script&gt;alert" in page.content

    def test_only_the_author_edits(self, client, alice, bob):
        idea = make_idea(author=alice, title="Original")
        client.force_login(bob)
        assert client.post(f"/ideas/{idea.pk}/edit/", {"title": "Hijacked", "body": "x"}).status_code == 403
        client.force_login(alice)
        assert client.post(f"/ideas/{idea.pk}/edit/", {"title": "Improved", "body": "y"}).status_code == 302
        idea.refresh_from_db()
        assert idea.title == "Improved"


class TestComments:
    def test_comment_and_reply(self, alice_client, bob):
        idea = make_idea(author=bob)
        alice_client.post(f"/ideas/{idea.pk}/comments/", {"body": "Great idea"})
        parent = Comment.objects.get()
        response = alice_client.post(f"/ideas/{idea.pk}/comments/", {"body": "And more", "parent": parent.pk})
        reply = Comment.objects.get(parent=parent)
        assert response["Location"].endswith(f"#comment-{reply.pk}")
        idea.refresh_from_db()
        assert idea.comment_count == 2

    def test_empty_comment_and_foreign_parent_are_refused(self, alice_client):
        idea, other = make_idea(), make_idea()
        from ideas.services import comment_post

        foreign = comment_post(author=MemberFactory(), idea=other, body="elsewhere")
        assert alice_client.post(f"/ideas/{idea.pk}/comments/", {"body": "  "}).status_code == 400
        response = alice_client.post(f"/ideas/{idea.pk}/comments/", {"body": "hi", "parent": foreign.pk})
        assert response.status_code == 400
        assert b"not on this idea" in response.content
        assert Comment.objects.filter(idea=idea).count() == 0

    def test_logged_out_cannot_comment(self, client):
        idea = make_idea()
        response = client.post(f"/ideas/{idea.pk}/comments/", {"body": "hi"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


class TestStatus:
    def test_only_staff_change_status(self, client, alice, rita):
        idea = make_idea()
        client.force_login(alice)
        assert client.post(f"/ideas/{idea.pk}/status/", {"status": "planned", "note": "x"}).status_code == 403
        client.force_login(rita)
        client.post(f"/ideas/{idea.pk}/status/", {"status": "planned", "note": "Coming in spring."})
        idea.refresh_from_db()
        assert idea.status == "planned"
        assert b"Coming in spring." in client.get(idea.get_absolute_url()).content
