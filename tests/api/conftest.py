from datetime import timedelta

import pytest
from django.utils import timezone

from api.tokens import token_create


def make_token(member, scopes=("read", "write"), *, days=30, mfa_verified=True):
    _, raw = token_create(
        member=member,
        name="test",
        scopes=scopes,
        expires_at=timezone.now() + timedelta(days=days),
        mfa_verified=mfa_verified,
    )
    return raw


class ApiClient:
    """Django's test client speaking JSON to /api/v1/ with a bearer token (or none)."""

    def __init__(self, client, token=None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _call(self, method, path, json=None, **extra):
        import json as jsonlib

        kwargs = {"headers": {**self.headers, **extra.pop("headers", {})}}
        if json is not None:
            kwargs["data"] = jsonlib.dumps(json)
            kwargs["content_type"] = "application/json"
        kwargs.update(extra)
        return getattr(self.client, method)("/api/v1" + path, **kwargs)

    def get(self, path, **extra):
        return self._call("get", path, **extra)

    def post(self, path, json=None, **extra):
        return self._call("post", path, json, **extra)

    def put(self, path, json=None, **extra):
        return self._call("put", path, json, **extra)

    def patch(self, path, json=None, **extra):
        return self._call("patch", path, json, **extra)

    def delete(self, path, **extra):
        return self._call("delete", path, **extra)


@pytest.fixture
def api(client):
    """An anonymous API client; `api.as_(member, scopes)` gives one with a fresh token."""

    class Factory(ApiClient):
        def as_(self, member, scopes=("read", "write")):
            return ApiClient(client, make_token(member, scopes))

    return Factory(client)
