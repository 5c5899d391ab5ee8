from django.db import models

from community.permissions import may_see_hidden_content


class IdeaQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Ideas this user may see: public ones, plus their own held or hidden ones."""
        public = models.Q(visibility="public")
        if may_see_hidden_content(user):
            return self
        if user is not None and user.is_authenticated:
            return self.filter(public | models.Q(author=user))
        return self.filter(public)

    def listed(self):
        """What idea lists show: public ideas that were not merged away."""
        return self.filter(visibility="public").exclude(status="merged")


class CommentQuerySet(models.QuerySet):
    def visible_to(self, user):
        public = models.Q(visibility="public")
        if may_see_hidden_content(user):
            return self
        if user is not None and user.is_authenticated:
            return self.filter(public | models.Q(author=user))
        return self.filter(public)
