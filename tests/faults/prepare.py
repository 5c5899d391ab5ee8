"""What the fault suite's load needs from its freshly seeded database, made in-process with Django.

Run as `python -m tests.faults.prepare OUT.json` with the app's environment (like `manage.py shell`).
Creates voters (verified members who have not voted yet, so every vote they cast adds a row and "every
acknowledged vote is a row" can be checked exactly) and a probe member, logs them in (session rows in
the database and in Redis, as a log-in makes them), and picks the ideas: a pool for the load's votes,
a separate pool that the worker scenario locks, and one idea the websocket listeners watch.
"""

import json
import random
import sys

import django

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from community.models import Member  # noqa: E402
from ideas.models import Idea  # noqa: E402

VOTERS = 40
LOCKED_IDEAS = 20  # the worker scenario's pool (no load votes on them: it holds their row locks)


def member(username: str) -> Member:
    created = Member.objects.create_user(
        username=username,
        email=f"{username}@faults.example.com",
        password=None,
        display_name=username.title(),
        email_verified=True,
        trust_level=3,
        trust_locked=True,
    )
    EmailAddress.objects.create(user=created, email=created.email, verified=True, primary=True)
    return created


def session_key(who: Member) -> str:
    client = Client()
    client.force_login(who)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def main(out: str) -> None:
    rng = random.Random(17)
    voters = [member(f"faults-voter-{n:02d}") for n in range(VOTERS)]
    probe = member("faults-probe")
    open_ideas = [
        idea
        for idea in Idea.objects.listed().select_related("campaign").order_by("pk")
        if idea.is_open_for_votes
    ]
    rng.shuffle(open_ideas)
    watched, locked, load = open_ideas[0], open_ideas[1 : 1 + LOCKED_IDEAS], open_ideas[1 + LOCKED_IDEAS :]
    if len(load) < 100:
        raise SystemExit(f"Only {len(open_ideas)} ideas take votes; seed more.")
    data = {
        "session_cookie_name": settings.SESSION_COOKIE_NAME,
        "csrf": get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS),
        "voters": [{"id": voter.pk, "session": session_key(voter)} for voter in voters],
        "probe": {"id": probe.pk, "session": session_key(probe)},
        "watched_idea": watched.pk,
        "locked_ideas": [idea.pk for idea in locked],
        "load_ideas": [idea.pk for idea in load],
        "idea_urls": {str(idea.pk): idea.get_absolute_url() for idea in open_ideas},
    }
    with open(out, "w") as handle:
        json.dump(data, handle)


if __name__ == "__main__":
    main(sys.argv[1])
