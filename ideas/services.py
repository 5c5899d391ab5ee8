"""Every way an idea or comment is written. Views and commands call these; nothing else writes."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import broadcasts
from .markdown import render_markdown
from .models import Comment, Idea, StatusChange, Visibility
from .ranking import hot_score


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("Give your idea a title.")})
    if len(title) > Idea._meta.get_field("title").max_length:
        raise ValidationError({"title": _("Keep the title under 140 characters.")})
    return title


@transaction.atomic
def idea_submit(*, author, title: str, body: str, tags=(), product=None, segment=None) -> Idea:
    """Publish a new idea by `author`, rendered and scored, with its tags."""
    now = timezone.now()
    idea = Idea(
        title=_clean_title(title),
        body=body,
        body_html=render_markdown(body),
        author=author,
        product=product,
        segment=segment,
        created_at=now,
        last_activity_at=now,
        hot_score=hot_score(upvotes=0, downvotes=0, posted_at=now),
    )
    idea.full_clean(exclude=["tags", "body_html"])
    idea.save()
    if tags:
        idea.tags.set(list(tags))
    return idea


def may_edit(user, idea: Idea) -> bool:
    """Authors edit their own ideas; moderators edit any (with a recorded reason, later)."""
    if not user.is_authenticated:
        return False
    return user.pk == idea.author_id or (user.is_staff and user.has_perm("ideas.moderate_content"))


@transaction.atomic
def idea_update(*, idea: Idea, editor, title: str, body: str, tags=None, product=None, segment=None) -> Idea:
    """Change an idea's text and classification; only its author or staff may."""
    if not may_edit(editor, idea):
        raise PermissionDenied(_("Only the author can edit this idea."))
    idea.title = _clean_title(title)
    idea.body = body
    idea.body_html = render_markdown(body)
    idea.product = product
    idea.segment = segment
    idea.full_clean(exclude=["tags", "body_html"])
    idea.save(update_fields=["title", "body", "body_html", "product", "segment", "updated_at"])
    if tags is not None:
        idea.tags.set(list(tags))
    return idea


@transaction.atomic
def comment_post(*, author, idea: Idea, body: str, parent: Comment | None = None) -> Comment:
    """Add a comment (or a reply to `parent`) to an idea and tell the idea's open pages."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something before posting.")})
    if idea.visibility != Visibility.PUBLIC or idea.status == Idea.Status.MERGED:
        raise ValidationError(_("This idea is closed for comments."))
    if parent is not None and parent.idea_id != idea.pk:
        raise ValidationError({"parent": _("You can only reply to a comment on the same idea.")})
    comment = Comment(idea=idea, author=author, parent=parent, body=body, body_html=render_markdown(body))
    comment.full_clean(exclude=["body_html"])
    comment.save()
    Idea.objects.filter(pk=idea.pk).update(
        comment_count=F("comment_count") + 1, last_activity_at=timezone.now()
    )
    comment_count = Idea.objects.values_list("comment_count", flat=True).get(pk=idea.pk)
    broadcasts.broadcast_comment_created(comment=comment, comment_count=comment_count)
    return comment


@transaction.atomic
def idea_set_status(*, idea: Idea, changed_by, status: str, note: str = "") -> StatusChange:
    """Move an idea along its public status workflow, keeping the timeline."""
    if not changed_by.has_perm("ideas.change_idea_status"):
        raise PermissionDenied(_("Only staff can change an idea's status."))
    if status not in Idea.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    change = StatusChange.objects.create(
        idea=idea, from_status=idea.status, to_status=status, note=note, changed_by=changed_by
    )
    idea.status = status
    idea.save(update_fields=["status", "updated_at"])
    return change
