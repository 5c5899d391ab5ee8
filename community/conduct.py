"""What the apps below moderation ask of it: the posting rules, holding a post for review, the audit log
and the moderation notes shown to authors. A port that moderation fills in from ModerationConfig.ready()
(moderation.conduct.ModerationConduct), so community, ideas and voting import no moderation module
(docs/architecture.md).
"""

from typing import Protocol

from .ports import Port


class Conduct(Protocol):
    def check_post(self, *, author, kind: str, text: str, images: int = 0) -> list[str]:
        """Refuse what the author may not post (raises); return spam signals (empty: publish)."""

    def hold_for_review(self, *, kind: str, object_id: int, author, label: str, signals: list[str]) -> None:
        """Open a review case for content saved as held."""

    def audit_record(
        self,
        *,
        actor,
        action: str,
        kind: str,
        target_label: str,
        reason: str,
        object_id: int | None = None,
        member=None,
        before: dict | None = None,
        after: dict | None = None,
    ) -> None:
        """Append one audit entry; `action` is a value of moderation.models.AuditEntry.Action."""

    def attach_notes(self, kind: str, objects) -> None:
        """Give each hidden or held object its latest moderation decision as `moderation_note`."""


conduct: Port[Conduct] = Port("conduct", provided_by="moderation")
register = conduct.register
