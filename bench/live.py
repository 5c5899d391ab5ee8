"""Vote-to-other-client latency: how long a vote takes to reach the websocket clients watching the idea.

N clients listen on ws://…/ws/ideas/<id>/ (daphne); one member casts and withdraws a vote over HTTP
(granian), one request at a time. The vote service queues the broadcast with transaction.on_commit,
so it leaves through Redis between the commit and the HTTP response. For each vote the time until the
last client holds the new count is measured twice:
  from the response   a lower bound of commit-to-client (the commit happened before the response;
                      negative when the clients had it before the voter got its answer);
  from the request    an upper bound (the commit happened after the request was sent).
"""

import asyncio
import json
import time
from dataclasses import dataclass

from websockets.asyncio.client import connect

from .loadgen import build_request, percentile, send


@dataclass
class LiveResult:
    clients: int
    votes: int
    missed: int
    wrong_count: int
    p50_from_response_ms: float
    p99_from_response_ms: float
    p50_from_request_ms: float
    p99_from_request_ms: float
    max_from_request_ms: float


async def vote_to_clients(
    *,
    http_host: str,
    http_port: int,
    ws_url: str,
    origin: str,
    idea_id: int,
    cookie: str,
    csrf: str,
    clients: int = 20,
    votes: int = 200,
    wait: float = 2.0,
) -> LiveResult:
    inboxes = [asyncio.Queue() for _ in range(clients)]
    sockets = [await connect(ws_url, origin=origin, open_timeout=10) for _ in range(clients)]

    async def listen(ws, inbox):
        async for raw in ws:
            event = json.loads(raw)
            if event.get("type") == "idea.votes" and event.get("idea") == idea_id:
                inbox.put_nowait((time.perf_counter(), event["votes"]))

    listeners = [asyncio.create_task(listen(ws, inbox)) for ws, inbox in zip(sockets, inboxes, strict=True)]
    headers = {
        "Cookie": cookie,
        "X-CSRFToken": csrf,
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    host = f"{http_host}:{http_port}"

    async def post(action: str) -> dict:
        request = build_request(
            "POST", f"/ideas/{idea_id}/{action}/", host=host, headers=headers, body=b"value=1"
        )
        response = await send(http_host, http_port, request)
        if response.status != 200:
            raise RuntimeError(f"{action} answered {response.status}: {response.body[:200]!r}")
        return json.loads(response.body)

    async def drain():
        await asyncio.sleep(wait)
        for inbox in inboxes:
            while not inbox.empty():
                inbox.get_nowait()

    from_response, from_request = [], []
    missed = wrong = 0
    try:
        await post("unvote")  # a known start: no vote, so every request below changes the count
        await drain()
        for n in range(votes):
            action = "vote" if n % 2 == 0 else "unvote"
            sent = time.perf_counter()
            tally = await post(action)
            answered = time.perf_counter()
            try:
                received = await asyncio.wait_for(asyncio.gather(*(inbox.get() for inbox in inboxes)), wait)
            except TimeoutError:
                missed += 1
                await drain()
                continue
            if any(count != tally["votes"] for _, count in received):
                wrong += 1
            last = max(at for at, _ in received)
            from_response.append(last - answered)
            from_request.append(last - sent)
    finally:
        for task in listeners:
            task.cancel()
        for ws in sockets:
            await ws.close()
    return LiveResult(
        clients=clients,
        votes=votes,
        missed=missed,
        wrong_count=wrong,
        p50_from_response_ms=percentile(from_response, 50) * 1000,
        p99_from_response_ms=percentile(from_response, 99) * 1000,
        p50_from_request_ms=percentile(from_request, 50) * 1000,
        p99_from_request_ms=percentile(from_request, 99) * 1000,
        max_from_request_ms=max(from_request, default=float("nan")) * 1000,
    )
