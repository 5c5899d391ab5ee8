"""Votes on PostgreSQL in one statement: the function `voting_apply_vote` (voting.services).

It does what voting.services._vote_in_python does, in the same order and under the same row lock:
lock the idea, check that it takes votes (the rule of Idea.is_open_for_votes, with the closed statuses
and the public visibility passed in), read the member's vote, insert, change or delete it, and add to
the idea's counters. p_value is 1 or -1 to cast, 0 to withdraw. It returns the outcome ("changed",
"unchanged", "missing", "closed") and the idea's counters after the vote. Each statement in it takes a
fresh snapshot (READ COMMITTED), so the vote read after the lock includes any committed meanwhile.

The redundant single-column indexes on the vote table go too: the unique (idea, member) index and
"vote_member_idea" (member, idea) serve the same lookups, and each index is a write on every vote.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FUNCTION = """
CREATE OR REPLACE FUNCTION voting_apply_vote(
    p_idea bigint, p_member bigint, p_value integer, p_closed text[], p_public text, p_now timestamptz
) RETURNS TABLE (outcome text, upvotes integer, downvotes integer)
LANGUAGE plpgsql AS $$
DECLARE
    idea record;
    mine record;
    up_delta integer := 0;
    down_delta integer := 0;
BEGIN
    SELECT i.id, i.status, i.visibility, i.upvote_count, i.downvote_count, i.campaign_id INTO idea
      FROM ideas_idea i WHERE i.id = p_idea FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'missing'::text, 0, 0;
        RETURN;
    END IF;
    IF p_value <> 0 AND (
        idea.status = ANY (p_closed)
        OR idea.visibility <> p_public
        OR (idea.campaign_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM cms_campaignpage c
             WHERE c.page_ptr_id = idea.campaign_id AND c.starts_at <= p_now AND p_now < c.ends_at))
    ) THEN
        RETURN QUERY SELECT 'closed'::text, idea.upvote_count, idea.downvote_count;
        RETURN;
    END IF;
    SELECT v.id, v.value, v.discounted_at INTO mine
      FROM voting_vote v WHERE v.idea_id = p_idea AND v.member_id = p_member;
    IF NOT FOUND THEN
        IF p_value = 0 THEN
            RETURN QUERY SELECT 'unchanged'::text, idea.upvote_count, idea.downvote_count;
            RETURN;
        END IF;
        INSERT INTO voting_vote (idea_id, member_id, value, created_at) VALUES (p_idea, p_member, p_value, p_now);
        IF p_value = 1 THEN up_delta := 1; ELSE down_delta := 1; END IF;
    ELSE
        IF mine.value = p_value THEN
            RETURN QUERY SELECT 'unchanged'::text, idea.upvote_count, idea.downvote_count;
            RETURN;
        END IF;
        IF p_value = 0 THEN
            DELETE FROM voting_vote WHERE id = mine.id;
            IF mine.value = 1 THEN up_delta := -1; ELSE down_delta := -1; END IF;
        ELSE
            UPDATE voting_vote SET value = p_value WHERE id = mine.id;
            IF p_value = 1 THEN up_delta := 1; down_delta := -1; ELSE up_delta := -1; down_delta := 1; END IF;
        END IF;
        IF mine.discounted_at IS NOT NULL THEN  -- never in the counters: they stay as they are
            RETURN QUERY SELECT 'unchanged'::text, idea.upvote_count, idea.downvote_count;
            RETURN;
        END IF;
    END IF;
    UPDATE ideas_idea SET upvote_count = upvote_count + up_delta, downvote_count = downvote_count + down_delta
     WHERE id = p_idea;
    RETURN QUERY SELECT 'changed'::text, idea.upvote_count + up_delta, idea.downvote_count + down_delta;
END;
$$;
"""


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP FUNCTION IF EXISTS voting_apply_vote(bigint, bigint, integer, text[], text, timestamptz)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0006_create_guidelines"),
        ("ideas", "0004_idea_locked_at"),
        ("voting", "0002_vote_discounted_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="vote",
            name="idea",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="votes",
                to="ideas.idea",
            ),
        ),
        migrations.AlterField(
            model_name="vote",
            name="member",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="votes",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(create_function, drop_function, elidable=False),
    ]
