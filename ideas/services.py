"""Writes of ideas and comments: posting, editing, status, follows, pins, merges and stored scores.

Views and commands call these. They are not yet the only writers of idea rows: votes keep the counters
(voting.services), and account deletion, backlog triage, moderation and `manage.py refresh_scores`
update columns of their own (grep `Idea.objects` for each).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community import permissions
from community.conduct import conduct
from community.limits import mention_limit
from community.models import Member
from notifications.models import Notification
from notifications.services import notify_on_commit

from . import broadcasts, signals, tasks, workflow
from .markdown import RenderedPost, mention_handles, render_post
from .models import (
    Comment,
    CommentRevision,
    Follow,
    Idea,
    IdeaImage,
    IdeaMerge,
    IdeaRevision,
    InternalNote,
    StatusChange,
    TopicFollow,
    Visibility,
)
from .ranking import TRENDING_WINDOW, hot_score, top_score
from .votes import votes


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("Give your idea a title.")})
    if len(title) > Idea._meta.get_field("title").max_length:
        raise ValidationError({"title": _("Keep the title under 140 characters.")})
    return title


def _render_body(*, author, body: str) -> RenderedPost:
    """The post's HTML and whom it @mentions, refused (a form error on the text, which is kept) past
    the author's limit of mentions (community.limits.mention_limit)."""
    rendered = render_post(body)
    limit = mention_limit(author)
    if len(rendered.mentioned_ids) > limit:
        raise ValidationError(
            {
                "body": ngettext(
                    "Mention at most %(limit)d member in one post.",
                    "Mention at most %(limit)d members in one post.",
                    limit,
                )
                % {"limit": limit}
            }
        )
    return rendered


def _notify_mentions(*, author, member_ids, idea: Idea, url: str, skip=()) -> None:
    """Tell the members a post mentions, once each, never the author themself."""
    ids = sorted(set(member_ids) - {author.pk} - set(skip))
    if ids:
        notify_on_commit(
            member_ids=ids,
            kind=Notification.Kind.MENTION,
            idea_id=idea.pk,
            actor_id=author.pk,
            message=lambda: (
                _("%(name)s mentioned you on “%(title)s”.")
                % {"name": author.public_name, "title": idea.title}
            ),
            url=url,
        )


@transaction.atomic
def idea_submit(
    *, author, title: str, body: str, tags=(), product=None, segment=None, campaign=None, images=()
) -> Idea:
    """Publish a new idea by `author`, scored, with its tags and images; the author follows it."""
    if campaign is not None and not campaign.is_open:
        raise ValidationError(_("This campaign is closed: it takes no new ideas."))
    title = _clean_title(title)
    spam_signals = conduct().check_post(
        author=author, kind="idea", text=f"{title} {body}", images=len(images)
    )
    rendered = _render_body(author=author, body=body)
    now = timezone.now()
    idea = Idea(
        title=title,
        body=body,
        body_html=rendered.html,
        author=author,
        product=product,
        segment=segment,
        campaign=campaign,
        workflow_status=workflow.first_of_stage(product.pk if product else None, Idea.Status.NEW),
        created_at=now,
        last_activity_at=now,
        hot_score=hot_score(upvotes=0, downvotes=0, posted_at=now),
        # Suspicious posts from low-trust members wait for a moderator instead of going public.
        visibility=Visibility.HELD if spam_signals else Visibility.PUBLIC,
    )
    idea.full_clean(exclude=["tags", "body_html"])
    idea.save()
    if spam_signals:
        conduct().hold_for_review(
            kind="idea", object_id=idea.pk, author=author, label=idea.title, signals=spam_signals
        )
    if tags:
        idea.tags.set(list(tags))
    attached = []
    for upload in images:
        attached.append(idea_attach_image(idea=idea, uploaded_by=author, upload=upload).pk)
    if attached:
        tasks.process_idea_images.enqueue(image_ids=attached)
    Follow.objects.create(member=author, idea=idea)
    signals.ideas_changed.send(sender=Idea, idea_ids=[idea.pk])
    if idea.visibility == Visibility.PUBLIC:  # a held idea is announced by nobody until approved
        signals.idea_created.send(sender=Idea, idea_id=idea.pk)
        notify_on_commit(
            member_ids=topic_follower_ids(idea),
            kind=Notification.Kind.NEW_IDEA,
            idea_id=idea.pk,
            actor_id=author.pk,
            message=lambda: _("New idea in what you follow: “%(title)s”") % {"title": idea.title},
            url=idea.get_absolute_url(),
        )
        _notify_mentions(
            author=author, member_ids=rendered.mentioned_ids, idea=idea, url=idea.get_absolute_url()
        )
    return idea


def topic_follower_ids(idea: Idea) -> list[int]:
    """Members following one of the idea's tags, its product, campaign or segment, each once, never its
    author: one query, however many tags and follows overlap."""
    filed_under = Q(tag__in=idea.tags.all().values("pk"))
    for kind in ("product", "campaign", "segment"):
        if getattr(idea, f"{kind}_id") is not None:  # `kind=None` would mean IS NULL: every other row
            filed_under |= Q(**{f"{kind}_id": getattr(idea, f"{kind}_id")})
    return list(
        TopicFollow.objects.filter(filed_under)
        .exclude(member_id=idea.author_id)
        .values_list("member_id", flat=True)
        .distinct()
        .order_by("member_id")
    )


@transaction.atomic
def idea_update(*, idea: Idea, editor, title: str, body: str, tags=None, product=None, segment=None) -> Idea:
    """Change an idea's text and classification; only its author or staff may."""
    if not (permissions.may_edit_idea(editor, idea) or permissions.may_moderate(editor)):
        raise PermissionDenied(_("Only the author can edit this idea."))
    title = _clean_title(title)
    rendered = _render_body(author=editor, body=body)
    mentioned_before = mention_handles(idea.body)
    if (title, body) != (idea.title, idea.body):
        IdeaRevision.objects.create(idea=idea, editor=editor, title=idea.title, body=idea.body)
    idea.title = title
    idea.body = body
    idea.body_html = rendered.html
    idea.product = product
    idea.segment = segment
    idea.full_clean(exclude=["tags", "body_html"])
    idea.save(update_fields=["title", "body", "body_html", "product", "segment", "updated_at"])
    workflow.ideas_follow_workflow([idea.pk])  # another product may have another workflow
    idea.refresh_from_db(fields=["workflow_status"])
    if tags is not None:
        idea.tags.set(list(tags))
    signals.ideas_changed.send(sender=Idea, idea_ids=[idea.pk])
    if idea.visibility == Visibility.PUBLIC:  # only members newly mentioned by this edit are told
        newly = [pk for handle, pk in rendered.mentioned.items() if handle not in mentioned_before]
        _notify_mentions(author=editor, member_ids=newly, idea=idea, url=idea.get_absolute_url())
    return idea


@transaction.atomic
def comment_post(
    *, author, idea: Idea, body: str, parent: Comment | None = None, official: bool = False
) -> Comment:
    """Add a comment (or a reply to `parent`) to an idea and tell the idea's open pages.

    `official` marks an answer from R&D or a customer manager; it is refused for anyone else.
    """
    if official and not permissions.may_post_official(author):
        raise PermissionDenied(_("Only R&D and customer managers post official responses."))
    if idea.campaign_closed:
        raise ValidationError(_("This campaign is closed: its ideas are read-only."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something before posting.")})
    if idea.visibility != Visibility.PUBLIC or not idea.takes_comments:
        raise ValidationError(_("This idea is closed for comments."))
    if idea.locked_at is not None:
        raise ValidationError(_("A moderator locked this discussion: it takes no new comments."))
    if parent is not None and parent.idea_id != idea.pk:
        raise ValidationError({"parent": _("You can only reply to a comment on the same idea.")})
    rendered = _render_body(author=author, body=body)
    spam_signals = conduct().check_post(author=author, kind="comment", text=body)
    comment = Comment(
        idea=idea,
        author=author,
        parent=parent,
        body=body,
        body_html=rendered.html,
        is_official=official,
        visibility=Visibility.HELD if spam_signals else Visibility.PUBLIC,
    )
    comment.full_clean(exclude=["body_html"])
    comment.save()
    if spam_signals:
        # Held: nobody else sees it, so nothing is counted, broadcast or notified until approved.
        conduct().hold_for_review(
            kind="comment", object_id=comment.pk, author=author, label=body[:120], signals=spam_signals
        )
        return comment
    Idea.objects.filter(pk=idea.pk).update(
        comment_count=F("comment_count") + 1, last_activity_at=timezone.now()
    )
    comment_count = Idea.objects.values_list("comment_count", flat=True).get(pk=idea.pk)
    broadcasts.broadcast_comment_created(comment=comment, comment_count=comment_count)
    if parent is not None and parent.author_id != author.pk:
        notify_on_commit(
            member_ids=[parent.author_id],
            kind=Notification.Kind.REPLY,
            idea_id=idea.pk,
            actor_id=author.pk,
            message=lambda: (
                _("%(name)s replied to you on “%(title)s”.")
                % {"name": author.public_name, "title": idea.title}
            ),
            url=comment.get_absolute_url(),
        )
    _notify_mentions(
        author=author,
        member_ids=rendered.mentioned_ids,
        idea=idea,
        url=comment.get_absolute_url(),
        skip=[parent.author_id] if parent is not None else [],  # told already: "replied to you"
    )
    if official:
        notify_on_commit(
            member_ids=supporter_ids(idea),
            kind=Notification.Kind.OFFICIAL_RESPONSE,
            idea_id=idea.pk,
            actor_id=author.pk,
            message=lambda: _("An official response on “%(title)s”.") % {"title": idea.title},
            url=comment.get_absolute_url(),
        )
    signals.comment_changed.send(sender=Comment, comment_id=comment.pk)
    signals.comment_created.send(sender=Comment, comment_id=comment.pk)
    return comment


# The built-in workflow's transitions (each product may have its own: ideas.workflow).
TRANSITIONS = workflow.TRANSITIONS


def supporter_ids(idea: Idea) -> list[int]:
    """Everyone who should hear about the idea: its author, voters and followers."""
    ids = {idea.author_id}
    ids.update(votes().voter_ids(idea))
    ids.update(Follow.objects.filter(idea=idea).values_list("member_id", flat=True))
    return sorted(ids)


def _status_change_record(
    *, idea: Idea, to_status: str, note: str, changed_by, to_name: str = ""
) -> StatusChange:
    """The timeline entry and the audit entry of one status change (the caller holds the idea's row
    lock and then sets `idea.status`). `to_name`: the public name in the product's own workflow."""
    change = StatusChange.objects.create(
        idea=idea,
        from_status=idea.status,
        to_status=to_status,
        note=note,
        changed_by=changed_by,
        to_name=to_name,
    )
    conduct().audit_record(
        actor=changed_by,
        action="status",
        kind="idea",
        object_id=idea.pk,
        target_label=idea.title,
        reason=note,
        before={"status": idea.status},
        after={"status": to_status},
    )
    return change


@transaction.atomic
def idea_set_status(*, idea: Idea, changed_by, status: str, note: str) -> StatusChange:
    """Move an idea along its product's status workflow (ideas.workflow: the built-in one or the
    product's own) with a public note, and tell every supporter, by the status's public name.

    `status` is a status key of that workflow, or a stage (the first status of that stage that may
    follow the current one). A transition the workflow does not allow is a ValidationError on
    `status`. Locking: the idea's row lock, taken before its current status is read.
    """
    if not permissions.may_change_status(changed_by):
        raise PermissionDenied(_("Only R&D can change an idea's status."))
    if not status or status == Idea.Status.MERGED:
        raise ValidationError({"status": _("Unknown status (merging has its own action).")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Explain the change in a public note: every supporter reads it.")})
    idea = Idea.objects.select_for_update(of=("self",)).select_related("workflow_status").get(pk=idea.pk)
    steps = workflow.steps_of(idea.product_id)
    current = workflow.current_step(idea, steps)
    target = workflow.resolve(steps, status, after=current)
    if target is None:
        raise ValidationError({"status": _("Unknown status (merging has its own action).")})
    if current is None or target.key not in current.next_keys:
        raise ValidationError(
            {
                "status": _("An idea that is %(old)s cannot become %(new)s.")
                % {"old": current.name if current else idea.get_status_display(), "new": target.name}
            }
        )
    own_name = target.name if target.row is not None else ""
    change = _status_change_record(
        idea=idea, to_status=target.stage, note=note, changed_by=changed_by, to_name=own_name
    )
    from_status = idea.status
    idea.status, idea.workflow_status = target.stage, target.row
    idea.save(update_fields=["status", "workflow_status", "updated_at"])
    signals.ideas_changed.send(sender=Idea, idea_ids=[idea.pk])
    signals.idea_status_changed.send(sender=Idea, changes=[(idea.pk, from_status, target.stage, note)])
    notify_on_commit(
        member_ids=supporter_ids(idea),
        kind=Notification.Kind.STATUS_CHANGED,
        idea_id=idea.pk,
        actor_id=changed_by.pk,
        message=lambda: (
            _("“%(title)s” is now %(status)s: %(note)s")
            % {"title": idea.title, "status": own_name or Idea.Status(target.stage).label, "note": note}
        ),
        url=idea.get_absolute_url(),
    )
    return change


# Statuses a release may ship an idea from. Declined ideas stay declined (R&D reopens them first) and
# merged ones live on in the idea they were merged into.
SHIPPABLE_BY_RELEASE = (
    Idea.Status.NEW,
    Idea.Status.UNDER_REVIEW,
    Idea.Status.PLANNED,
    Idea.Status.IN_PROGRESS,
)


@transaction.atomic
def ideas_ship(*, idea_ids, changed_by, note: str) -> list[Idea]:
    """Move these ideas to *shipped* with one public note, as a release does (cms release notes): from
    any open status, skipping the ones already shipped, declined, merged or not public. Each change is
    on the idea's timeline and in the audit log like idea_set_status's, but nobody is notified here:
    the caller tells the ideas' supporters once, for all of them (supporter_ids_of).

    Locking: the ideas' row locks, lowest id first (as triage and moderation take them).
    """
    if not permissions.may_change_status(changed_by):
        raise PermissionDenied(_("Only R&D can change an idea's status."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Explain the change in a public note: every supporter reads it.")})
    shipped, changes = [], []
    for idea in _lock_ideas(idea_ids):
        if idea.status not in SHIPPABLE_BY_RELEASE or idea.visibility != Visibility.PUBLIC:
            continue
        changes.append((idea.pk, idea.status, Idea.Status.SHIPPED, note))
        row = workflow.first_of_stage(idea.product_id, Idea.Status.SHIPPED)
        _status_change_record(
            idea=idea,
            to_status=Idea.Status.SHIPPED,
            note=note,
            changed_by=changed_by,
            to_name=row.name if row else "",
        )
        idea.status, idea.workflow_status = Idea.Status.SHIPPED, row
        idea.save(update_fields=["status", "workflow_status", "updated_at"])
        shipped.append(idea)
    if shipped:
        signals.ideas_changed.send(sender=Idea, idea_ids=[idea.pk for idea in shipped])
        signals.idea_status_changed.send(sender=Idea, changes=changes)
    return shipped


@transaction.atomic
def ideas_restore_status(*, statuses: dict, changed_by, note: str) -> list[Idea]:
    """Undo a shipment: each idea of `statuses` ({idea_id: status it had before}) that is still
    *shipped* goes back to that status with one public note, as the reverse of ideas_ship (an issue
    reopened in the tracker: webhooks.issues). Outside TRANSITIONS on purpose: it restores a recorded
    status rather than moving along the workflow. Nobody is notified here; the caller tells supporters.

    Locking: the ideas' row locks, lowest id first.
    """
    if not permissions.may_change_status(changed_by):
        raise PermissionDenied(_("Only R&D can change an idea's status."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Explain the change in a public note: every supporter reads it.")})
    statuses = {int(pk): status for pk, status in statuses.items()}
    restored, changes = [], []
    for idea in _lock_ideas(list(statuses)):
        previous = statuses[idea.pk]
        if idea.status != Idea.Status.SHIPPED or previous not in SHIPPABLE_BY_RELEASE:
            continue
        row = workflow.first_of_stage(idea.product_id, previous)
        _status_change_record(
            idea=idea, to_status=previous, note=note, changed_by=changed_by, to_name=row.name if row else ""
        )
        changes.append((idea.pk, idea.status, previous, note))
        idea.status, idea.workflow_status = previous, row
        idea.save(update_fields=["status", "workflow_status", "updated_at"])
        restored.append(idea)
    if restored:
        signals.ideas_changed.send(sender=Idea, idea_ids=[idea.pk for idea in restored])
        signals.idea_status_changed.send(sender=Idea, changes=changes)
    return restored


def supporter_ids_of(ideas) -> list[int]:
    """Everyone who should hear about any of these ideas (author, voters, followers), each once."""
    ids = set()
    for idea in ideas:
        ids.update(supporter_ids(idea))
    return sorted(ids)


@transaction.atomic
def follow_set(*, member, idea: Idea, following: bool) -> bool:
    """Follow or unfollow an idea; returns whether the member now follows it."""
    if following:
        Follow.objects.get_or_create(member=member, idea=idea)
    else:
        Follow.objects.filter(member=member, idea=idea).delete()
    return following


@transaction.atomic
def follow_topic_set(*, member, target, following: bool) -> bool:
    """Follow or unfollow a tag, product, campaign, segment or prototype (TopicFollow.kind_of says which);
    returns whether the member now follows it. Only customer managers and administrators follow
    segments (community.permissions.may_follow_segment); anyone may unfollow what they follow."""
    kind = TopicFollow.kind_of(target)
    if following and kind == "segment" and not permissions.may_follow_segment(member, target):
        raise PermissionDenied(_("Only customer managers follow segments."))
    if following:
        TopicFollow.objects.get_or_create(member=member, **{kind: target})
    else:
        TopicFollow.objects.filter(member=member, **{kind: target}).delete()
    return following


@transaction.atomic
def comment_pin(*, comment: Comment, pinned_by, pinned: bool) -> Comment:
    """Pin an official response (or any comment, for moderators) to the top of the discussion, or
    unpin it; the pin and its audit entry are written together."""
    if not permissions.may_pin(pinned_by, comment):
        raise PermissionDenied(
            _("R&D and customer managers pin official responses; moderators pin any comment.")
        )
    before = {"pinned": comment.pinned_at is not None}
    comment.pinned_at = timezone.now() if pinned else None
    comment.save(update_fields=["pinned_at"])
    conduct().audit_record(
        actor=pinned_by,
        action="pin",
        kind="comment",
        object_id=comment.pk,
        target_label=comment.body,
        reason=_("pinned") if pinned else _("unpinned"),
        before=before,
        after={"pinned": pinned},
    )
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, editor, body: str) -> Comment:
    """The author edits a comment; the previous text is kept in its history."""
    if not (permissions.may_edit_comment(editor, comment) or permissions.may_moderate(editor)):
        raise PermissionDenied(_("Only the author can edit this comment."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something before saving.")})
    if body != comment.body:
        rendered = _render_body(author=editor, body=body)
        mentioned_before = mention_handles(comment.body)
        CommentRevision.objects.create(comment=comment, editor=editor, body=comment.body)
        comment.body = body
        comment.body_html = rendered.html
        comment.save(update_fields=["body", "body_html", "updated_at"])
        signals.comment_changed.send(sender=Comment, comment_id=comment.pk)
        if comment.visibility == Visibility.PUBLIC:  # only members newly mentioned by this edit
            newly = [pk for handle, pk in rendered.mentioned.items() if handle not in mentioned_before]
            _notify_mentions(
                author=editor, member_ids=newly, idea=comment.idea, url=comment.get_absolute_url()
            )
    return comment


MAX_IMAGES_PER_IDEA = 6


def idea_attach_image(*, idea: Idea, uploaded_by, upload) -> IdeaImage:
    """Attach an image, PROCESSING until the background task has made its picture and thumbnail.

    Here only the header is read (format, size, pixels within the limits: ValidationError otherwise)
    and the upload is stored; `idea_submit` queues the decoding (ideas.tasks), in the same transaction,
    so the queued task commits with the image row or not at all.
    """
    if idea.images.count() >= MAX_IMAGES_PER_IDEA:
        raise ValidationError(
            {
                "images": ngettext(
                    "At most %(n)d image per idea.", "At most %(n)d images per idea.", MAX_IMAGES_PER_IDEA
                )
                % {"n": MAX_IMAGES_PER_IDEA}
            }
        )
    attachment = IdeaImage(idea=idea, uploaded_by=uploaded_by)
    attachment.take_upload(upload)
    attachment.save()
    return attachment


def preview_markdown(body: str) -> str:
    """What the description will look like: the same renderer and sanitiser as the saved page."""
    return render_post(body[:20000]).html


def idea_recount(*, idea_ids) -> None:
    """Recompute these ideas' vote and comment counters and scores from their rows.

    For writes that move or re-weigh many rows at once (a merge, votes discounted by moderators).
    Locking: takes each idea's row lock, lowest id first; callers that changed the rows must have held
    those locks since before the change, in the same transaction, so no vote lands in between.
    """
    for idea in _lock_ideas(idea_ids):
        up, down = votes().counted_up_down(idea)
        up, down = up + idea.retired_upvotes, down + idea.retired_downvotes
        idea.upvote_count, idea.downvote_count = up, down
        idea.comment_count = Comment.objects.filter(idea=idea, visibility=Visibility.PUBLIC).count()
        idea.hot_score = hot_score(upvotes=up, downvotes=down, posted_at=idea.created_at)
        idea.top_score = top_score(upvotes=up, downvotes=down)
        idea.save(update_fields=["upvote_count", "downvote_count", "comment_count", "hot_score", "top_score"])
        broadcasts.broadcast_idea_votes(idea_id=idea.pk, upvotes=up, downvotes=down)


def idea_set_visibility(*, idea: Idea, visibility: str) -> Idea:
    """Show, hold or hide an idea (moderation decides; this writes it and reindexes it).

    Locking: the caller holds the idea's row lock (moderation loads it with select_for_update).
    """
    if visibility not in Visibility.values:
        raise ValueError(f"unknown visibility {visibility!r}")
    idea.visibility = visibility
    idea.save(update_fields=["visibility"])
    signals.ideas_changed.send(sender=Idea, idea_ids=[idea.pk])
    return idea


def comment_set_visibility(*, comment: Comment, visibility: str) -> Comment:
    """Show, hold or hide a comment; its idea counts only public comments, and open pages follow live.

    Locking: the caller holds the comment's row lock, so its visibility cannot change twice at once;
    the idea's counter moves by an F() increment in the caller's transaction.
    """
    if visibility not in Visibility.values:
        raise ValueError(f"unknown visibility {visibility!r}")
    was_public = comment.visibility == Visibility.PUBLIC
    now_public = visibility == Visibility.PUBLIC
    comment.visibility = visibility
    comment.save(update_fields=["visibility"])
    if was_public != now_public:
        Idea.objects.filter(pk=comment.idea_id).update(
            comment_count=F("comment_count") + (1 if now_public else -1)
        )
        count = Idea.objects.values_list("comment_count", flat=True).get(pk=comment.idea_id)
        if now_public:  # arrives like a new comment; pages replace a tombstone in its place
            broadcasts.broadcast_comment_created(comment=comment, comment_count=count)
        else:
            broadcasts.broadcast_comment_hidden(
                idea_id=comment.idea_id, comment_id=comment.pk, comment_count=count
            )
    signals.ideas_changed.send(sender=Idea, idea_ids=[comment.idea_id])
    return comment


def idea_set_locked(*, idea: Idea, locked: bool) -> Idea:
    """Close (or reopen) an idea's discussion to new comments.

    Locking: the caller holds the idea's row lock, so two moderators cannot both change it.
    """
    idea.locked_at = timezone.now() if locked else None
    idea.save(update_fields=["locked_at"])
    return idea


def idea_move(*, idea: Idea, product=None, segment=None, campaign=None) -> Idea:
    """Put an idea under another product, segment or campaign, and reindex it.

    Locking: the caller holds the idea's row lock.
    """
    idea.product, idea.segment, idea.campaign = product, segment, campaign
    idea.save(update_fields=["product", "segment", "campaign", "updated_at"])
    workflow.ideas_follow_workflow([idea.pk])
    idea.refresh_from_db(fields=["workflow_status"])
    signals.ideas_changed.send(sender=Idea, idea_ids=[idea.pk])
    return idea


def ideas_set_product(*, idea_ids, product, only_without_product: bool = False) -> None:
    """Put these ideas under `product` (with only_without_product, those that have none yet), and
    reindex them. Locking: the caller holds the ideas' row locks, lowest id first (backlog triage)."""
    ideas = Idea.objects.filter(pk__in=idea_ids)
    if only_without_product:
        ideas = ideas.filter(product__isnull=True)
    ideas.update(product=product)
    workflow.ideas_follow_workflow(idea_ids)
    signals.ideas_changed.send(sender=Idea, idea_ids=list(idea_ids))


RESCORE_BATCH = 500
_RESCORE = (
    f"UPDATE {Idea._meta.db_table} SET hot_score = %s, top_score = %s, trending_score = %s "  # noqa: S608
    "WHERE id = %s"
)


def rescore_ideas(idea_ids) -> None:
    """Recompute the stored ranking scores of these ideas: hot and top from their counters, trending from
    their up-votes of the last seven days. Runs after votes, once per window (voting.windows).

    Each batch holds its ideas' row locks, as votes do: a vote that commits meanwhile is either in the
    counters read here or comes after them and queues the next refresh.
    """
    ids = sorted({int(pk) for pk in idea_ids})
    for start in range(0, len(ids), RESCORE_BATCH):
        batch = ids[start : start + RESCORE_BATCH]
        with transaction.atomic():
            ideas = list(
                Idea.objects.filter(pk__in=batch)
                .order_by("pk")
                .select_for_update(of=("self",))
                .only("id", "created_at", "upvote_count", "downvote_count")
            )
            recent = votes().recent_upvotes(batch, since=timezone.now() - TRENDING_WINDOW)
            scores = []
            for idea in ideas:
                up, down = idea.upvote_count, idea.downvote_count
                hot = hot_score(upvotes=up, downvotes=down, posted_at=idea.created_at)
                scores.append((hot, top_score(upvotes=up, downvotes=down), recent.get(idea.pk, 0), idea.pk))
            # One plain statement per idea, sent together (psycopg pipelines executemany): bulk_update's
            # CASE expressions cost ~1 ms of CPU per idea to build.
            if scores:
                with connection.cursor() as cursor:
                    cursor.executemany(_RESCORE, scores)


def _lock_ideas(idea_ids) -> list[Idea]:
    """Lock these idea rows lowest id first, the order triage and moderation lock them in too: two
    transactions locking the same ideas then wait for each other instead of deadlocking."""
    return list(Idea.objects.select_for_update(of=("self",)).filter(pk__in=idea_ids).order_by("pk"))


@transaction.atomic
def idea_merge(*, source: Idea, target: Idea, merged_by, note: str) -> IdeaMerge:
    """Merge duplicate `source` into `target`: votes, followers, comments and tags move, nothing is lost.

    A member who voted for both keeps one vote (on the target); their vote on the source stays with the
    source and comes back if the merge is undone. Both rows are locked (lowest id first) and their
    counters recomputed from the rows. What moved is recorded, so `idea_unmerge` can put it back.
    """
    if not permissions.may_merge(merged_by):
        raise PermissionDenied(_("Only R&D and moderators merge ideas."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why these ideas are duplicates; supporters will read it.")})
    if source.pk == target.pk:
        raise ValidationError({"target": _("An idea cannot be merged into itself.")})
    locked = {i.pk: i for i in _lock_ideas([source.pk, target.pk])}
    source, target = locked[source.pk], locked[target.pk]
    if source.status == Idea.Status.MERGED:
        raise ValidationError({"source": _("This idea is already merged into another one.")})
    if target.status == Idea.Status.MERGED:
        raise ValidationError(
            {
                "target": _("“%(title)s” was itself merged into another idea; merge into that one instead.")
                % {"title": target.title}
            }
        )
    supporters = supporter_ids(source)  # before anything moves
    moved_votes = votes().move_for_merge(source=source, target=target)
    target_followers = Follow.objects.filter(idea=target).values("member_id")
    moved_follows = list(
        Follow.objects.filter(idea=source)
        .exclude(member_id__in=target_followers)
        .values_list("pk", flat=True)
    )
    Follow.objects.filter(pk__in=moved_follows).update(idea=target)
    moved_comments = list(Comment.objects.filter(idea=source).values_list("pk", flat=True))
    Comment.objects.filter(pk__in=moved_comments).update(idea=target)
    added_tags = sorted(set(source.tags.names()) - set(target.tags.names()))
    if added_tags:
        target.tags.add(*added_tags)
    merge = IdeaMerge.objects.create(
        source=source,
        target=target,
        note=note,
        merged_by=merged_by,
        moved={
            "votes": moved_votes,
            "follows": moved_follows,
            "comments": moved_comments,
            "tags": added_tags,
            "retired_up": source.retired_upvotes,
            "retired_down": source.retired_downvotes,
            "source_status": source.status,
        },
    )
    Idea.objects.filter(pk=target.pk).update(
        retired_upvotes=F("retired_upvotes") + source.retired_upvotes,
        retired_downvotes=F("retired_downvotes") + source.retired_downvotes,
    )
    StatusChange.objects.create(
        idea=source, from_status=source.status, to_status=Idea.Status.MERGED, note=note, changed_by=merged_by
    )
    Idea.objects.filter(pk=source.pk).update(
        status=Idea.Status.MERGED,
        workflow_status=None,  # a merged idea has left every workflow (ideas.workflow)
        merged_into=target,
        retired_upvotes=0,
        retired_downvotes=0,
    )
    idea_recount(idea_ids=[source.pk, target.pk])
    _reindex(source.pk, target.pk)
    signals.idea_merged.send(sender=Idea, source_id=source.pk, target_id=target.pk, note=note)
    conduct().audit_record(
        actor=merged_by,
        action="merge",
        kind="idea",
        object_id=source.pk,
        target_label=source.title,
        reason=note,
        before={"status": source.status},
        after={"status": Idea.Status.MERGED, "merged_into": target.pk},
    )
    notify_on_commit(
        member_ids=supporters,
        kind=Notification.Kind.MERGED,
        idea_id=target.pk,
        actor_id=merged_by.pk,
        message=lambda: (
            _("“%(source)s” was merged into “%(target)s”: %(note)s")
            % {"source": source.title, "target": target.title, "note": note}
        ),
        url=target.get_absolute_url(),
    )
    return merge


@transaction.atomic
def idea_unmerge(*, merge: IdeaMerge, undone_by) -> Idea:
    """Undo a merge: what moved goes back (with replies written since), both counters recomputed."""
    if not permissions.may_merge(undone_by):
        raise PermissionDenied(_("Only R&D and moderators undo merges."))
    merge = IdeaMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at:
        raise ValidationError(_("This merge was already undone."))
    locked = {i.pk: i for i in _lock_ideas([merge.source_id, merge.target_id])}
    source, target = locked[merge.source_id], locked[merge.target_id]
    if target.status == Idea.Status.MERGED:
        raise ValidationError(_("The target was merged again since; undo that merge first."))
    moved = merge.moved
    votes().move_back(vote_ids=moved.get("votes", []), source=source, target=target)
    Follow.objects.filter(pk__in=moved.get("follows", []), idea=target).exclude(
        member_id__in=Follow.objects.filter(idea=source).values("member_id")
    ).update(idea=source)
    comment_ids = set(moved.get("comments", []))
    while True:  # replies written on the target since the merge go back with their thread
        replies = set(
            Comment.objects.filter(idea=target, parent_id__in=comment_ids)
            .exclude(pk__in=comment_ids)
            .values_list("pk", flat=True)
        )
        if not replies:
            break
        comment_ids |= replies
    Comment.objects.filter(pk__in=comment_ids, idea=target).update(idea=source)
    if moved.get("tags"):
        target.tags.remove(*moved["tags"])
    Idea.objects.filter(pk=target.pk).update(
        retired_upvotes=F("retired_upvotes") - moved.get("retired_up", 0),
        retired_downvotes=F("retired_downvotes") - moved.get("retired_down", 0),
    )
    restored = moved.get("source_status", Idea.Status.NEW)
    Idea.objects.filter(pk=source.pk).update(
        status=restored,
        merged_into=None,
        retired_upvotes=moved.get("retired_up", 0),
        retired_downvotes=moved.get("retired_down", 0),
    )
    workflow.ideas_follow_workflow([source.pk])
    StatusChange.objects.create(
        idea=source,
        from_status=Idea.Status.MERGED,
        to_status=restored,
        note=_("Merge into “%(title)s” undone.") % {"title": target.title},
        changed_by=undone_by,
    )
    merge.undone_at, merge.undone_by = timezone.now(), undone_by
    merge.save(update_fields=["undone_at", "undone_by"])
    conduct().audit_record(
        actor=undone_by,
        action="unmerge",
        kind="idea",
        object_id=source.pk,
        target_label=source.title,
        reason=_("Merge into “%(title)s” undone.") % {"title": target.title},
        before={"status": Idea.Status.MERGED, "merged_into": target.pk},
        after={"status": restored},
    )
    idea_recount(idea_ids=[source.pk, target.pk])
    _reindex(source.pk, target.pk)
    return Idea.objects.get(pk=source.pk)


@transaction.atomic
def internal_note_add(*, author, idea: Idea, body: str) -> InternalNote:
    """Write a staff-only note on an idea (Markdown, sanitised like every post) and tell the staff it
    @mentions. Only members who may read notes are told: a mentioned customer is ignored (never
    notified; the renderer still links their handle, inside a note no customer reads). Notes are
    never indexed for search nor sent to other processes' pages: nothing here signals a change."""
    if not permissions.may_write_internal_notes(author):
        raise PermissionDenied(_("Only staff write internal notes."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the note first.")})
    if len(body) > InternalNote._meta.get_field("body").max_length:
        raise ValidationError({"body": _("Keep a note under 10,000 characters.")})
    rendered = _render_body(author=author, body=body)
    note = InternalNote.objects.create(idea=idea, author=author, body=body, body_html=rendered.html)
    staff_ids = [
        member.pk
        for member in Member.objects.filter(pk__in=rendered.mentioned_ids, is_staff=True)
        if permissions.may_see_internal_notes(member)
    ]
    url = f"{idea.get_absolute_url()}#note-{note.pk}"
    _notify_mentions(author=author, member_ids=staff_ids, idea=idea, url=url)
    return note


def idea_set_owner(*, idea: Idea, owner, by) -> Idea:
    """Make `owner` (an R&D member or administrator, or None for nobody) look after the idea. Internal:
    the public page, its caches and the search index do not show owners, so nothing is broadcast."""
    if not permissions.may_assign_idea_owner(by):
        raise PermissionDenied(_("Only R&D choose an idea's owner."))
    if owner is not None and not permissions.may_own_work(owner):
        raise ValidationError({"owner": _("An owner must be an R&D member or an administrator.")})
    Idea.objects.filter(pk=idea.pk).update(owner=owner)
    idea.owner = owner
    return idea


def _reindex(*idea_ids) -> None:
    for pk in idea_ids:
        signals.ideas_changed.send(sender=Idea, idea_ids=[pk])
