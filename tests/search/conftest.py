import os
import uuid
from dataclasses import dataclass

import pytest
from django.db import connection

from ideas import services as idea_services
from tests.factories import make_idea


@pytest.fixture(autouse=True)
def _database_search(settings):
    """The suite tests the database backend unless a test picks Elasticsearch through `engine`."""
    settings.SEARCH_BACKEND = "database"


@dataclass
class Engine:
    """The backend under test, plus how to make its last writes visible to searches."""

    name: str
    backend: object
    refresh: object

    @property
    def vendor(self) -> str:
        return "elasticsearch" if self.name == "elasticsearch" else connection.vendor


def _elasticsearch_engine(settings):
    url = os.environ.get("ELASTICSEARCH_URL")
    if not url:
        pytest.skip(
            "ELASTICSEARCH_URL is not set: the live Elasticsearch suite did not run (set it to run it)"
        )
    from search.backends.elastic import ElasticsearchBackend, _client

    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = url
    settings.SEARCH_INDEX_PREFIX = f"cocreate-test-{uuid.uuid4().hex[:8]}"
    backend = ElasticsearchBackend(_client(url), settings.SEARCH_INDEX_PREFIX)
    backend.ensure_indices()
    return backend


@pytest.fixture(params=["database", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def engine(request, settings, db):
    """Every behavioural test runs on the database backend, and on a live Elasticsearch when
    ELASTICSEARCH_URL is set (skipped with that reason otherwise)."""
    if request.param == "database":
        from search.backends.database import database_backend

        yield Engine("database", database_backend(), refresh=lambda: None)
        return
    backend = _elasticsearch_engine(settings)

    def refresh():
        backend.client.indices.refresh(index=f"{backend.prefix}-*")

    yield Engine("elasticsearch", backend, refresh=refresh)
    backend.client.indices.delete(index=f"{backend.prefix}-*", ignore_unavailable=True)


@pytest.fixture
def publish(django_capture_on_commit_callbacks, engine):
    """Post an idea the way members do and let its on-commit index task run."""

    def publish(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            idea = make_idea(**kwargs)
        engine.refresh()
        return idea

    return publish


@pytest.fixture
def comment(django_capture_on_commit_callbacks, engine):
    def comment(*, idea, author, body):
        with django_capture_on_commit_callbacks(execute=True):
            posted = idea_services.comment_post(author=author, idea=idea, body=body)
        engine.refresh()
        return posted

    return comment


@pytest.fixture
def reindex(engine):
    def reindex(*ideas):
        engine.backend.index_ideas([idea.pk for idea in ideas])
        engine.refresh()

    return reindex


@pytest.fixture
def upvote(django_capture_on_commit_callbacks, engine):
    """Members up-vote an idea through the voting service; the index hears of it after commit."""
    from tests.factories import MemberFactory
    from voting.services import vote_cast

    def upvote(idea, times=1):
        for _ in range(times):
            with django_capture_on_commit_callbacks(execute=True):
                vote_cast(member=MemberFactory(), idea_id=idea.pk)
        engine.refresh()

    return upvote


@pytest.fixture
def campaign(wagtail_site):
    """Live campaign pages, made as editors make them (CMS tree, published revision)."""
    from datetime import timedelta

    from django.utils import timezone

    from cms.models import CampaignIndexPage, CampaignPage

    index = CampaignIndexPage.objects.first()
    if index is None:
        index = wagtail_site.add_child(instance=CampaignIndexPage(title="Campaigns", slug="campaigns"))

    def campaign(slug, *, title=None, live=True):
        now = timezone.now()
        page = CampaignPage(
            title=title or slug.title(),
            slug=slug,
            question="How should it work?",
            brief="<p>Tell us.</p>",
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=7),
            live=live,
        )
        index.add_child(instance=page)
        if live:
            page.save_revision().publish()
        return CampaignPage.objects.get(pk=page.pk)

    return campaign


@pytest.fixture
def prototype(django_capture_on_commit_callbacks, engine, settings, tmp_path):
    """A prototype built by R&D through the services (a video variant: no uploads needed)."""
    from prototypes import services as prototype_services
    from prototypes.models import Variant
    from tests.prototypes.helpers import publisher

    settings.MEDIA_ROOT = tmp_path / "media"

    def prototype(
        *, title, description="", variant="Classic", variant_description="", publish=True, **fields
    ):
        by = publisher()
        with django_capture_on_commit_callbacks(execute=True):
            made = prototype_services.prototype_create(
                created_by=by, title=title, description=description, **fields
            )
            prototype_services.variant_add(
                prototype=made,
                by=by,
                name=variant,
                description=variant_description,
                kind=Variant.Kind.VIDEO,
                video_url="https://vimeo.com/1",
            )
            if publish:
                prototype_services.prototype_publish(prototype=made, by=by)
        engine.refresh()
        made.refresh_from_db()
        return made

    return prototype
