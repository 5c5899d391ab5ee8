import pytest
from django.core.cache import cache

from .factories import MemberFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield


# The fixed cast: a customer (alice), another customer (bob), and staff R&D (rita).
@pytest.fixture
def alice(db):
    return MemberFactory(username="alice", display_name="Alice A.")


@pytest.fixture
def bob(db):
    return MemberFactory(username="bob", display_name="Bob B.")


@pytest.fixture
def rita(db):
    return MemberFactory(username="rita", display_name="Rita R&D", is_staff=True)


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def wagtail_site(db):
    """The home page and Site from the cms data migration, recreated if a transactional test flushed them."""
    from wagtail.models import Locale, Page, Site

    from cms.models import HomePage

    home = HomePage.objects.first()
    if home is None:
        Locale.objects.get_or_create(language_code="en")
        root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
        home = root.add_child(instance=HomePage(title="Cocreate", slug="home"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": home, "site_name": "Cocreate"}
    )
    return home
