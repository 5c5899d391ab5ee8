"""The staff workspace: each role sees the queues it works (counts, oldest age, links), what changed since
its last visit, the header's staff links, and lands there after logging in; fixed queries per role."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from backlog import services as backlog_services
from community.models import LastVisit
from ideas.models import Idea
from moderation import services as moderation
from moderation.models import VoteAlert

from ..factories import MemberFactory, make_idea

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def grow(n, actor):
    """n more of everything the workspace counts: ideas (owned by `actor`), flags, appeals, vote alerts,
    triage decisions."""
    for k in range(n):
        idea = make_idea(title=f"Workspace idea {k} {timezone.now().timestamp()}")
        Idea.objects.filter(pk=idea.pk).update(owner=actor)
        moderation.flag_create(reporter=MemberFactory(), kind="idea", object_id=idea.pk, reason="spam")
        VoteAlert.objects.create(type="burst", signature=f"sig-{idea.pk}", summary=f"Burst {k}", vote_ids=[])
        backlog_services.triage_tag(ideas=[make_idea(title=f"Tagged {idea.pk}")], tags=["t"], actor=actor)


def test_each_role_sees_the_queues_it_works(client, rita, carl, mona, adam):
    make_idea(title="Waiting for triage")
    grow(1, rita)
    pages = {}
    for member in (rita, carl, mona, adam):
        client.force_login(member)
        response = client.get("/workspace/")
        assert response.status_code == 200
        pages[member.username] = response.content.decode()
    assert "Untriaged ideas" in pages["rita"] and 'href="/triage/"' in pages["rita"]
    assert "Held posts" not in pages["rita"] and "Vote alerts" not in pages["rita"]
    assert "Untriaged ideas" not in pages["carl"] and "Open flags" not in pages["carl"]
    assert "Open flags" in pages["mona"] and "Vote alerts" in pages["mona"] and "Appeals" in pages["mona"]
    assert "Untriaged ideas" not in pages["mona"]
    assert all(label in pages["adam"] for label in ("Untriaged ideas", "Held posts", "Open flags", "Appeals"))
    # Counts and the age of the oldest entry.
    assert '<strong class="work-count">3</strong> Untriaged ideas' in pages["rita"]
    assert "oldest arrived" in pages["rita"]
    # "Ideas assigned to me": for those who may own ideas (R&D, administrators) only.
    assert "Ideas assigned to me" in pages["rita"] and "Ideas assigned to me" in pages["adam"]
    assert "Ideas assigned to me" not in pages["carl"] and "Ideas assigned to me" not in pages["mona"]


def test_customers_have_no_workspace(client, alice):
    client.force_login(alice)
    assert client.get("/workspace/").status_code == 403


def test_the_header_links_each_role_to_its_pages(client, alice, rita, carl, mona, adam):
    links = {}
    for member in (alice, rita, carl, mona, adam):
        client.force_login(member)
        page = client.get("/workspace/" if member.is_staff else "/ideas/").content.decode()
        header = page[page.index("<header") : page.index("</header>")]
        links[member.username] = {
            name
            for name in ("Workspace", "Triage", "Backlog", "Segments", "Moderation", "Members and roles")
            if f">{name}<" in header
        }
    assert links["alice"] == set()
    assert links["rita"] == {"Workspace", "Triage", "Backlog", "Segments"}
    assert links["carl"] == {"Workspace", "Backlog", "Segments"}
    assert links["mona"] == {"Workspace", "Moderation"}
    assert links["adam"] == {"Workspace", "Triage", "Backlog", "Segments", "Moderation", "Members and roles"}


def test_what_changed_since_the_last_visit(client, rita):
    client.force_login(rita)
    first = client.get("/workspace/").content.decode()
    assert "This past week" in first
    LastVisit.objects.filter(member=rita, place="workspace").update(
        visited_at=timezone.now() - timedelta(hours=2)
    )
    idea = make_idea(title="Brand new since then")
    backlog_services.triage_decline(ideas=[idea], reason="Out of scope", actor=rita)
    page = client.get("/workspace/").content.decode()
    assert "Since your last visit" in page
    assert "Brand new since then" in page and "Declined" in page
    # The visit is recorded: the next look starts from now.
    assert LastVisit.objects.get(member=rita, place="workspace").visited_at > timezone.now() - timedelta(
        minutes=1
    )


def test_staff_land_on_the_workspace_unless_they_asked_for_a_page(client, settings):
    from community.roles import Role

    from ..factories import with_role

    member = with_role(MemberFactory(email="ria@example.com", username="ria"), Role.RND)
    customer = MemberFactory(email="cus@example.com", username="cus")
    response = client.post(reverse("account_login"), {"login": "ria@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/workspace/"
    # The workspace is a staff page: without two-factor authentication it sends them to set it up first.
    follow = client.get("/workspace/")
    assert (
        follow.status_code == 302
        and "/2fa/" in follow["Location"]
        and "next=/workspace/" in follow["Location"]
    )
    client.logout()
    response = client.post(
        reverse("account_login") + "?next=/backlog/", {"login": "ria@example.com", "password": PASSWORD}
    )
    assert response["Location"] == "/backlog/"
    client.logout()
    response = client.post(reverse("account_login"), {"login": "cus@example.com", "password": PASSWORD})
    assert response["Location"] == "/ideas/"
    assert member.pk and customer.pk


# session, member, MFA check and permissions, last visit (read + write), then each role's panels; R&D
# and administrators have two more for "Ideas assigned to me" (its count and its list).
@pytest.mark.parametrize("persona, expected", [("rita", 15), ("carl", 13), ("mona", 13), ("adam", 17)])
def test_workspace_queries_are_fixed_per_role(
    request, member_cache, client, django_assert_num_queries, rita, persona, expected
):
    member = request.getfixturevalue(persona)
    client.force_login(member)
    grow(2, rita)
    client.get("/workspace/")  # the first request of a session writes it
    with django_assert_num_queries(expected):
        assert client.get("/workspace/").status_code == 200
    grow(4, rita)
    with django_assert_num_queries(expected):
        assert client.get("/workspace/").status_code == 200
