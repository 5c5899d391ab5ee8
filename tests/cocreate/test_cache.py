"""The Redis cache backend keeps one redis-py client per connection pool (cocreate/cache.py)."""

import pytest
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.skipif(
    settings.CACHES["default"]["BACKEND"] != "cocreate.cache.RedisCache", reason="needs REDIS_URL"
)


def test_one_client_serves_every_call():
    client = cache._cache.get_client(write=True)
    cache.set("cocreate-cache-test", {"n": 1}, 10)
    assert cache.get("cocreate-cache-test") == {"n": 1}
    assert cache.add("cocreate-cache-test", 2, 10) is False
    assert cache.get_many(["cocreate-cache-test", "missing"]) == {"cocreate-cache-test": {"n": 1}}
    cache.delete("cocreate-cache-test")
    assert cache.get("cocreate-cache-test") is None
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client() is client  # one server: reads use the same pool
