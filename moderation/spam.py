"""Spam heuristics for new posts: link density, repeated text, posting velocity, known spam phrases.

Each signal is a short sentence for the moderator reading the queue. Posts with any signal from members
below trust level 2 are held for review (moderation.policy), never thrown away.
"""

import re
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ideas.models import Comment, Idea

LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
VELOCITY_WINDOW = timedelta(minutes=10)
VELOCITY_POSTS = 4  # earlier posts in the window that make one more suspicious
REPEAT_WINDOW = timedelta(days=1)
REPEAT_MIN_CHARS = 20


def count_links(text: str) -> int:
    return len(LINK.findall(text or ""))


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", (text or "").lower()).split())


def signals(*, author, text: str) -> list[str]:
    found = []
    links, words = count_links(text), len(text.split())
    if links >= 2 and links / max(words, 1) > 0.1:
        found.append(
            ngettext(
                "link density: %(links)d links in %(words)d word",
                "link density: %(links)d links in %(words)d words",
                words,
            )
            % {"links": links, "words": words}
        )
    lowered = _normalise(text)
    phrases = [p for p in settings.SPAM_PHRASES if _normalise(p) and _normalise(p) in lowered]
    if phrases:
        found.append(_("known spam phrases: %(phrases)s") % {"phrases": ", ".join(phrases)})
    now = timezone.now()
    if len(lowered) >= REPEAT_MIN_CHARS and lowered in _recent_texts(author, now - REPEAT_WINDOW):
        found.append(_("repeated text: the same words were posted in the last day"))
    window = now - VELOCITY_WINDOW
    posts = (
        Idea.objects.filter(author=author, created_at__gte=window).count()
        + Comment.objects.filter(author=author, created_at__gte=window).count()
    )
    if posts >= VELOCITY_POSTS:
        found.append(
            ngettext(
                "posting velocity: %(n)d post in 10 minutes",
                "posting velocity: %(n)d posts in 10 minutes",
                posts + 1,
            )
            % {"n": posts + 1}
        )
    return found


def _recent_texts(author, since) -> set[str]:
    """Normalised texts posted since `since` by anyone (capped), and the author's last ideas."""
    texts = set()
    for body in Comment.objects.filter(created_at__gte=since).values_list("body", flat=True)[:1000]:
        texts.add(_normalise(body))
    recent_ideas = Idea.objects.filter(created_at__gte=since).values_list("title", "body")[:1000]
    own_ideas = Idea.objects.filter(author=author).order_by("-id").values_list("title", "body")[:20]
    for title, body in [*recent_ideas, *own_ideas]:
        texts.add(_normalise(body))
        texts.add(_normalise(f"{title} {body}"))
    return texts
