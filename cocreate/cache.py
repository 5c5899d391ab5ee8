"""The one way to Redis beyond Django's cache API.

The default cache is django-redis when REDIS_URL is set (cocreate/settings/base.py). Some things need
more than get/set, such as the sets that gather the ideas voted on in a window (voting/windows.py):
they use the redis-py client behind that cache, through django-redis's public
`get_redis_connection`, so they share its connection pool and its settings.
"""

from django_redis import get_redis_connection


def shared_redis():
    """The redis-py client behind the default cache when it is Redis; None otherwise (a local cache
    in development)."""
    try:
        return get_redis_connection("default")
    except NotImplementedError:  # django-redis's answer for a backend that is not django-redis
        return None
