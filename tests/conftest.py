import pytest
from django.core.cache import cache, caches

from cocreate.breaker import all_breakers
from community.roles import Role
from ideas import fragments, page_cache

from .factories import MemberFactory, with_role, with_totp


@pytest.fixture(autouse=True)
def _clear_cache():
    """Every test starts with empty caches: the shared one and what each process keeps of it."""
    cache.clear()
    for kept in (page_cache.local_copies, page_cache.last_met, fragments.member_navs):
        kept.clear()
    yield


@pytest.fixture(autouse=True)
def _close_breakers():
    """Every test starts with Redis trusted again: a breaker opened by an earlier test (a broken layer,
    a stopped private Redis) would make it skip Redis (cocreate/breaker.py)."""
    for each in all_breakers():
        each.reset()


@pytest.fixture
def member_cache(settings):
    """Logged-in members come from the cache, as in production with Redis (community/auth.py); without
    this fixture it is on in the Redis run of the suite and off in the SQLite one."""
    settings.MEMBER_CACHE_SECONDS = 600


@pytest.fixture
def cache_calls(monkeypatch):
    """Every call to the shared cache (each one round trip to Redis), as (method, keys), in order."""
    backend = caches["default"]
    calls = []
    depth = [0]  # a local cache's get_many calls its own get: count only the outer call

    def counted(name, original):
        def call(keys, *args, **kwargs):
            if depth[0] == 0:
                calls.append((name, sorted(keys) if isinstance(keys, (list, tuple, dict)) else [keys]))
            depth[0] += 1
            try:
                return original(keys, *args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in ("get", "get_many", "set", "set_many", "add", "delete", "delete_many"):
        monkeypatch.setattr(backend, name, counted(name, getattr(backend, name)))
    return calls


# The fixed cast: customers alice and bob; staff (each with two-factor auth set up): rita (R&D),
# carl (customer manager), mona (community moderator), adam (administrator), cora (chief customer officer,
# read-only over every segment); and nora, not yet verified.
@pytest.fixture
def alice(db):
    return MemberFactory(username="alice", display_name="Alice A.")


@pytest.fixture
def bob(db):
    return MemberFactory(username="bob", display_name="Bob B.")


@pytest.fixture
def rita(db):
    return with_totp(with_role(MemberFactory(username="rita", display_name="Rita R&D"), Role.RND))


@pytest.fixture
def carl(db):
    return with_totp(with_role(MemberFactory(username="carl", display_name="Carl CM"), Role.CUSTOMER_MANAGER))


@pytest.fixture
def mona(db):
    return with_totp(with_role(MemberFactory(username="mona", display_name="Mona Mod"), Role.MODERATOR))


@pytest.fixture
def adam(db):
    return with_totp(with_role(MemberFactory(username="adam", display_name="Adam Admin"), Role.ADMINISTRATOR))


@pytest.fixture
def cora(db):
    return with_totp(with_role(MemberFactory(username="cora", display_name="Cora CCO"), Role.CCO))


@pytest.fixture
def nora(db):
    return MemberFactory(username="nora", display_name="Nora New", email_verified=False)


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def wagtail_site(db):
    """The home page and Site from the cms data migration, recreated if a transactional test flushed them."""
    return ensure_wagtail_site()


def ensure_wagtail_site():
    """wagtail_site's work, for tests that are not pytest functions (tests/browser)."""
    from wagtail.models import Locale, Page, Site

    from cms import guidelines
    from cms.models import ContentPage, HomePage

    home = HomePage.objects.first()
    if home is None:
        Locale.objects.get_or_create(language_code="en")
        root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
        home = root.add_child(instance=HomePage(title="Cocreate", slug="home"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": home, "site_name": "Cocreate"}
    )
    if not ContentPage.objects.filter(slug=guidelines.SLUG).exists():
        home.add_child(
            instance=ContentPage(
                title=guidelines.TITLE, slug=guidelines.SLUG, intro=guidelines.INTRO, body=guidelines.BODY
            )
        )
    return home


@pytest.fixture
def campaigns(wagtail_site):
    """An open and a closed campaign under the campaigns index."""
    from datetime import timedelta

    from django.utils import timezone

    from cms.models import CampaignIndexPage, CampaignPage

    from .factories import SegmentFactory

    index = CampaignIndexPage.objects.first()
    if index is None:
        index = wagtail_site.add_child(instance=CampaignIndexPage(title="Campaigns", slug="campaigns"))
    now = timezone.now()

    def make(slug, starts, ends):
        page = CampaignPage(
            title=slug.title(),
            slug=slug,
            question="How should the camera app work?",
            brief="<p>Tell us.</p>",
            starts_at=now + starts,
            ends_at=now + ends,
        )
        index.add_child(instance=page)
        page.target_segments.add(SegmentFactory(name=f"Segment for {slug}"))
        page.save_revision().publish()
        return CampaignPage.objects.get(pk=page.pk)

    return {
        "open": make("camera", timedelta(days=-1), timedelta(days=7)),
        "closed": make("battery", timedelta(days=-30), timedelta(days=-1)),
        "index": index,
    }
