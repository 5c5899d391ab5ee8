from django.db import models

from community.permissions import may_publish_prototypes


class PrototypeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Published prototypes for everyone; drafts too for staff who publish prototypes."""
        if may_publish_prototypes(user):
            return self
        return self.filter(status="published")
