"""The database function that casts a vote on PostgreSQL, generated from the models and the one vote rule.

A vote is the busiest write in the product. Through the ORM (transaction.atomic, select_for_update on
the idea, read, write the vote, F() on the counters: voting.services._vote_with_orm) it costs six round
trips (BEGIN, four statements, COMMIT) against one. Measured in-process on PostgreSQL (2026-12-03,
3 interleaved rounds of 1,500 vote/unvote pairs, a busy 2-core machine): app CPU per vote 3.7-5.5 ms
against 0.6-0.8 ms, PostgreSQL CPU 1.2-1.9 ms against 0.6-0.8 ms, and through the whole WSGI stack
5.4-7.6 ms against 2.2-2.6 ms (a bare view: 0.4 ms). That would take the vote from ~0.26 of the bare
view's throughput to an estimated 0.10-0.13, under its 0.18 target. So on PostgreSQL a vote is one statement,
`SELECT * FROM voting_apply_vote(...)`, doing the same steps under the same row lock.

Nothing in the function is written by hand against the schema or the rule:
  - tables and columns come from the models' `_meta`, so a renamed field or table changes the text;
  - which ideas take votes is the truth table of `Idea.takes_votes` over every status and visibility
    (the fields' choices) and every setting of the idea's workflow status (none: the built-in workflow;
    takes votes or not: a product's own, WorkflowStatus.takes_votes, read under the idea's lock), so the
    function holds no rule of its own; a campaign's window is
    `CampaignPage.is_open` (starts_at <= now < ends_at) in the campaign's own columns.
A migration installs the function (`install`). tests/voting/test_sql.py checks that the function in the
database is exactly what `function_body()` gives from today's code: change the rule, a choice or a
column without a migration that reinstalls it, and that test fails.
"""

from ideas.models import Idea

from .models import PendingRescore, Vote

NAME = "voting_apply_vote"
ARGUMENTS = "p_idea bigint, p_member bigint, p_value integer, p_now timestamptz"
# How PostgreSQL spells the argument types (pg_get_function_identity_arguments), for the test and DROP.
IDENTITY_ARGUMENTS = "p_idea bigint, p_member bigint, p_value integer, p_now timestamp with time zone"
WITHDRAW = 0  # the p_value that takes a member's vote back


def _name(identifier: str) -> str:
    """A table or column name from the models as an SQL identifier."""
    if '"' in identifier:
        raise ValueError(f"unexpected quote in a model's table or column name: {identifier!r}")
    return f'"{identifier}"'


def _text(value: str) -> str:
    """A constant of the code (a model choice, never input) as an SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _column(model, field_name: str) -> str:
    return _name(model._meta.get_field(field_name).column)


# The settings an idea's status can have about votes: None (the built-in workflow), then a product's own.
STATUS_SETTINGS = (None, True, False)


def open_states(status_takes_votes: bool | None = None) -> list[tuple[str, str]]:
    """Every (status, visibility) in which an idea takes votes, for one setting of its workflow status:
    `Idea.takes_votes`, the one rule."""
    statuses = [value for value, _label in Idea._meta.get_field("status").choices]
    visibilities = [value for value, _label in Idea._meta.get_field("visibility").choices]
    return [
        (status, visibility)
        for status in statuses
        for visibility in visibilities
        if Idea.takes_votes(status=status, visibility=visibility, status_takes_votes=status_takes_votes)
    ]


def _in_states(states, i_status: str, i_visibility: str) -> str:
    listed = ", ".join(f"({_text(status)}, {_text(visibility)})" for status, visibility in states)
    return f"(idea.{i_status}, idea.{i_visibility}) IN ({listed})" if listed else "FALSE"


def _takes_votes_sql(i_status: str, i_visibility: str, *, workflow: bool = True) -> str:
    """The vote rule in SQL over the idea's record (its `status_takes_votes`: NULL in the built-in
    workflow), one branch per setting, each the truth table of Idea.takes_votes."""
    if not workflow:
        return _in_states(open_states(None), i_status, i_visibility)
    branches = {
        setting: _in_states(open_states(setting), i_status, i_visibility) for setting in STATUS_SETTINGS
    }
    return (
        f"CASE WHEN idea.status_takes_votes IS NULL THEN {branches[None]} "
        f"WHEN idea.status_takes_votes THEN {branches[True]} ELSE {branches[False]} END"
    )


def function_body(*, mark_pending: bool = True, workflow: bool = True) -> str:
    """The PL/pgSQL body of the vote function, from today's models and rule (pg_proc.prosrc stores it).

    `mark_pending=False` leaves out the mark for the window's rescore: the function as it was before
    migration voting 0005 created the table of marks (that migration's way back). `workflow=False`
    leaves out the products' own workflows: before migration voting 0006 (its way back)."""
    idea, vote = Idea, Vote
    campaign_fk = idea._meta.get_field("campaign")
    campaign = campaign_fk.related_model
    status_fk = idea._meta.get_field("workflow_status")
    workflow_status = status_fk.related_model
    ws_table = _name(workflow_status._meta.db_table)
    i_ws = _name(status_fk.column)
    ws_key, ws_takes = _name(status_fk.target_field.column), _column(workflow_status, "takes_votes")

    idea_table, vote_table, campaign_table = (_name(model._meta.db_table) for model in (idea, vote, campaign))
    i_id, i_status, i_visibility, i_up, i_down, i_campaign = (
        _column(idea, name)
        for name in ("id", "status", "visibility", "upvote_count", "downvote_count", "campaign")
    )
    v_id, v_idea, v_member, v_value, v_created, v_discounted = (
        _column(vote, name) for name in ("id", "idea", "member", "value", "created_at", "discounted_at")
    )
    pending_table = _name(PendingRescore._meta.db_table)
    p_idea, p_since = _column(PendingRescore, "idea"), _column(PendingRescore, "since")
    c_key = _name(campaign_fk.target_field.column)
    c_starts, c_ends = _column(campaign, "starts_at"), _column(campaign, "ends_at")

    mark = (
        f"""    -- The idea's scores are now stale: mark it, in this transaction, for the window's rescore
    -- (voting.windows). Already marked: nothing to do (a mark locked by a rescore in progress is not
    -- waited for; that rescore reads these counters after this commits, under the idea's lock).
    INSERT INTO {pending_table} ({p_idea}, {p_since}) VALUES (p_idea, p_now) ON CONFLICT DO NOTHING;
"""  # noqa: S608
        if mark_pending
        else ""
    )
    up = int(Vote.Value.UP)
    takes_votes = _takes_votes_sql(i_status, i_visibility, workflow=workflow)
    status_join = (
        f"""ws.{ws_takes} AS status_takes_votes INTO idea
      FROM {idea_table} i LEFT JOIN {ws_table} ws ON ws.{ws_key} = i.{i_ws}
     WHERE i.{i_id} = p_idea FOR UPDATE OF i;"""  # noqa: S608
        if workflow
        else f"NULL::boolean AS status_takes_votes INTO idea\n      FROM {idea_table} i WHERE i.{i_id} = p_idea FOR UPDATE;"  # noqa: S608, E501
    )
    # Every name and literal spliced in below comes from the models (quoted by _name/_text), none from input.
    return f"""
DECLARE
    idea record;
    mine record;
    up_delta integer := 0;
    down_delta integer := 0;
BEGIN
    SELECT i.{i_id}, i.{i_status}, i.{i_visibility}, i.{i_up}, i.{i_down}, i.{i_campaign},
           {status_join}
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'missing'::text, 0, 0;
        RETURN;
    END IF;
    IF p_value <> {WITHDRAW} AND NOT (
        {takes_votes}
        AND (idea.{i_campaign} IS NULL OR EXISTS (
            SELECT 1 FROM {campaign_table} c
             WHERE c.{c_key} = idea.{i_campaign} AND c.{c_starts} <= p_now AND p_now < c.{c_ends}))
    ) THEN
        RETURN QUERY SELECT 'closed'::text, idea.{i_up}, idea.{i_down};
        RETURN;
    END IF;
    -- Read after the idea's lock: this statement's snapshot includes any vote committed meanwhile.
    SELECT v.{v_id}, v.{v_value}, v.{v_discounted} INTO mine
      FROM {vote_table} v WHERE v.{v_idea} = p_idea AND v.{v_member} = p_member;
    IF NOT FOUND THEN
        IF p_value = {WITHDRAW} THEN
            RETURN QUERY SELECT 'unchanged'::text, idea.{i_up}, idea.{i_down};
            RETURN;
        END IF;
        INSERT INTO {vote_table} ({v_idea}, {v_member}, {v_value}, {v_created})
             VALUES (p_idea, p_member, p_value, p_now);
        IF p_value = {up} THEN up_delta := 1; ELSE down_delta := 1; END IF;
    ELSE
        IF mine.{v_value} = p_value THEN
            RETURN QUERY SELECT 'unchanged'::text, idea.{i_up}, idea.{i_down};
            RETURN;
        END IF;
        IF p_value = {WITHDRAW} THEN
            DELETE FROM {vote_table} WHERE {v_id} = mine.{v_id};
            IF mine.{v_value} = {up} THEN up_delta := -1; ELSE down_delta := -1; END IF;
        ELSE
            UPDATE {vote_table} SET {v_value} = p_value WHERE {v_id} = mine.{v_id};
            IF p_value = {up} THEN up_delta := 1; down_delta := -1;
            ELSE up_delta := -1; down_delta := 1; END IF;
        END IF;
        IF mine.{v_discounted} IS NOT NULL THEN  -- never in the counters: they stay as they are
            RETURN QUERY SELECT 'unchanged'::text, idea.{i_up}, idea.{i_down};
            RETURN;
        END IF;
    END IF;
    -- Only the counters: no indexed column, so PostgreSQL can update the row in place (a HOT update).
    UPDATE {idea_table} SET {i_up} = {i_up} + up_delta, {i_down} = {i_down} + down_delta
     WHERE {i_id} = p_idea;
{mark}    RETURN QUERY SELECT 'changed'::text, idea.{i_up} + up_delta, idea.{i_down} + down_delta;
END;
"""  # noqa: S608


def create_statement(*, mark_pending: bool = True, workflow: bool = True) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {NAME}({ARGUMENTS}) "
        "RETURNS TABLE (outcome text, upvotes integer, downvotes integer) "
        f"LANGUAGE plpgsql AS $vote${function_body(mark_pending=mark_pending, workflow=workflow)}$vote$"
    )


def drop_statement() -> str:
    return f"DROP FUNCTION IF EXISTS {NAME}({IDENTITY_ARGUMENTS})"


def install(apps_at_migration, schema_editor) -> None:
    """For migrations.RunPython: (re)create the function from today's code.

    The historical models of a migration carry no rule, so this reads the real ones: a later migration
    that reinstalls it is what keeps the database in step (PL/pgSQL resolves names when the function
    runs, so an older text installed mid-way through `migrate` does no harm).
    """
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(create_statement(), params=None)


def install_without_marks(apps_at_migration, schema_editor) -> None:
    """For the way back of migration voting 0005 (before the table of marks existed)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(create_statement(mark_pending=False, workflow=False), params=None)


def install_without_workflows(apps_at_migration, schema_editor) -> None:
    """For the way back of migration voting 0006 (before products had their own workflows)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(create_statement(workflow=False), params=None)


def uninstall(apps_at_migration, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(drop_statement(), params=None)
