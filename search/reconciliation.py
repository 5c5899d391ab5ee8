"""Search's reconciliation check (operations.reconcile; registered in search.apps): the vote count in
each idea's search document against the idea's counters.

Only the database backend keeps its documents here; with Elasticsearch the check is skipped (its
documents are compared by `manage.py search_index --check`). Ideas marked for the window's rescore are
not drift: their counts follow with the next sweep (voting.windows).
"""

from django.conf import settings
from django.db.models import F, OuterRef, Subquery

import search
from ideas.models import Idea
from operations.reconcile import Finding
from voting.models import PendingRescore

from .models import IdeaDocument


def check_search_vote_counts(*, repair: bool) -> Finding:
    finding = Finding()
    if settings.SEARCH_BACKEND != "database":
        return finding
    net = (
        Idea.objects.filter(pk=OuterRef("pk"))
        .annotate(net=F("upvote_count") - F("downvote_count"))
        .values("net")
    )
    # One statement compares each document with its idea (one snapshot: no vote falls between).
    documents = IdeaDocument.objects.annotate(net=Subquery(net[:1]))
    finding.checked = documents.count()
    candidates = list(documents.exclude(votes=F("net")).values_list("pk", flat=True))
    pending = set(PendingRescore.objects.filter(idea_id__in=candidates).values_list("idea_id", flat=True))
    finding.drifted_ids = [pk for pk in candidates if pk not in pending]
    if finding.drifted_ids and repair:
        search.backend().update_votes(finding.drifted_ids)
        finding.repaired = len(finding.drifted_ids)
    return finding
