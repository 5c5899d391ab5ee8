"""Notification email at scale on PostgreSQL, through a real SMTP server (aiosmtpd) on localhost.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_email_bench .venv/bin/python bench/email_fanout.py

Creates the database if missing, migrates, and (once) 20,000 members with verified addresses who
consented to email, the first 10,000 following one idea. Then it measures:
  fan-out  the idea ships: 10,000 in-app notifications written (notify_members) and every message
           handed to the SMTP server (notifications.mail.email_event: batches of EMAIL_BATCH_SIZE, one
           SMTP connection each). Target: under 60 s.
  digest   one "new idea" notification for each of the 20,000 members, then the weekly digest
           (notifications.mail.send_digests). Each run starts from no notifications.
The SMTP server runs in this process (a thread): its cost is part of the figures, as a local relay's
would be. Messages are counted, not stored.
"""

import argparse
import os
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.standalone import own_database, setup_django  # noqa: E402


class CountingHandler:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp():
    from aiosmtpd.controller import Controller

    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    os.environ.update(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(controller.port),
    )
    return controller, handler


def seed(members: int, supporters: int):
    from django.utils import timezone

    from community.models import Member
    from ideas.models import Follow, Idea
    from ideas.services import idea_submit

    have = Member.objects.filter(username__startswith="bench-").count()
    if have < members:
        now = timezone.now()
        Member.objects.bulk_create(
            [
                Member(
                    username=f"bench-{n}",
                    email=f"bench-{n}@example.com",
                    display_name=f"Bench member {n}",
                    email_verified=True,
                    email_consent=True,
                    email_consent_at=now,
                    password="!",  # noqa: S106 - unusable: nobody logs in as them
                )
                for n in range(have, members)
            ],
            batch_size=2000,
        )
    idea = Idea.objects.filter(title="The shipped idea").first()
    if idea is None:
        idea = idea_submit(
            author=Member.objects.get(username="bench-0"), title="The shipped idea", body="It ships."
        )
    ids = list(
        Member.objects.filter(username__startswith="bench-").order_by("pk").values_list("pk", flat=True)
    )
    Follow.objects.bulk_create(
        [Follow(idea=idea, member_id=pk) for pk in ids[:supporters]], batch_size=2000, ignore_conflicts=True
    )
    return idea, ids


def reset():
    from django_tasks_db.models import DBTaskResult

    from notifications.models import EmailFailure, Notification

    EmailFailure.objects.all().delete()
    Notification.objects.all().delete()
    DBTaskResult.objects.all().delete()


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--supporters", type=int, default=10_000)
    args = parser.parse_args()

    controller, handler = start_smtp()
    setup_django("email")
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per SMTP command
    from django.conf import settings
    from tqdm import tqdm

    from ideas.services import supporter_ids
    from notifications import mail
    from notifications.models import Cadence, Notification
    from notifications.services import notify_members

    own_database()
    idea, member_ids = seed(args.members, args.supporters)
    reset()
    print(
        f"{len(member_ids):,} members, {args.supporters:,} follow the idea; "
        f"batches of {settings.EMAIL_BATCH_SIZE}"
    )

    start = time.perf_counter()
    supporters = supporter_ids(idea)
    # The task's function itself (the queued email_event it adds is run below, with a progress bar).
    written = notify_members.func(
        member_ids=supporters,
        kind=Notification.Kind.RELEASE,
        idea_id=idea.pk,
        actor_id=None,
        message="“The shipped idea” is in release 2.0",
        url=idea.get_absolute_url(),
        event="bench-release",
    )
    notified = time.perf_counter()
    with tqdm(total=written, desc="fan-out", unit="notif") as bar:
        delivery = mail.email_event(event="bench-release", progress=bar.update)
    done = time.perf_counter()
    print(
        f"fan-out: {written:,} notifications written in {notified - start:.1f} s, {delivery.sent:,} emails "
        f"sent ({handler.count:,} received, {delivery.failed} failed) in {done - notified:.1f} s; "
        f"total {done - start:.1f} s (target < 60 s)"
    )

    reset()
    before = handler.count
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk, kind=Notification.Kind.NEW_IDEA, message=f"New idea no. {pk}", url="/"
            )
            for pk in member_ids
        ],
        batch_size=2000,
    )
    start = time.perf_counter()
    with tqdm(total=len(member_ids), desc="digest", unit="member") as bar:
        delivery = mail.send_digests(cadence=Cadence.WEEKLY, progress=bar.update)
    done = time.perf_counter()
    print(
        f"weekly digest: {delivery.sent:,} digests sent ({handler.count - before:,} received, "
        f"{delivery.failed} failed) to {len(member_ids):,} members in {done - start:.1f} s"
    )
    reset()
    controller.stop()


if __name__ == "__main__":
    main()
