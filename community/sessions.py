"""Django's cached, database-backed sessions, reading the session's member along with the session.

A logged-in request needs two things from the cache: its session, which names the member, and that
member's cached copy and version token (community/auth.py). Read one after the other they are two
round trips to Redis on every logged-in request. This store remembers, per process, which member each
session it has loaded belongs to, and the next time reads all three keys in one MGET; the member's
entries go to `cached_member` only if the loaded session still names that member. Used as
SESSION_ENGINE; with the sessions in another cache than the members', it is Django's store unchanged.
"""

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db
from django.core.cache import DEFAULT_CACHE_ALIAS

from . import auth

# Session key -> the member id it held when last loaded here. Bounded: a busy site's sessions come and go.
_members_of_sessions: dict[str, str] = {}
REMEMBERED_SESSIONS = 10_000


class SessionStore(cached_db.SessionStore):
    def load(self):
        member_id = _members_of_sessions.get(self.session_key or "")
        if member_id is None or not auth.prefetching() or settings.SESSION_CACHE_ALIAS != DEFAULT_CACHE_ALIAS:
            data = super().load()
        else:
            data = self._load_with_member(member_id)
        self._remember_member(data)
        return data

    def _load_with_member(self, member_id: str) -> dict:
        member_keys = auth.member_cache_keys(member_id)
        try:
            found = self._cache.get_many([self.cache_key, *member_keys])
        except Exception:  # as Django's own load(): a cache that refuses the key means no cached session
            found = {}
        data = found.get(self.cache_key)
        if data is None:
            return super().load()
        if data.get(SESSION_KEY) == member_id:
            auth.prefetch(member_id, {key: found[key] for key in member_keys if key in found})
        return data

    def _remember_member(self, data: dict) -> None:
        member_id = data.get(SESSION_KEY)
        if member_id is None or not self.session_key:
            return
        if len(_members_of_sessions) >= REMEMBERED_SESSIONS:
            _members_of_sessions.clear()
        _members_of_sessions[self.session_key] = str(member_id)
