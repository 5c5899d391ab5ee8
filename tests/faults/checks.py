"""What the database says after a fault: lost votes, counters against rows, stale scores, stuck tasks.

Read straight from the private PostgreSQL with psycopg (the suite's own process is configured for the
test database, not for this one). Scores are recomputed with the app's own ranking functions.
"""

import math

import psycopg

from ideas.ranking import hot_score, top_score

SCORE_TOLERANCE = 1e-6
TASK_TABLE = "django_tasks_database_dbtaskresult"  # django-tasks-db's DBTaskResult

COUNTERS_AGAINST_ROWS = """
SELECT i.id, i.upvote_count, i.downvote_count, COALESCE(v.up, 0), COALESCE(v.down, 0)
FROM ideas_idea i
LEFT JOIN (
    SELECT idea_id, COUNT(*) FILTER (WHERE value = 1) AS up, COUNT(*) FILTER (WHERE value = -1) AS down
    FROM voting_vote WHERE discounted_at IS NULL GROUP BY idea_id
) v ON v.idea_id = i.id
WHERE i.upvote_count <> COALESCE(v.up, 0) OR i.downvote_count <> COALESCE(v.down, 0)
ORDER BY i.id
"""

SCORES = """
SELECT i.id, i.created_at, i.upvote_count, i.downvote_count, i.hot_score, i.top_score, d.votes
FROM ideas_idea i LEFT JOIN search_ideadocument d ON d.idea_id = i.id
WHERE i.id = ANY(%s)
"""


def counter_mismatches(connection: psycopg.Connection) -> list[tuple]:
    """Ideas whose counters differ from their counted vote rows: (id, up, down, rows up, rows down)."""
    return connection.execute(COUNTERS_AGAINST_ROWS).fetchall()


def stale_ideas(connection: psycopg.Connection, idea_ids) -> dict[int, str]:
    """Ideas whose stored hot/top scores or search vote count do not follow from their counters."""
    stale = {}
    for pk, created_at, up, down, hot, top, document_votes in connection.execute(SCORES, [sorted(idea_ids)]):
        reasons = []
        if not math.isclose(
            hot, hot_score(upvotes=up, downvotes=down, posted_at=created_at), abs_tol=SCORE_TOLERANCE
        ):
            reasons.append(f"hot {hot}")
        if not math.isclose(top, top_score(upvotes=up, downvotes=down), abs_tol=SCORE_TOLERANCE):
            reasons.append(f"top {top}")
        if document_votes is not None and document_votes != up - down:
            reasons.append(f"search votes {document_votes} != {up - down}")
        if reasons:
            stale[pk] = ", ".join(reasons)
    return stale


def lost_votes(connection: psycopg.Connection, acknowledged: list[dict]) -> list[dict]:
    """Acknowledged votes (answered 2xx) without their row, or with another value."""
    if not acknowledged:
        return []
    members = sorted({vote["member"] for vote in acknowledged})
    rows = {
        (member, idea): value
        for member, idea, value in connection.execute(
            "SELECT member_id, idea_id, value FROM voting_vote WHERE member_id = ANY(%s)", [members]
        )
    }
    return [vote for vote in acknowledged if rows.get((vote["member"], vote["idea"])) != vote["value"]]


def rows_exist(connection: psycopg.Connection, votes: list[dict]) -> int:
    """How many of these votes have their row (used for votes that were answered with an error)."""
    return len(votes) - len(lost_votes(connection, votes))


def task_table(connection: psycopg.Connection) -> str | None:
    return connection.execute("SELECT to_regclass(%s)::text", [TASK_TABLE]).fetchone()[0]


def task_states(connection: psycopg.Connection) -> dict[str, int]:
    if not task_table(connection):
        return {}
    return dict(connection.execute(f"SELECT status, COUNT(*) FROM {TASK_TABLE} GROUP BY status"))  # noqa: S608


def tasks_running_since_before(connection: psycopg.Connection, moment) -> list[tuple]:
    """Tasks still RUNNING that started before `moment` (a wall-clock datetime)."""
    if not task_table(connection):
        return []
    return connection.execute(
        f"SELECT id, task_path, started_at FROM {TASK_TABLE} "  # noqa: S608
        "WHERE status = 'RUNNING' AND started_at < %s",
        [moment],
    ).fetchall()


def worker_waiting_on_lock(connection: psycopg.Connection, application_name: str) -> list[tuple]:
    """Backends of one app process that wait for a row lock: (pid, query)."""
    return connection.execute(
        "SELECT pid, query FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'",
        [application_name],
    ).fetchall()
