"""The home page's "trending ideas" are those with the most up-votes this week, not the hottest."""

import pytest

from ideas.models import Idea
from ideas.selectors import trending_ideas

from ..factories import make_idea

pytestmark = pytest.mark.django_db


def test_trending_ideas_follow_this_weeks_votes_not_the_hot_order():
    hot = make_idea(title="Hot but quiet this week")
    trending = make_idea(title="Busy this week")
    quiet = make_idea(title="Nothing this week")
    Idea.objects.filter(pk=hot.pk).update(hot_score=300, trending_score=1)
    Idea.objects.filter(pk=trending.pk).update(hot_score=100, trending_score=9)
    Idea.objects.filter(pk=quiet.pk).update(hot_score=200, trending_score=0)
    assert [idea.pk for idea in trending_ideas(limit=2)] == [trending.pk, hot.pk]
