import pytest
from django.utils import timezone

from ..factories import MemberFactory


@pytest.fixture
def newcomer(db):
    """A member who just joined and verified their address: trust level 0, earned from activity."""
    return MemberFactory(
        username="newcomer",
        display_name="Nico New",
        trust_level=0,
        trust_locked=False,
        date_joined=timezone.now(),
    )


@pytest.fixture
def mona_client(client, mona):
    client.force_login(mona)
    return client
