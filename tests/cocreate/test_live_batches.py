"""Votes handed over together go out as one message (ideas/broadcasts.py `batched`), and the pages still
hear every idea's latest totals, through a real Redis channel layer."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from cocreate.asgi import application
from ideas import broadcasts

from ..factories import make_idea

ORIGIN = [(b"origin", b"http://testserver")]


def votes(idea_id: int, upvotes: int) -> dict:
    return {"type": "idea.votes", "idea": idea_id, "votes": upvotes, "upvotes": upvotes, "downvotes": 0}


def handed_over(*events, groups=None) -> list[tuple]:
    layer = object()
    return [
        (
            layer,
            groups or [broadcasts.idea_group(event["idea"]), broadcasts.IDEA_LIST_GROUP],
            broadcasts.event_message(event),
            broadcasts.IDEA_LIST_GROUP,
        )
        for event in events
    ]


def test_votes_handed_over_together_are_one_message_with_each_idea_s_latest_totals():
    comment = handed_over({"type": "comment.created", "idea": 1})[0]
    comment = (comment[0], ["idea.1"], comment[2], None)  # to its own group, not batched
    items = handed_over(votes(1, 1), votes(2, 1)) + [comment] + handed_over(votes(1, 2))
    items = [(items[0][0], *item[1:]) for item in items]  # one layer

    sends = broadcasts.batched(items)

    assert len(sends) == 2
    layer, groups, message, publish_to = sends[0]
    assert publish_to == broadcasts.IDEA_LIST_GROUP and groups == ["idea.1", "idea.2", "ideas"]
    assert [part["text"] for part in message["batch"]] == [
        broadcasts.event_message(votes(2, 1))["text"],  # idea 1's earlier totals are superseded
        broadcasts.event_message(votes(1, 2))["text"],
    ]
    assert [part["groups"] for part in message["batch"]] == [["idea.2", "ideas"], ["idea.1", "ideas"]]
    assert sends[1] == items[2]  # the comment, as it came


def test_a_lone_event_keeps_its_own_message():
    items = handed_over(votes(1, 1))
    assert broadcasts.batched(items) == items


async def heard_until(listener, expected: dict, seconds: float = 10) -> list[dict]:
    """Everything the socket hears until every idea in `expected` has reached its expected votes."""
    heard, latest = [], {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while any(latest.get(idea) != count for idea, count in expected.items()):
        assert loop.time() < deadline, heard
        event = await listener.receive_json_from(timeout=seconds)
        heard.append(event)
        latest[event["idea"]] = event["votes"]
    return heard


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_pages_hear_each_idea_s_latest_totals_when_votes_go_out_together(on_private_redis):
    first, second = [await database_sync_to_async(make_idea)() for _ in range(2)]
    listing = WebsocketCommunicator(application, "/ws/ideas/", headers=ORIGIN)
    page = WebsocketCommunicator(application, f"/ws/ideas/{first.pk}/", headers=ORIGIN)
    assert (await listing.connect(timeout=10))[0] and (await page.connect(timeout=10))[0]

    def vote_burst():
        for idea, count in ((first.pk, 1), (second.pk, 1), (first.pk, 2), (second.pk, 2), (first.pk, 3)):
            broadcasts.send_event(
                groups=[broadcasts.idea_group(idea), broadcasts.IDEA_LIST_GROUP],
                publish_to=broadcasts.IDEA_LIST_GROUP,
                event=votes(idea, count),
            )

    await sync_to_async(vote_burst)()
    heard = await heard_until(listing, {first.pk: 3, second.pk: 2})
    on_page = await heard_until(page, {first.pk: 3})
    # Totals only grow: whatever was batched, no idea's earlier totals arrive after its later ones.
    for idea in (first.pk, second.pk):
        counts = [event["votes"] for event in heard if event["idea"] == idea]
        assert counts == sorted(counts), heard
    assert {event["idea"] for event in on_page} == {first.pk}  # the page hears only its own idea
    await listing.disconnect()
    await page.disconnect()
