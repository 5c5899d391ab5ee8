"""Moderation's answers to community.conduct, the port the apps below it call (registered in
ModerationConfig.ready())."""

from . import policy, selectors
from .audit import audit_record
from .models import AuditEntry


class ModerationConduct:
    def check_post(self, *, author, kind: str, text: str, images: int = 0) -> list[str]:
        return policy.check_post(author=author, kind=kind, text=text, images=images)

    def hold_for_review(self, *, kind: str, object_id: int, author, label: str, signals: list[str]) -> None:
        policy.hold_for_review(kind=kind, object_id=object_id, author=author, label=label, signals=signals)

    def audit_record(self, *, action: str, **entry) -> None:
        # An unknown action fails here, loudly, as a misspelt enum member would have at import time.
        audit_record(action=AuditEntry.Action(action), **entry)

    def attach_notes(self, kind: str, objects) -> None:
        selectors.attach_notes(kind, objects)
