from django.db import models


class IdeaQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Ideas this user may see: public ones, plus their own held or hidden ones."""
        public = models.Q(visibility="public")
        if user is not None and user.is_authenticated:
            if user.is_staff and user.has_perm("ideas.moderate_content"):
                return self
            return self.filter(public | models.Q(author=user))
        return self.filter(public)

    def listed(self):
        """What idea lists show: public ideas that were not merged away."""
        return self.filter(visibility="public").exclude(status="merged")


class CommentQuerySet(models.QuerySet):
    def visible_to(self, user):
        public = models.Q(visibility="public")
        if user is not None and user.is_authenticated:
            if user.is_staff and user.has_perm("ideas.moderate_content"):
                return self
            return self.filter(public | models.Q(author=user))
        return self.filter(public)
