"""The things members can flag and moderators act on, behind one small interface per kind.

Each target knows its author, a label for the queue and the audit log, where it lives, and how to change
its visibility while keeping the counters that depend on it exact (a comment's idea counts only public
comments). Visibility values are ideas.models.Visibility; a profile is "hidden" when moderators hid its
bio and avatar.
"""

from dataclasses import dataclass

from django.http import Http404
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from community import services as member_services
from community.models import Member
from ideas import services as idea_services
from ideas.models import Comment, Idea, Visibility
from prototypes import services as prototype_services
from prototypes.models import Pin

from .models import Kind


@dataclass
class Target:
    kind: str
    obj: object

    @property
    def object_id(self) -> int:
        return self.obj.pk

    @property
    def author(self):
        return self.obj if self.kind == Kind.MEMBER else self.obj.author

    @property
    def label(self) -> str:
        if self.kind == Kind.IDEA:
            text = self.obj.title
        elif self.kind == Kind.MEMBER:
            text = _("profile of %(name)s") % {"name": self.obj.public_name}
        else:
            text = self.obj.body
        return Truncator(" ".join(text.split())).chars(120)

    @property
    def text(self) -> str:
        """What the moderator reads in the queue (raw text: templates escape it)."""
        if self.kind == Kind.IDEA:
            return f"{self.obj.title}\n\n{self.obj.body}"
        if self.kind == Kind.MEMBER:
            return f"{self.obj.display_name}\n\n{self.obj.bio}"
        return self.obj.body

    @property
    def html(self) -> str | None:
        """Ideas' and comments' Markdown as their pages show it: the HTML stored when they were saved,
        rendered and sanitised by ideas.markdown (None for profiles and prototype feedback: plain text)."""
        if self.kind in (Kind.IDEA, Kind.COMMENT):
            return self.obj.body_html
        return None

    @property
    def url(self) -> str:
        if self.kind == Kind.PIN:
            return f"{self.obj.screen.version.variant.prototype.get_absolute_url()}#pin-{self.obj.pk}"
        return self.obj.get_absolute_url()

    @property
    def idea(self) -> Idea | None:
        if self.kind == Kind.IDEA:
            return self.obj
        if self.kind == Kind.COMMENT:
            return self.obj.idea
        return None

    @property
    def visibility(self) -> str:
        if self.kind == Kind.MEMBER:
            return Visibility.HIDDEN if self.obj.profile_hidden else Visibility.PUBLIC
        return self.obj.visibility

    def set_visibility(self, visibility: str) -> None:
        """Change visibility through the owning app, which keeps the counters that count public content
        exact; call inside a transaction, with the target loaded for update."""
        if self.kind == Kind.MEMBER:
            member_services.member_set_profile_hidden(member=self.obj, hidden=visibility != Visibility.PUBLIC)
        elif self.kind == Kind.IDEA:
            idea_services.idea_set_visibility(idea=self.obj, visibility=visibility)
        elif self.kind == Kind.COMMENT:
            idea_services.comment_set_visibility(comment=self.obj, visibility=visibility)
        else:
            prototype_services.pin_set_visibility(pin=self.obj, visibility=visibility)


def _model(kind: str):
    return {Kind.IDEA: Idea, Kind.COMMENT: Comment, Kind.PIN: Pin, Kind.MEMBER: Member}[kind]


def load(kind: str, pk, *, for_update: bool = False) -> Target:
    """The target, or Http404 for an unknown kind or id (forged ids end here)."""
    if kind not in Kind.values:
        raise Http404(_("Nothing of that kind can be moderated."))
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("No such item.")) from None
    model = _model(kind)
    queryset = model.objects.all()
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    if kind == Kind.MEMBER:
        queryset = queryset.filter(deleted_at__isnull=True)
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404(_("No such item."))
    return Target(kind, obj)


def visible_to(target: Target, user) -> bool:
    """Whether `user` can see the target at all (members flag only what they can see)."""
    if target.kind == Kind.MEMBER:
        return target.obj.is_active
    if target.kind == Kind.IDEA:
        return Idea.objects.visible_to(user).filter(pk=target.obj.pk).exists()
    if target.kind == Kind.COMMENT:
        return (
            Comment.objects.visible_to(user).filter(pk=target.obj.pk).exists()
            and Idea.objects.visible_to(user).filter(pk=target.obj.idea_id).exists()
        )
    return target.obj.visibility == Visibility.PUBLIC or target.obj.author_id == user.pk
