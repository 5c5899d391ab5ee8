"""The shared page caches: what members and visitors see while a list or an idea page is cached."""

import re

import pytest
from django.test import Client

from ideas import page_cache
from notifications.services import unread_cache_key
from voting.models import Vote
from voting.services import vote_cast

from ..factories import make_idea

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """The page caches' wall clock, moved by hand."""
    now = [1_000_000.0]
    monkeypatch.setattr(page_cache, "now", lambda: now[0])
    return now


@pytest.fixture
def caches_on(settings):
    settings.ANONYMOUS_LIST_CACHE_SECONDS = 3
    settings.ANONYMOUS_IDEA_CACHE_SECONDS = 3
    settings.MEMBER_LIST_CACHE_SECONDS = 3
    settings.MEMBER_IDEA_CACHE_SECONDS = 3


def member_client(member):
    client = Client()
    client.force_login(member)
    return client


def vote_box(html: str, idea) -> str:
    match = re.search(rf'<div class="vote" data-vote-box="{idea.pk}">.*?</div>', html, re.S)
    assert match, f"no vote box for idea {idea.pk}"
    return match.group(0)


def voted(box: str) -> bool:
    assert ">Voted<" in box or ">Vote<" in box
    return 'aria-pressed="true"' in box and ">Voted<" in box


def csrf_in(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


class TestMemberList:
    def test_each_member_sees_their_own_votes_and_token_in_the_shared_list(self, caches_on, alice, bob):
        first, second = make_idea(title="First idea"), make_idea(title="Second idea")
        vote_cast(member=alice, idea_id=first.pk)
        vote_cast(member=bob, idea_id=second.pk)
        alice_client, bob_client = member_client(alice), member_client(bob)

        alice_page = alice_client.get("/ideas/").content.decode()  # renders and caches the rows
        bob_page = bob_client.get("/ideas/").content.decode()  # from the cached rows

        assert voted(vote_box(alice_page, first)) and not voted(vote_box(alice_page, second))
        assert not voted(vote_box(bob_page, first)) and voted(vote_box(bob_page, second))
        assert f'action="/ideas/{first.pk}/unvote/"' in vote_box(alice_page, first)
        # Every vote form carries the viewer's own token, which the server accepts without JavaScript.
        assert csrf_in(alice_page) and "csrf-token" not in alice_page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', vote_box(bob_page, first)).group(1)
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(bob)
        strict.cookies.load(bob_client.cookies)
        response = strict.post(
            f"/ideas/{first.pk}/vote/", {"value": "1", "csrfmiddlewaretoken": token, "next": "/ideas/"}
        )
        assert response.status_code == 302 and response["Location"] == "/ideas/"
        assert Vote.objects.filter(idea=first, member=bob).exists()

    def test_my_vote_and_the_new_count_show_at_once_although_the_rows_are_cached(
        self, caches_on, clock, alice, bob
    ):
        idea = make_idea(title="Longer battery life")
        vote_cast(member=bob, idea_id=idea.pk)
        alice_client = member_client(alice)
        assert '">1</span>' in vote_box(alice_client.get("/ideas/").content.decode(), idea)

        # Without JavaScript: the form posts, and the redirect lands on the (still cached) list.
        response = alice_client.post(
            f"/ideas/{idea.pk}/vote/", {"value": "1", "next": "/ideas/"}, follow=True
        )
        box = vote_box(response.content.decode(), idea)
        assert '">2</span>' in box and voted(box)

    def test_a_new_idea_appears_once_the_cached_rows_are_three_seconds_old(self, caches_on, clock, alice):
        make_idea(title="Old idea")
        alice_client = member_client(alice)
        assert "Old idea" in alice_client.get("/ideas/?sort=new").content.decode()
        make_idea(title="Brand-new idea")
        clock[0] += 2
        assert "Brand-new idea" not in alice_client.get("/ideas/?sort=new").content.decode()
        clock[0] += 1.5
        assert "Brand-new idea" in alice_client.get("/ideas/?sort=new").content.decode()

    def test_a_cached_list_costs_one_query(self, caches_on, member_cache, alice, django_assert_num_queries):
        for n in range(5):
            vote_cast(member=alice, idea_id=make_idea(title=f"Idea {n}", tags=["x"]).pk)
        alice_client = member_client(alice)
        alice_client.get("/ideas/?sort=new")  # warm the session and segment caches
        with django_assert_num_queries(3):  # ideas, tags, votes (count and mine); the member is cached
            alice_client.get("/ideas/")
        with django_assert_num_queries(1):  # votes
            page = alice_client.get("/ideas/").content.decode()
        assert page.count('aria-pressed="true"') == 5

    def test_a_list_the_process_holds_asks_the_cache_only_for_the_member(
        self, caches_on, clock, member_cache, alice, cache_calls, django_assert_num_queries
    ):
        for n in range(3):
            vote_cast(member=alice, idea_id=make_idea(title=f"Idea {n}").pk)
        alice_client = member_client(alice)
        alice_client.get("/ideas/")  # renders the copy; the member and their unread count are cached
        cache_calls.clear()
        with django_assert_num_queries(1):  # the votes
            page = alice_client.get("/ideas/").content.decode()
        assert page.count('aria-pressed="true"') == 3 and "Alice A." in page
        # The session; then the member, with their unread count. Nothing for the page or its header.
        assert [name for name, _keys in cache_calls] == ["get", "get_many"]
        assert cache_calls[0][1][0].startswith("django.contrib.sessions.cached_db")
        assert unread_cache_key(alice.pk) in cache_calls[1][1]

        clock[0] += 3.5  # the copy is stale: the cache is asked which copy is current
        cache_calls.clear()
        alice_client.get("/ideas/")
        assert "idea-list:members" in " ".join(" ".join(keys) for _name, keys in cache_calls)

    def test_members_walk_the_pages(self, caches_on, settings, alice):
        settings.IDEAS_PAGE_SIZE = 2
        for n in range(5):
            make_idea(title=f"Idea {n}")
        alice_client, seen, url = member_client(alice), [], "/ideas/?sort=new"
        while url:
            html = alice_client.get(url).content.decode()
            seen += re.findall(r'<h2 class="idea-title"><a href="[^"]+">([^<]+)</a>', html)
            next_link = re.search(r'rel="next" href="([^"]+)"', html)
            url = "/ideas/" + next_link.group(1).replace("&amp;", "&") if next_link else None
        assert seen == [f"Idea {n}" for n in reversed(range(5))]

    def test_bad_filters_are_refused_and_not_cached(self, caches_on, alice):
        alice_client = member_client(alice)
        for _ in range(2):
            response = alice_client.get("/ideas/?cursor=not-a-cursor")
            assert response.status_code == 400 and b"form-errors" in response.content

    def test_rows_render_alike_cached_or_not(self, caches_on, settings, alice):
        """The assembled list is what the template renders directly (apart from the CSRF tokens)."""
        idea = make_idea(title="Same <b>either</b> way", tags=["a"])
        vote_cast(member=alice, idea_id=idea.pk)
        make_idea(title="Another")
        alice_client = member_client(alice)
        assembled = alice_client.get("/ideas/").content.decode()
        from django.template.loader import render_to_string
        from django.test import RequestFactory

        from ideas import selectors
        from ideas.forms import IdeaFilterForm

        request = RequestFactory().get("/ideas/")
        request.user = alice
        form = IdeaFilterForm({})
        form.is_valid()
        direct = render_to_string(
            "ideas/_list_body.html",
            {
                "filter_form": form,
                "filters": form.cleaned_data,
                "page": selectors.idea_list_page(user=alice),
                "segments": [],
                "user": alice,
            },
            request,
        )

        def rows(html):
            html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
            return re.search(r'<ol class="idea-list".*?</ol>', html, re.S).group(0)

        assert rows(assembled) == rows(direct)
        assert "Same &lt;b&gt;either&lt;/b&gt; way" in rows(assembled)


class TestStaleWhileRevalidate:
    def test_one_request_renders_while_the_others_get_the_stale_copy(self, caches_on, clock):
        renders = []

        def render():
            renders.append(clock[0])
            return f"copy {len(renders)}"

        def get():
            return page_cache.get_or_render("k", render, fresh_seconds=3)

        assert get() == "copy 1"
        clock[0] += 3.5  # stale
        from django.core.cache import cache

        assert cache.add("k:lock", 1, 10)  # another request is rendering right now
        assert get() == "copy 1" and len(renders) == 1
        cache.delete("k:lock")
        assert get() == "copy 2" and len(renders) == 2  # this one takes the lock and renders
        assert get() == "copy 2"
        clock[0] += 3 + page_cache.STALE_SECONDS  # too old to serve even while someone renders
        cache.add("k:lock", 1, 10)
        assert get() == "copy 3"


class TestAnonymousPages:
    def test_anonymous_list_is_served_from_the_cache(self, caches_on, clock, django_assert_num_queries):
        make_idea(title="Cached for visitors")
        client = Client()
        assert b"Cached for visitors" in client.get("/ideas/").content
        with django_assert_num_queries(0):
            assert b"Cached for visitors" in client.get("/ideas/").content

    def test_anonymous_idea_page_is_cached_and_shows_new_comments_within_seconds(
        self, caches_on, clock, alice, django_assert_num_queries
    ):
        from ideas.services import comment_post

        idea = make_idea(title="Cached idea page")
        client = Client()
        url = idea.get_absolute_url()
        assert client.get(url).status_code == 200
        comment_post(author=alice, idea=idea, body="A fresh comment")
        with django_assert_num_queries(0):
            assert b"A fresh comment" not in client.get(url).content
        clock[0] += 3.5
        assert b"A fresh comment" in client.get(url).content

    def test_members_never_get_the_anonymous_idea_page(self, caches_on, alice):
        idea = make_idea(title="Vote on me")
        Client().get(idea.get_absolute_url())
        page = member_client(alice).get(idea.get_absolute_url()).content.decode()
        assert "/accounts/login/" not in vote_box(page, idea) and csrf_in(page)

    def test_hidden_ideas_are_not_served_from_the_cache_after_hiding(self, caches_on, clock):
        from ideas.models import Idea

        idea = make_idea(title="Soon hidden")
        client = Client()
        assert client.get(idea.get_absolute_url()).status_code == 200
        Idea.objects.filter(pk=idea.pk).update(visibility="hidden")
        clock[0] += 3.5
        assert client.get(idea.get_absolute_url()).status_code == 404


class TestDiscussion:
    """The idea page is rendered once for every member who is not staff; each sees their own parts."""

    def test_only_my_own_comments_have_an_edit_link(self, alice, bob):
        from ideas.services import comment_post

        idea = make_idea()
        mine = comment_post(author=alice, idea=idea, body="Mine")
        theirs = comment_post(author=bob, idea=idea, body="Theirs")
        edit = "/ideas/{}/comments/{}/edit/"
        for viewer, own, other in [(alice, mine, theirs), (bob, theirs, mine)]:
            page = member_client(viewer).get(idea.get_absolute_url()).content.decode()
            assert page.count(">Edit</a>") >= 1
            assert f'href="{edit.format(idea.pk, own.pk)}"' in page
            assert f'href="{edit.format(idea.pk, other.pk)}"' not in page
        anonymous = Client().get(idea.get_absolute_url()).content.decode()
        assert "Mine" in anonymous and "/edit/" not in anonymous

    def test_edits_and_hiding_show_at_once(self, alice, bob):
        from ideas.models import Comment
        from ideas.services import comment_post, comment_update

        idea = make_idea()
        comment = comment_post(author=bob, idea=idea, body="First version")
        alice_client = member_client(alice)
        assert "First version" in alice_client.get(idea.get_absolute_url()).content.decode()
        comment_update(comment=comment, editor=bob, body="Second version")
        page = alice_client.get(idea.get_absolute_url()).content.decode()
        assert "Second version" in page and "First version" not in page
        Comment.objects.filter(pk=comment.pk).update(visibility="hidden")
        assert "Second version" not in alice_client.get(idea.get_absolute_url()).content.decode()
        # Bob still sees his own hidden comment (with its badge), and the others do not.
        assert "Second version" in member_client(bob).get(idea.get_absolute_url()).content.decode()

    def test_moderators_get_pin_buttons(self, alice, mona):
        from ideas.services import comment_post

        idea = make_idea()
        comment_post(author=alice, idea=idea, body="Pin me")
        member_page = member_client(alice).get(idea.get_absolute_url()).content.decode()
        assert "/pin/" not in member_page
        staff_page = member_client(mona).get(idea.get_absolute_url()).content.decode()
        assert "/pin/" in staff_page


class TestSharedDiscussionAndModeration:
    """The discussion is rendered once for members; each keeps Edit on their own comments and Flag on
    the others', and the author of a hidden comment reads the moderator's reason."""

    def test_edit_and_flag_links_per_viewer(self, alice, bob, client):
        from ideas.services import comment_post

        idea = make_idea(author=alice)
        mine = comment_post(author=alice, idea=idea, body="Alice's comment")
        theirs = comment_post(author=bob, idea=idea, body="Bob's comment")
        edit_mine, flag_mine = f"/comments/{mine.pk}/edit/", f"/moderation/flag/comment/{mine.pk}/"
        edit_theirs, flag_theirs = f"/comments/{theirs.pk}/edit/", f"/moderation/flag/comment/{theirs.pk}/"
        alice_page = member_client(alice).get(idea.get_absolute_url()).content.decode()
        bob_page = member_client(bob).get(idea.get_absolute_url()).content.decode()  # from the cache
        anonymous = client.get(idea.get_absolute_url()).content.decode()
        assert edit_mine in alice_page and flag_theirs in alice_page
        assert flag_mine not in alice_page and edit_theirs not in alice_page
        assert edit_theirs in bob_page and flag_mine in bob_page
        assert flag_theirs not in bob_page and edit_mine not in bob_page
        assert "/moderation/flag/" not in anonymous and "/edit/" not in anonymous.split("comments-title")[1]

    def test_the_author_of_a_hidden_comment_reads_why_others_see_a_tombstone(self, alice, bob, mona):
        from ideas.services import comment_post
        from moderation import services

        idea = make_idea(author=alice)
        rude = comment_post(author=bob, idea=idea, body="Rude words")
        comment_post(author=alice, idea=idea, body="A calm reply", parent=rude)
        alice_page = member_client(alice).get(idea.get_absolute_url()).content.decode()
        assert "Rude words" in alice_page
        services.content_hide(moderator=mona, kind="comment", object_id=rude.pk, reason="Name-calling")
        bob_page = member_client(bob).get(idea.get_absolute_url()).content.decode()
        alice_page = member_client(alice).get(idea.get_absolute_url()).content.decode()
        assert "Rude words" in bob_page and "Name-calling" in bob_page
        assert "Rude words" not in alice_page and "hidden by a moderator" in alice_page
        assert "A calm reply" in alice_page


def comment_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="comment-(\d+)"', html)]


class TestMemberIdeaPage:
    """Members share one copy of an idea page for a few seconds; what they did themselves shows at once."""

    def test_my_new_comment_shows_at_once_with_its_edit_link(self, caches_on, clock, alice, bob):
        from ideas.services import comment_post

        idea = make_idea()
        comment_post(author=bob, idea=idea, body="Bob was here")
        alice_client, bob_client = member_client(alice), member_client(bob)
        assert "Bob was here" in alice_client.get(idea.get_absolute_url()).content.decode()  # kept

        # Without JavaScript: the form posts, and the redirect lands on the idea page.
        response = alice_client.post(f"/ideas/{idea.pk}/comments/", {"body": "Alice replies"}, follow=True)
        page = response.content.decode()
        mine = idea.comments.get(body="Alice replies")
        assert "Alice replies" in page and f"/comments/{mine.pk}/edit/" in page
        assert f"/moderation/flag/comment/{mine.pk}/" not in page
        # Bob gets the new copy too (it was rendered for everyone), with Flag on Alice's comment.
        bob_page = bob_client.get(idea.get_absolute_url()).content.decode()
        assert (
            f"/moderation/flag/comment/{mine.pk}/" in bob_page
            and f"/comments/{mine.pk}/edit/" not in bob_page
        )

    def test_others_comments_show_once_the_copy_is_three_seconds_old(self, caches_on, clock, alice, bob):
        from ideas.services import comment_post

        idea = make_idea()
        alice_client = member_client(alice)
        alice_client.get(idea.get_absolute_url())
        comment_post(author=bob, idea=idea, body="Late news")
        clock[0] += 2
        assert "Late news" not in alice_client.get(idea.get_absolute_url()).content.decode()
        clock[0] += 1.5
        assert "Late news" in alice_client.get(idea.get_absolute_url()).content.decode()

    def test_my_vote_and_follow_show_at_once(self, caches_on, clock, alice, bob):
        idea = make_idea()
        vote_cast(member=bob, idea_id=idea.pk)
        alice_client = member_client(alice)
        url = idea.get_absolute_url()
        box = vote_box(alice_client.get(url).content.decode(), idea)
        assert not voted(box) and '">1</span>' in box
        page = alice_client.post(
            f"/ideas/{idea.pk}/vote/", {"value": "1", "next": url}, follow=True
        ).content.decode()
        assert voted(vote_box(page, idea)) and '">2</span>' in vote_box(page, idea)
        assert 'aria-pressed="false">Follow<' in page
        page = alice_client.post(f"/ideas/{idea.pk}/follow/", {"follow": "1"}, follow=True).content.decode()
        assert 'aria-pressed="true">Following<' in page
        # Bob, reading the same copy, has his own vote and no follow.
        bob_page = member_client(bob).get(url).content.decode()
        assert voted(vote_box(bob_page, idea)) and 'aria-pressed="false">Follow<' in bob_page

    def test_the_author_gets_edit_and_history_the_others_flag(self, caches_on, clock, alice, bob):
        idea = make_idea(author=alice)
        alice_page = member_client(alice).get(idea.get_absolute_url()).content.decode()
        bob_page = member_client(bob).get(idea.get_absolute_url()).content.decode()
        assert f"/ideas/{idea.pk}/edit/" in alice_page and f"/ideas/{idea.pk}/history/" in alice_page
        assert f"/moderation/flag/idea/{idea.pk}/" not in alice_page
        assert f"/ideas/{idea.pk}/edit/" not in bob_page and f"/moderation/flag/idea/{idea.pk}/" in bob_page

    def test_the_forms_carry_the_members_own_token(self, caches_on, clock, alice, bob):
        idea = make_idea()
        member_client(alice).get(idea.get_absolute_url())
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(bob)
        page = strict.get(idea.get_absolute_url()).content.decode()
        form = re.search(r'<form method="post" action="/ideas/\d+/comments/".*?</form>', page, re.S).group(0)
        token = csrf_in(form).pop()
        response = strict.post(f"/ideas/{idea.pk}/comments/", {"csrfmiddlewaretoken": token, "body": "Works"})
        assert response.status_code == 302 and idea.comments.filter(body="Works", author=bob).exists()

    def test_a_kept_page_costs_one_query(
        self, caches_on, clock, member_cache, alice, bob, django_assert_num_queries
    ):
        from ideas.services import comment_post

        idea = make_idea(tags=["x"])
        for n in range(5):
            comment_post(author=bob, idea=idea, body=f"Comment {n}")
        alice_client = member_client(alice)
        alice_client.get(idea.get_absolute_url())
        with django_assert_num_queries(1):  # the member's vote, follow and comments, and the count
            page = alice_client.get(idea.get_absolute_url()).content.decode()
        assert page.count('class="comment"') == 5

    def test_a_page_the_process_holds_asks_the_cache_only_for_the_member(
        self, caches_on, clock, member_cache, alice, bob, cache_calls, django_assert_num_queries
    ):
        from ideas.services import comment_post

        idea = make_idea()
        comment_post(author=bob, idea=idea, body="Bob was here")
        alice_client = member_client(alice)
        alice_client.get(idea.get_absolute_url())
        cache_calls.clear()
        with django_assert_num_queries(1):  # the member's own state
            page = alice_client.get(idea.get_absolute_url()).content.decode()
        assert "Bob was here" in page and "Alice A." in page
        assert [name for name, _keys in cache_calls] == ["get", "get_many"]  # the session; the member

    def test_a_new_copy_costs_what_the_anonymous_page_costs(
        self, caches_on, clock, member_cache, alice, bob, client, django_assert_num_queries
    ):
        from ideas.services import comment_post, follow_set

        idea = make_idea(tags=["x"])
        for n in range(5):
            comment_post(author=bob, idea=idea, body=f"Comment {n}")
        vote_cast(member=alice, idea_id=idea.pk)
        follow_set(member=alice, idea=idea, following=True)
        alice_client = member_client(alice)
        alice_client.get(idea.get_absolute_url())
        clock[0] += 10  # the copy is gone: this request renders the page
        # the idea (with its images, timeline and prototypes asked as EXISTS, and the member's own vote,
        # follow and hidden comments), its tags, its comments: no query of the member's own
        with django_assert_num_queries(3):
            page = alice_client.get(idea.get_absolute_url()).content.decode()
        assert page.count('class="comment"') == 5
        # ... and the member's own parts are theirs, read with the copy; the copy itself is everyone's.
        assert voted(vote_box(page, idea)) and '">1</span>' in vote_box(page, idea)
        assert 'aria-pressed="true">Following<' in page
        with django_assert_num_queries(3):
            anonymous = client.get(idea.get_absolute_url()).content.decode()
        assert anonymous.count('class="comment"') == 5
        bob_page = member_client(bob).get(idea.get_absolute_url()).content.decode()  # alice's copy
        assert not voted(vote_box(bob_page, idea)) and '">1</span>' in vote_box(bob_page, idea)
        assert 'aria-pressed="false">Follow<' in bob_page

    def test_a_new_copy_renders_only_the_comments_that_changed(self, caches_on, clock, alice, bob):
        from ideas.services import comment_post, comment_update

        idea = make_idea()
        first = comment_post(author=bob, idea=idea, body="First *thoughts*")
        second = comment_post(author=alice, idea=idea, body="Second")
        alice_client, bob_client = member_client(alice), member_client(bob)

        def articles(response):
            return [t.name for t in response.templates].count("ideas/_comment_article.html")

        def threads(response):
            return [t.name for t in response.templates].count("ideas/_comment_lists.html")

        response = alice_client.get(idea.get_absolute_url())
        assert articles(response) == 2 and threads(response) == 1
        clock[0] += 10
        response = alice_client.get(idea.get_absolute_url())  # a new copy, nothing changed
        assert articles(response) == 0 and threads(response) == 0
        assert "First <em>thoughts</em>" in response.content.decode()
        clock[0] += 10
        comment_update(comment=first, editor=bob, body="First thoughts, edited")
        response = bob_client.get(idea.get_absolute_url())
        page = response.content.decode()
        assert articles(response) == 1  # only the edited one; the other is the kept fragment
        assert "First thoughts, edited" in page and "<em>thoughts</em>" not in page and "Second" in page
        # Kept fragments still get each viewer's links.
        assert f"/comments/{first.pk}/edit/" in page and f"/moderation/flag/comment/{second.pk}/" in page

        clock[0] += 10
        bob.display_name = "Robert B."
        bob.save(update_fields=["display_name"])
        page = alice_client.get(idea.get_absolute_url()).content.decode()
        assert "Robert B." in page  # the author's name is part of the fragment's key
        assert f"/comments/{second.pk}/edit/" in page and f"/moderation/flag/comment/{first.pk}/" in page

        clock[0] += 10
        reply = comment_post(author=bob, idea=idea, body="A reply", parent=second)
        response = alice_client.get(idea.get_absolute_url())
        assert articles(response) == 1 and threads(response) == 1  # the new one, and where it goes
        page = response.content.decode()
        assert re.search(rf'data-replies-for="{second.pk}">\s*<li[^>]*id="comment-{reply.pk}"', page)

    def test_staff_get_a_page_of_their_own(self, caches_on, clock, alice, mona):
        from ideas.services import comment_post

        idea = make_idea()
        comment_post(author=alice, idea=idea, body="Pin me")
        member_client(alice).get(idea.get_absolute_url())
        # Moderators pin any comment: their page is rendered for them, not the members' shared copy.
        assert "/pin/" in member_client(mona).get(idea.get_absolute_url()).content.decode()


class TestLoadMore:
    """A long discussion comes in pages of whole threads, with a real link to the next page."""

    def test_walking_the_pages_without_javascript_shows_every_comment_once(self, settings, alice, bob):
        from ideas.services import comment_post

        settings.COMMENTS_PAGE_SIZE = 4
        idea = make_idea()
        posted = []
        for n in range(5):
            parent = comment_post(author=bob, idea=idea, body=f"Thread {n}")
            posted.append(parent.pk)
            if n % 2 == 0:
                posted.append(comment_post(author=alice, idea=idea, body=f"Reply {n}", parent=parent).pk)
        alice_client, url, pages = member_client(alice), idea.get_absolute_url(), []
        while url:
            html = alice_client.get(url).content.decode()
            pages.append(comment_ids(html))
            next_link = re.search(r'<a rel="next" href="([^"]+)"', html)
            url = next_link.group(1).replace("&amp;", "&") if next_link else None
        assert [pk for page in pages for pk in page] == posted
        assert all(len(page) <= 4 for page in pages) and len(pages) == 3
        # A reply is on the page of its parent.
        first = pages[0]
        assert first == posted[: len(first)]

    def test_one_long_thread_is_never_split(self, settings, alice, bob):
        from ideas.services import comment_post

        settings.COMMENTS_PAGE_SIZE = 2
        idea = make_idea()
        parent = comment_post(author=bob, idea=idea, body="Start")
        for n in range(3):
            comment_post(author=alice, idea=idea, body=f"Reply {n}", parent=parent)
        comment_post(author=bob, idea=idea, body="Next thread")
        html = Client().get(idea.get_absolute_url()).content.decode()
        assert len(comment_ids(html)) == 4 and "Next thread" not in html and 'rel="next"' in html

    def test_a_broken_cursor_is_a_clear_400(self, alice):
        idea = make_idea()
        response = member_client(alice).get(idea.get_absolute_url() + "?comments_after=abc")
        assert response.status_code == 400


class TestCopiesKeptInTheProcess:
    """`local=True` (the members' pages): the cache names the current copy, each process keeps the copies
    it read, and what the cache names is what every process serves."""

    def get(self, render, **kwargs):
        return page_cache.get_or_render("page", render, fresh_seconds=3, local=True, **kwargs)

    def test_a_copy_is_read_from_the_cache_once_per_process(self, caches_on, clock, monkeypatch):
        from django.core.cache import cache

        copy = ("frozen", "copy")
        assert self.get(lambda: copy) is copy
        token = cache.get("page")[1].token
        assert cache.get(page_cache.copy_key("page", token)) == copy

        # Another process: it has not met the token yet, reads the copy once, then keeps it.
        monkeypatch.setattr(page_cache, "local_copies", page_cache.LocalCopies(4))
        first = self.get(lambda: pytest.fail("rendered although the cache has a fresh copy"))
        assert first == copy
        cache.delete(page_cache.copy_key("page", token))  # not read again: the process has it
        assert self.get(lambda: pytest.fail("rendered")) is first

    def test_a_fresh_copy_is_served_without_asking_the_cache(
        self, caches_on, clock, cache_calls, monkeypatch
    ):
        assert self.get(lambda: "first") == "first"
        cache_calls.clear()
        assert self.get(lambda: pytest.fail("rendered")) == "first"
        assert cache_calls == []

        # Two seconds on, another process renders the page out of turn (as for a member's own comment).
        clock[0] += 2
        here = (page_cache.local_copies, page_cache.last_met)
        monkeypatch.setattr(page_cache, "local_copies", page_cache.LocalCopies(4))
        monkeypatch.setattr(page_cache, "last_met", page_cache.LocalCopies(4))
        assert self.get(lambda: "second", entry=None) == "second"
        page_cache.local_copies, page_cache.last_met = here
        # This process serves its own copy while that is fresh, then the one the cache names.
        assert self.get(lambda: pytest.fail("rendered")) == "first"
        clock[0] += 1.5
        assert self.get(lambda: pytest.fail("rendered")) == "second"

    def test_a_new_rendering_elsewhere_is_served_at_once(self, caches_on, clock):
        assert self.get(lambda: "old") == "old"
        clock[0] += 3.5  # stale: the next request renders, as another process would
        assert self.get(lambda: "new") == "new"
        assert self.get(lambda: pytest.fail("rendered")) == "new"

    def test_a_copy_lost_from_the_cache_is_rendered_again(self, caches_on, clock, monkeypatch):
        from django.core.cache import cache

        self.get(lambda: "first")
        monkeypatch.setattr(page_cache, "local_copies", page_cache.LocalCopies(4))
        cache.delete(page_cache.copy_key("page", cache.get("page")[1].token))
        assert self.get(lambda: "second") == "second"

    def test_the_process_keeps_a_bounded_number_of_copies(self):
        copies = page_cache.LocalCopies(2)
        copies.put("a", 1)
        copies.put("b", 2)
        assert copies.get("a") == 1  # "a" is now the most recently used
        copies.put("c", 3)
        assert (copies.get("a"), copies.get("b"), copies.get("c")) == (1, None, 3)
