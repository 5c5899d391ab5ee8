from django.db import models


def may_publish(user) -> bool:
    return bool(user.is_authenticated and user.is_staff and user.has_perm("prototypes.publish_prototype"))


class PrototypeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Published prototypes for everyone; drafts too for staff who publish prototypes."""
        if may_publish(user):
            return self
        return self.filter(status="published")
