"""Each product's own status workflow (ideas.workflow): administrators define it from /staff/workflows/,
ideas follow it (transitions, votes, comments), and customers read its public names everywhere."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from ideas import workflow
from ideas.models import Idea, StatusChange, Visibility, WorkflowStatus
from ideas.services import comment_post, idea_merge, idea_set_status, ideas_set_product, ideas_ship
from moderation.models import AuditEntry
from notifications.models import Notification
from voting import sql
from voting.models import Vote
from voting.services import VotingClosed, vote_cast

from ..factories import MemberFactory, ProductFactory, make_idea

pytestmark = pytest.mark.django_db


@pytest.fixture
def camera(db):
    return ProductFactory(name="Camera", slug="camera")


@pytest.fixture
def custom(camera, adam):
    return build_custom_workflow(camera, adam)


def build_custom_workflow(camera, adam) -> dict:
    """Camera with its own workflow: the built-in one plus "Needs information" (a review step that
    takes neither votes nor comments) between New (renamed "Submitted") and Under review."""
    workflow.workflow_customise(product=camera, by=adam)
    needs = workflow.workflow_status_add(
        product=camera,
        by=adam,
        name="Needs information",
        stage="under_review",
        takes_votes=False,
        takes_comments=False,
    )
    new = WorkflowStatus.objects.get(product=camera, key="new")
    review = WorkflowStatus.objects.get(product=camera, key="under_review")
    workflow.workflow_status_update(
        status=new,
        by=adam,
        name="Submitted",
        takes_votes=True,
        takes_comments=True,
        next_statuses=[needs, *new.next_statuses.all()],
    )
    workflow.workflow_status_update(
        status=needs,
        by=adam,
        name="Needs information",
        takes_votes=False,
        takes_comments=False,
        next_statuses=[review],
    )
    return {"needs": needs, "new": new, "review": review}


@pytest.fixture
def adam_client(client, adam):
    client.force_login(adam)
    return client


def test_products_use_the_built_in_workflow_until_customised(camera, alice, rita):
    idea = make_idea(author=alice, product=camera)
    assert idea.workflow_status is None and idea.status_name == "New"
    assert [s.key for s in workflow.steps_of(camera.pk)] == [
        "new",
        "under_review",
        "planned",
        "in_progress",
        "shipped",
        "declined",
    ]
    idea_set_status(idea=idea, changed_by=rita, status="planned", note="Spring")
    assert Idea.objects.get(pk=idea.pk).workflow_status is None


def test_customising_copies_the_built_in_workflow_and_moves_the_products_ideas(camera, adam, rita, alice):
    planned = make_idea(author=alice, product=camera)
    idea_set_status(idea=planned, changed_by=rita, status="planned", note="Spring")
    elsewhere = make_idea(author=alice)
    with pytest.raises(PermissionDenied):
        workflow.workflow_customise(product=camera, by=rita)
    rows = workflow.workflow_customise(product=camera, by=adam)
    assert [(r.key, r.name, r.stage, r.takes_votes) for r in rows] == [
        (s.key, s.name, s.stage, s.takes_votes) for s in workflow.built_in_steps()
    ]
    assert {n.key for n in WorkflowStatus.objects.get(product=camera, key="new").next_statuses.all()} == {
        "under_review",
        "planned",
        "declined",
    }
    assert Idea.objects.get(pk=planned.pk).workflow_status.key == "planned"
    assert Idea.objects.get(pk=elsewhere.pk).workflow_status is None
    entry = AuditEntry.objects.get(action="workflow")
    assert entry.actor == adam and entry.kind == "product" and entry.object_id == camera.pk
    with pytest.raises(ValidationError, match="already"):
        workflow.workflow_customise(product=camera, by=adam)


def test_a_custom_status_has_its_name_transitions_votes_and_comments(
    custom, camera, alice, rita, bob, client, django_capture_on_commit_callbacks
):
    idea = make_idea(author=alice, product=camera)
    assert idea.workflow_status == custom["new"] and idea.status_name == "Submitted"
    vote_cast(member=bob, idea_id=idea.pk)
    with django_capture_on_commit_callbacks(execute=True):
        idea_set_status(idea=idea, changed_by=rita, status="needs-information", note="Which camera model?")
    idea = Idea.objects.select_related("workflow_status").get(pk=idea.pk)
    assert (idea.status, idea.status_name) == ("under_review", "Needs information")
    message = Notification.objects.get(recipient=bob, kind="status_changed").message
    assert "is now Needs information: Which camera model?" in message
    with pytest.raises(VotingClosed):
        vote_cast(member=MemberFactory(), idea_id=idea.pk)
    with pytest.raises(ValidationError, match="closed for comments"):
        comment_post(author=bob, idea=idea, body="It is the X100")
    client.force_login(bob)
    page = client.get(idea.get_absolute_url()).content.decode()
    assert "Needs information" in page and "take no new comments" in page and 'id="comment-form"' not in page
    with pytest.raises(ValidationError, match="cannot become Planned"):
        idea_set_status(idea=idea, changed_by=rita, status="planned", note="skip")
    assert Idea.objects.get(pk=idea.pk).workflow_status == custom["needs"]  # nothing changed
    idea_set_status(idea=idea, changed_by=rita, status="under_review", note="Thanks, looking")
    vote_cast(member=MemberFactory(), idea_id=idea.pk)  # votes again
    assert [c.to_status_name for c in StatusChange.objects.filter(idea=idea)] == [
        "Needs information",
        "Under review",
    ]


def test_the_status_page_refuses_a_forbidden_transition_with_a_clear_message(custom, camera, rita, client):
    idea = make_idea(product=camera)
    client.force_login(rita)
    page = client.get(idea.get_absolute_url()).content.decode()
    assert 'value="needs-information"' in page and 'value="shipped"' not in page  # only allowed ones offered
    response = client.post(f"/ideas/{idea.pk}/status/", {"status": "shipped", "note": "Done"}, follow=True)
    assert "An idea that is Submitted cannot become Shipped." in response.content.decode()
    assert Idea.objects.get(pk=idea.pk).status == "new"


def test_deleting_a_status_in_use_is_refused_with_the_count(custom, camera, adam, adam_client, rita):
    for _ in range(2):
        idea = make_idea(product=camera)
        idea_set_status(idea=idea, changed_by=rita, status="needs-information", note="Which?")
    with pytest.raises(ValidationError, match="2 ideas are in it"):
        workflow.workflow_status_delete(status=custom["needs"], by=adam)
    response = adam_client.post(f"/staff/workflows/camera/statuses/{custom['needs'].pk}/delete/")
    assert response.status_code == 400
    assert "“Needs information” cannot be deleted: 2 ideas are in it." in response.content.decode()
    assert WorkflowStatus.objects.filter(pk=custom["needs"].pk).exists()
    assert Idea.objects.filter(workflow_status=custom["needs"]).count() == 2


def test_the_last_status_of_a_stage_stays_and_an_unused_one_goes(custom, camera, adam, adam_client):
    shipped = WorkflowStatus.objects.get(product=camera, key="shipped")
    with pytest.raises(ValidationError, match="last status meaning"):
        workflow.workflow_status_delete(status=shipped, by=adam)
    response = adam_client.post(f"/staff/workflows/camera/statuses/{custom['needs'].pk}/delete/")
    assert response.status_code == 302
    assert not WorkflowStatus.objects.filter(pk=custom["needs"].pk).exists()
    entry = AuditEntry.objects.filter(action="workflow").latest("pk")
    assert entry.reason == "Status deleted." and entry.before["workflow_status"] == "Needs information"
    audit = adam_client.get("/moderation/audit/").content.decode()
    assert "Needs information" in audit


def test_duplicate_names_are_a_form_error(custom, camera, adam, adam_client):
    response = adam_client.post(
        "/staff/workflows/camera/statuses/", {"name": "needs INFORMATION", "stage": "under_review"}
    )
    assert response.status_code == 400
    assert "already has a status called" in response.content.decode()
    renamed = adam_client.post(
        f"/staff/workflows/camera/statuses/{custom['new'].pk}/",
        {f"status-{custom['new'].pk}-name": "Planned", f"status-{custom['new'].pk}-takes_votes": "on"},
    )
    assert renamed.status_code == 400 and "already has a status called" in renamed.content.decode()
    assert WorkflowStatus.objects.get(pk=custom["new"].pk).name == "Submitted"
    assert WorkflowStatus.objects.filter(product=camera).count() == 7


def test_administrators_edit_a_workflow_from_the_site(camera, adam_client, alice):
    idea = make_idea(author=alice, product=camera)
    assert "Built-in" in adam_client.get("/staff/workflows/").content.decode()
    assert adam_client.post("/staff/workflows/camera/customise/").status_code == 302
    added = adam_client.post(
        "/staff/workflows/camera/statuses/",
        {"name": "Beta", "stage": "in_progress", "takes_votes": "on", "takes_comments": "on"},
    )
    assert added.status_code == 302
    beta = WorkflowStatus.objects.get(product=camera, name="Beta")
    new = WorkflowStatus.objects.get(product=camera, key="new")
    shipped = WorkflowStatus.objects.get(product=camera, key="shipped")
    saved = adam_client.post(
        f"/staff/workflows/camera/statuses/{beta.pk}/",
        {f"status-{beta.pk}-name": "Public beta", f"status-{beta.pk}-next_statuses": [shipped.pk]},
    )
    assert saved.status_code == 302
    beta.refresh_from_db()
    assert (beta.name, beta.takes_votes, beta.takes_comments) == ("Public beta", False, False)
    assert list(beta.next_statuses.all()) == [shipped]
    page = adam_client.get("/staff/workflows/camera/").content.decode()
    assert "Public beta" in page and "1 idea" in page  # Submitted holds the one idea
    other = ProductFactory(slug="other")
    foreign = workflow.workflow_customise(product=other, by=adam_client.get("/").wsgi_request.user)[0]
    refused = adam_client.post(
        f"/staff/workflows/camera/statuses/{beta.pk}/",
        {f"status-{beta.pk}-name": "Beta", f"status-{beta.pk}-next_statuses": [foreign.pk]},
    )
    assert refused.status_code == 400
    assert Idea.objects.get(pk=idea.pk).workflow_status == new


@pytest.mark.parametrize("persona", ["alice", "rita", "carl", "mona"])
def test_only_administrators_open_the_workflow_pages(request, client, camera, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/staff/workflows/").status_code == 403
    assert client.get("/staff/workflows/camera/").status_code == 403
    assert client.post("/staff/workflows/camera/customise/").status_code == 403
    assert not WorkflowStatus.objects.exists()


def test_ideas_moving_product_releases_and_merges_keep_the_invariant(custom, camera, adam, rita, alice):
    plain = ProductFactory(slug="plain")
    idea = make_idea(author=alice, product=plain)
    assert idea.workflow_status is None
    ideas_set_product(idea_ids=[idea.pk], product=camera)
    assert Idea.objects.get(pk=idea.pk).workflow_status == custom["new"]
    ideas_set_product(idea_ids=[idea.pk], product=plain)
    assert Idea.objects.get(pk=idea.pk).workflow_status is None
    ideas_set_product(idea_ids=[idea.pk], product=camera)
    beta = workflow.workflow_status_add(product=camera, by=adam, name="Released", stage="shipped")
    WorkflowStatus.objects.filter(pk=beta.pk).update(position=0)  # first of its stage
    (shipped,) = ideas_ship(idea_ids=[idea.pk], changed_by=rita, note="In 2.4")
    assert (shipped.status, shipped.status_name) == ("shipped", "Released")
    assert StatusChange.objects.filter(idea=idea).latest("pk").to_status_name == "Released"
    source, target = make_idea(product=camera, title="Dup"), make_idea(product=camera, title="Original")
    idea_merge(source=source, target=target, merged_by=rita, note="Same")
    source = Idea.objects.get(pk=source.pk)
    assert source.status == "merged" and source.workflow_status is None and not source.takes_comments


def test_triage_declines_through_the_products_workflow(custom, camera, rita):
    idea = make_idea(product=camera)
    idea_set_status(idea=idea, changed_by=rita, status="declined", note="Out of scope")  # a stage
    idea = Idea.objects.get(pk=idea.pk)
    assert idea.status == "declined" and idea.workflow_status.key == "declined"
    assert not idea.is_open_for_votes


def test_the_roadmap_names_columns_and_cards_as_the_product_does(
    custom, camera, adam, rita, client, wagtail_site
):
    from ..cms.roadmap_world import roadmap_page

    roadmap_page(wagtail_site)
    planned = WorkflowStatus.objects.get(product=camera, key="planned")
    workflow.workflow_status_update(
        status=planned,
        by=adam,
        name="Coming soon",
        takes_votes=True,
        takes_comments=True,
        next_statuses=planned.next_statuses.all(),
    )
    idea = make_idea(product=camera, title="Night mode")
    idea_set_status(idea=idea, changed_by=rita, status="planned", note="Spring")
    page = client.get("/roadmap/?product=camera").content.decode()
    assert '<h2 id="column-planned">Coming soon' in page
    assert "Night mode" in page and 'class="status status-planned">Coming soon</span>' in page
    ProductFactory(slug="lens")
    everyone = client.get("/roadmap/").content.decode()  # two products: the roadmap's own column names
    assert '<h2 id="column-planned">Planned' in everyone


@pytest.fixture
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the vote function exists on PostgreSQL only (DATABASE_URL)")


@pytest.mark.postgres
@pytest.mark.usefixtures("_needs_postgres")
def test_the_vote_function_honours_each_statuss_setting(custom, camera, rita):
    """Every setting of a custom status × visibility: the SQL function takes a vote exactly where
    Idea.is_open_for_votes says."""
    member = MemberFactory()
    for takes_votes in (True, False):
        WorkflowStatus.objects.filter(pk=custom["needs"].pk).update(takes_votes=takes_votes)
        for visibility in Visibility.values:
            idea = make_idea(product=camera)
            idea_set_status(idea=idea, changed_by=rita, status="needs-information", note="Which?")
            Idea.objects.filter(pk=idea.pk).update(visibility=visibility)
            idea = Idea.objects.select_related("workflow_status").get(pk=idea.pk)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT outcome FROM {sql.NAME}(%s, %s, 1, %s)",  # noqa: S608
                        [idea.pk, member.pk, timezone.now()],
                    )
                    (outcome,) = cursor.fetchone()
                transaction.set_rollback(True)
            assert (outcome == "changed") == idea.is_open_for_votes, (takes_votes, visibility)
            assert idea.is_open_for_votes == (takes_votes and visibility == "public")
    assert not Vote.objects.exists()
