"""The default cache, and the Redis client behind it for what the cache API lacks (cocreate/cache.py)."""

from django.conf import settings
from django.core.cache import cache

from cocreate.cache import shared_redis


def test_the_cache_stores_reads_and_forgets():
    cache.set("cocreate-cache-test", {"n": 1}, 10)
    assert cache.get("cocreate-cache-test") == {"n": 1}
    assert cache.add("cocreate-cache-test", 2, 10) is False
    assert cache.get_many(["cocreate-cache-test", "missing"]) == {"cocreate-cache-test": {"n": 1}}
    cache.delete("cocreate-cache-test")
    assert cache.get("cocreate-cache-test") is None


def test_the_shared_client_talks_to_the_caches_own_redis():
    client = shared_redis()
    if not settings.REDIS_URL:
        assert client is None  # a cache of this process only: nothing to share
        return
    cache.set("cocreate-cache-test", 1, 10)
    assert client.exists(cache.make_and_validate_key("cocreate-cache-test")) == 1
    cache.delete("cocreate-cache-test")
    assert client.exists(cache.make_and_validate_key("cocreate-cache-test")) == 0
