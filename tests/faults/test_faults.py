"""Issue 17's fault suite: real outages under a bounded load, on the production process layout.

Private PostgreSQL and Redis instances (never the machine's shared ones), granian + daphne + the task
worker (+ scheduler) started against them, a bounded load of page views and votes on the loopback, two
websocket listeners. Scenarios run in this order on one stack; each checks the acceptance numbers of
"How to prove it" and records every figure (a table at the end of the run, bench/out/faults.json):

  1. Redis stopped 10 s: >= 99 % of page views and of votes succeed, no acknowledged vote lost, every
     voted idea's stored scores and search count follow its counters within 60 s of Redis' return,
     websocket listeners hear votes again.
  2. PostgreSQL stopped 10 s: failures are 503 with a clear page, no 500, the first success within 5 s
     of its return, no worker or scheduler left dead (and their work done afterwards).
  3. kill -9 of the worker while a task is mid-work (held on a row lock the suite takes): every
     pending effect done within 60 s of its restart, no task left RUNNING for ever.
  4. After all of it: counters equal the vote rows, and every acknowledged vote is a row.

Runs only in CI's PostgreSQL + Redis pass (DATABASE_URL is PostgreSQL and REDIS_URL is set); skipped with
the reason otherwise. About 2–4 minutes on a 2-core box.
"""

import re
import time
from collections import Counter

import pytest

from .checks import (
    counter_mismatches,
    lost_votes,
    rows_exist,
    stale_ideas,
    task_states,
    tasks_running_since_before,
    worker_waiting_on_lock,
)
from .load import Load
from .report import RESULTS, progress
from .services import skip_reason, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.skipif(bool(skip_reason()), reason=skip_reason() or "runs")]

OUTAGE_SECONDS = 10
BEFORE_SECONDS = 3  # load before the fault
AFTER_SECONDS = 5  # load after the service is back
SUCCESS_SHARE = 0.99
RECONCILE_SECONDS = 60
PG_RECOVERY_SECONDS = 5
WORKER_ALIVE_SECONDS = 15  # how long after PostgreSQL's return the worker must still be running
WS_SECONDS = 20  # for listeners to hear a vote again after Redis' return
LOCK_WAIT_SECONDS = 30  # for the worker to reach the locked ideas (a 10-s window, its grace, a poll)
# A "clear page": the 503 page says what happened in words a visitor understands.
CLEAR_503_WORDS = ("unavailable", "try again", "maintenance", "503")

ACKNOWLEDGED: list[dict] = []  # every vote answered 2xx, over all scenarios


def sleep_until(moment: float) -> None:
    """Wait for a scheduled moment of the scenario (the outage's length is the scenario's own clock)."""
    remaining = moment - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


def share(outcomes) -> tuple[float, int, int]:
    ok = sum(outcome.ok for outcome in outcomes)
    return (ok / len(outcomes) if outcomes else 1.0), ok, len(outcomes)


def statuses(outcomes) -> dict:
    return dict(
        Counter(
            str(outcome.status) if outcome.status else outcome.error.split(":")[0] for outcome in outcomes
        )
    )


def log_offsets(stack) -> dict:
    return {
        process.name: process.log_path.stat().st_size if process.log_path.exists() else 0
        for process in stack.apps.all
    }


EXCEPTION_LINE = re.compile(
    r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout|Refused|Closed)[\w.]*)(?::\s?(.*))?$"
)


def errors_logged(stack, offsets: dict, top: int = 6) -> dict:
    """The commonest exception lines each process logged since `offsets` (what made the failures)."""
    found = {}
    for process in stack.apps.all:
        if not process.log_path.exists():
            continue
        with process.log_path.open("rb") as handle:
            handle.seek(offsets.get(process.name, 0))
            text = handle.read().decode("utf-8", "replace")
        lines = Counter()
        for line in text.splitlines():
            match = EXCEPTION_LINE.match(line.strip())
            if match:
                lines[f"{match.group(1)}: {(match.group(2) or '')[:160]}"] += 1
        if lines:
            found[process.name] = dict(lines.most_common(top))
    return found


def make_healthy(stack, scenario) -> None:
    """Every service and process up before a scenario starts; whatever had to be restarted is recorded."""
    repaired = []
    if not stack.redis.ping():
        stack.redis.start()
        repaired.append("redis")
    if not stack.postgres.accepting():
        stack.postgres.start()
        repaired.append("postgres")
    repaired += stack.apps.restart_dead_background()
    for process in (stack.apps.http, stack.apps.ws):
        if not process.alive():
            process.start()
            process.wait_ready()
            repaired.append(process.name)
    scenario.figures["restarted_before_scenario"] = repaired

    def serving():
        return stack.site.request("GET", "/ideas/", kind="probe").ok

    wait_for(serving, timeout=60, what="the idea list answering 200", interval=0.2)


def probe_ws(stack, *, seconds: float) -> float | None:
    """Cast and withdraw the probe member's vote on the watched idea until every listener hears the new
    count; seconds that took, or None when they did not within `seconds`."""
    start = time.monotonic()
    probe, idea = stack.fixtures["probe"], stack.fixtures["watched_idea"]
    voted = None
    while time.monotonic() - start < seconds:
        action = "unvote" if voted else "vote"
        sent = time.monotonic()
        outcome = stack.site.request(
            "POST", f"/ideas/{idea}/{action}/", session=probe["session"], body={"value": "1"}, kind="probe"
        )
        if not outcome.ok:
            time.sleep(0.5)
            continue
        answer = outcome.vote["answer"]
        voted = answer.get("my_vote") == 1
        try:
            wait_for(
                lambda sent=sent, votes=answer["votes"]: all(stack.listeners.received_since(sent, votes)),
                timeout=min(3, max(0.1, seconds - (time.monotonic() - start))),
                what="listeners",
            )
            return time.monotonic() - start
        except TimeoutError:
            continue
    return None


def reconcile(stack, idea_ids, *, deadline: float) -> tuple[float | None, dict]:
    """Poll until every idea's stored scores follow its counters; (seconds from now, {}) or (None, stale)."""
    start = time.monotonic()
    with stack.db() as connection:
        while True:
            stale = stale_ideas(connection, idea_ids)
            if not stale:
                return time.monotonic() - start, {}
            if time.monotonic() > deadline:
                return None, stale
            time.sleep(0.5)


def voted_ideas(outcomes) -> set[int]:
    return {outcome.vote["idea"] for outcome in outcomes if outcome.kind == "vote" and outcome.vote}


def record_votes(stack, scenario, outcomes) -> None:
    """Acknowledged votes must be rows; votes answered with an error may or may not be (counted)."""
    votes = [outcome for outcome in outcomes if outcome.kind == "vote"]
    acked = [outcome.vote for outcome in votes if outcome.ok]
    ACKNOWLEDGED.extend(acked)
    failed = [outcome.vote for outcome in votes if not outcome.ok]
    with stack.db() as connection:
        lost = lost_votes(connection, acked)
        committed_but_failed = rows_exist(connection, [vote for vote in failed])
        committed_but_500 = rows_exist(
            connection, [outcome.vote for outcome in votes if outcome.status and outcome.status >= 500]
        )
    scenario.figures.update(
        votes_acknowledged=len(acked), votes_failed=len(failed), failed_votes_committed=committed_but_failed
    )
    scenario.check("acknowledged votes lost", not lost, f"{len(lost)} of {len(acked)}", "0")
    scenario.check("votes committed but answered 5xx", committed_but_500 == 0, committed_but_500, "0")


def finish(scenario, started: float) -> None:
    scenario.seconds = round(time.monotonic() - started, 1)
    RESULTS.write()
    assert scenario.passed, f"{scenario.name}:\n{scenario.failures()}\nfigures: {scenario.figures}"


def test_redis_outage(stack):
    scenario, started = RESULTS.scenario("redis_outage_10s"), time.monotonic()
    progress("scenario: Redis stopped for 10 s under load")
    make_healthy(stack, scenario)
    baseline_ws = probe_ws(stack, seconds=10)
    assert baseline_ws is not None, "websocket listeners hear no votes even before the outage"
    offsets = log_offsets(stack)
    connects_before = sum(stack.listeners.connects)
    load = Load(stack.site, seed=1).start()
    sleep_until(time.monotonic() + BEFORE_SECONDS)
    stopping = time.monotonic()
    stack.redis.stop()
    down = time.monotonic()
    progress("  Redis stopped")
    sleep_until(down + OUTAGE_SECONDS)
    stack.redis.start()
    up = time.monotonic()
    progress(f"  Redis back after {up - down:.1f} s")
    sleep_until(up + AFTER_SECONDS)
    outcomes = load.stop()

    during = [outcome for outcome in outcomes if outcome.started >= stopping]
    pages = [outcome for outcome in during if outcome.kind.startswith("page")]
    votes = [outcome for outcome in during if outcome.kind == "vote"]
    page_share, page_ok, page_total = share(pages)
    vote_share, vote_ok, vote_total = share(votes)
    scenario.figures.update(
        requests=len(outcomes),
        requests_from_outage_on=len(during),
        page_statuses=statuses(pages),
        vote_statuses=statuses(votes),
        before_outage=statuses([outcome for outcome in outcomes if outcome.started < stopping]),
        outage_seconds=round(up - down, 1),
    )
    scenario.check(
        "page views succeed (outage + 5 s after)",
        page_share >= SUCCESS_SHARE,
        f"{page_share:.1%} ({page_ok}/{page_total})",
        ">= 99 %",
    )
    scenario.check(
        "votes succeed (outage + 5 s after)",
        vote_share >= SUCCESS_SHARE,
        f"{vote_share:.1%} ({vote_ok}/{vote_total})",
        ">= 99 %",
    )
    record_votes(stack, scenario, outcomes)
    ws_seconds = probe_ws(stack, seconds=max(1, up + WS_SECONDS - time.monotonic()))
    scenario.figures["listener_reconnects"] = sum(stack.listeners.connects) - connects_before
    scenario.check(
        "websocket listeners hear votes again",
        ws_seconds is not None,
        "never" if ws_seconds is None else f"{time.monotonic() - up:.1f} s after Redis' return",
        f"within {WS_SECONDS} s",
    )
    ideas = voted_ideas(outcomes)
    progress(
        f"  waiting for {len(ideas)} voted ideas' scores (up to {RECONCILE_SECONDS} s after Redis' return)"
    )
    took, stale = reconcile(stack, ideas, deadline=up + RECONCILE_SECONDS)
    scenario.figures["stale_examples"] = dict(list(stale.items())[:5])
    scenario.check(
        "voted ideas' scores and search counts reconciled",
        took is not None,
        f"{len(stale)} of {len(ideas)} still stale {RECONCILE_SECONDS} s after Redis' return"
        if took is None
        else f"all {len(ideas)} within {time.monotonic() - up:.0f} s of Redis' return",
        f"all within {RECONCILE_SECONDS} s",
    )
    with stack.db() as connection:
        mismatches = counter_mismatches(connection)
        scenario.figures["task_states"] = task_states(connection)
    scenario.check("counters equal vote rows", not mismatches, f"{len(mismatches)} ideas differ", "0")
    scenario.figures["errors_logged"] = errors_logged(stack, offsets)
    finish(scenario, started)


def test_postgres_outage(stack):
    scenario, started = RESULTS.scenario("postgres_outage_10s"), time.monotonic()
    progress("scenario: PostgreSQL stopped for 10 s under load")
    make_healthy(stack, scenario)
    starts_before = {process.name: process.starts for process in stack.apps.background}
    offsets = log_offsets(stack)
    load = Load(stack.site, seed=2).start()
    sleep_until(time.monotonic() + BEFORE_SECONDS)
    stopping = time.monotonic()
    stack.postgres.stop("fast")
    down = time.monotonic()
    progress("  PostgreSQL stopped")
    sleep_until(down + OUTAGE_SECONDS)
    stack.postgres.start()
    up = time.monotonic()
    progress(f"  PostgreSQL back after {up - down:.1f} s")
    sleep_until(up + AFTER_SECONDS)
    outcomes = load.stop()

    during = [outcome for outcome in outcomes if outcome.started >= stopping]
    failed = [outcome for outcome in during if not outcome.ok]
    fives = [outcome for outcome in during if outcome.status == 500]
    unanswered = [outcome for outcome in during if outcome.status is None]
    others = [outcome for outcome in failed if outcome.status not in (503, 500, None)]
    page_503 = [outcome for outcome in during if outcome.status == 503 and outcome.kind.startswith("page")]
    unclear = [
        outcome
        for outcome in page_503
        if "html" not in outcome.content_type
        or not any(word in outcome.body.lower() for word in CLEAR_503_WORDS)
    ]
    scenario.figures.update(
        requests=len(outcomes),
        requests_from_outage_on=len(during),
        statuses=statuses(during),
        by_kind={
            kind: statuses([o for o in during if o.kind == kind])
            for kind in ("page_anonymous", "page_member", "vote")
        },
        example_500=next((outcome.body[:300] for outcome in fives), ""),
        outage_seconds=round(up - down, 1),
    )
    scenario.check("no 500s", not fives, f"{len(fives)} of {len(during)}", "0")
    scenario.check("every request answered", not unanswered, f"{len(unanswered)} without an answer", "0")
    scenario.check(
        "failures are 503 with a clear page",
        bool(page_503) and not unclear and not others,
        f"{len(page_503)} page 503s ({len(unclear)} unclear), "
        f"{len(others)} other failures {statuses(others)}",
        "every failure a 503 page naming the outage",
    )
    after_return = [outcome for outcome in outcomes if outcome.finished >= up]
    firsts = {}
    for kind in ("page_member", "vote"):
        ok = [outcome.finished - up for outcome in after_return if outcome.kind == kind and outcome.ok]
        firsts[kind] = min(ok) if ok else None
    scenario.figures["first_success_after_return_s"] = {
        kind: None if value is None else round(value, 2) for kind, value in firsts.items()
    }
    recovered = [value for value in firsts.values() if value is not None]
    worst = max(recovered) if len(recovered) == len(firsts) else None
    scenario.check(
        "first success after PostgreSQL's return (member page and vote)",
        worst is not None and worst <= PG_RECOVERY_SECONDS,
        "none" if worst is None else f"{worst:.2f} s",
        f"<= {PG_RECOVERY_SECONDS} s",
    )
    sleep_until(up + WORKER_ALIVE_SECONDS)
    dead = [
        f"{process.name} (exit {process.returncode})"
        for process in stack.apps.background
        if not process.alive() or process.starts != starts_before[process.name]
    ]
    scenario.check(
        "no worker or scheduler left dead",
        not dead,
        ", ".join(dead) or f"all alive {WORKER_ALIVE_SECONDS} s after the return",
        "all alive",
    )
    if not dead:
        ideas = voted_ideas([outcome for outcome in outcomes if outcome.ok])
        took, stale = reconcile(stack, ideas, deadline=up + RECONCILE_SECONDS)
        scenario.check(
            "voted ideas' scores reconciled",
            took is not None,
            f"{len(stale)} of {len(ideas)} stale" if took is None else f"all {len(ideas)}",
            f"within {RECONCILE_SECONDS} s of the return",
        )
    record_votes(stack, scenario, outcomes)
    scenario.figures["errors_logged"] = errors_logged(stack, offsets)
    with stack.db() as connection:
        scenario.figures["task_states"] = task_states(connection)
    finish(scenario, started)


def test_worker_killed_mid_work(stack):
    scenario, started = RESULTS.scenario("worker_kill_9_mid_task"), time.monotonic()
    progress("scenario: kill -9 of the worker while a task is mid-work")
    make_healthy(stack, scenario)
    offsets = log_offsets(stack)
    load = Load(stack.site, seed=3).start()
    locked = stack.fixtures["locked_ideas"]
    votes = []
    for idea in locked:
        member, session = stack.site.next_locked_pair(idea)
        votes.append(stack.site.vote(member=member, session=session, idea=idea, value=1))
    scenario.figures["locked_votes"] = statuses(votes)
    with stack.db() as watcher, stack.db() as holder:
        with holder.transaction():
            holder.execute("SELECT id FROM ideas_idea WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [locked])
            progress(
                f"  holding the row locks of {len(locked)} just-voted ideas; "
                "waiting for the worker to reach them"
            )
            try:
                waiting = wait_for(
                    lambda: worker_waiting_on_lock(watcher, "faults-worker"),
                    timeout=LOCK_WAIT_SECONDS,
                    what="the worker waiting on the locked ideas",
                    interval=0.1,
                )
            except TimeoutError:
                waiting = []
            killed_at = watcher.execute("SELECT now()").fetchone()[0]
            stack.apps.worker.kill()
            where = f"mid-task: {waiting[0][1][:80]}" if waiting else "no task had reached the ideas"
            progress(f"  worker killed ({where})")
        # The locks are released here; the killed worker's transaction never commits.
    scenario.check(
        "worker killed while a task was mid-work",
        bool(waiting),
        "yes, waiting on the locked ideas"
        if waiting
        else f"no task reached them within {LOCK_WAIT_SECONDS} s",
        "a task mid-work",
    )
    stack.apps.worker.start()
    restarted = time.monotonic()
    progress(f"  worker restarted; waiting up to {RECONCILE_SECONDS} s for every pending effect")
    outcomes = load.stop()
    all_votes = outcomes + votes
    ideas = voted_ideas(all_votes)
    took, stale = reconcile(stack, ideas, deadline=restarted + RECONCILE_SECONDS)
    scenario.figures["stale_examples"] = dict(list(stale.items())[:5])
    scenario.figures["stale_locked"] = len(set(stale) & set(locked))
    scenario.check(
        "pending effects done after the restart",
        took is not None,
        f"{len(stale)} of {len(ideas)} ideas still stale ({scenario.figures['stale_locked']} of the "
        f"{len(locked)} the killed task held)"
        if took is None
        else f"all {len(ideas)} within {time.monotonic() - restarted:.0f} s",
        f"all within {RECONCILE_SECONDS} s of the restart",
    )
    # The killed worker's own task row stays RUNNING until its lease runs out (TASK_WORKER_LEASE_SECONDS,
    # 30 s by default) and a live worker takes it up again: poll for it within the same 60 s.
    while True:
        with stack.db() as connection:
            stuck = tasks_running_since_before(connection, killed_at)
            scenario.figures["task_states"] = task_states(connection)
        if not stuck or time.monotonic() > restarted + RECONCILE_SECONDS:
            break
        time.sleep(1)
    scenario.check(
        "no task left RUNNING by the killed worker",
        not stuck,
        f"{len(stuck)}: {[row[1] for row in stuck][:3]}"
        if stuck
        else f"none ({time.monotonic() - restarted:.0f} s after the restart)",
        f"0 within {RECONCILE_SECONDS} s of the restart",
    )
    scenario.check(
        "worker alive after the restart",
        stack.apps.worker.alive(),
        f"exit {stack.apps.worker.returncode}" if not stack.apps.worker.alive() else "alive",
        "alive",
    )
    record_votes(stack, scenario, all_votes)
    scenario.figures["page_statuses"] = statuses([o for o in outcomes if o.kind.startswith("page")])
    scenario.figures["errors_logged"] = errors_logged(stack, offsets)
    finish(scenario, started)


def test_counters_equal_rows_after_all(stack):
    scenario, started = RESULTS.scenario("after_all"), time.monotonic()
    progress("after all scenarios: counters against rows, acknowledged votes")
    make_healthy(stack, scenario)
    with stack.db() as connection:
        mismatches = counter_mismatches(connection)
        lost = lost_votes(connection, ACKNOWLEDGED)
        all_ideas = [row[0] for row in connection.execute("SELECT id FROM ideas_idea")]
        stale = stale_ideas(connection, all_ideas)
        scenario.figures.update(
            task_states=task_states(connection),
            vote_rows=connection.execute("SELECT COUNT(*) FROM voting_vote").fetchone()[0],
            stale_ideas_now=len(stale),
        )
    scenario.check(
        "counters equal vote rows (every idea)", not mismatches, f"{len(mismatches)} ideas differ", "0"
    )
    scenario.check(
        "acknowledged votes are rows (whole run)",
        not lost,
        f"{len(lost)} of {len(ACKNOWLEDGED)} missing",
        "0",
    )
    finish(scenario, started)
