from django.db import models
from django.utils.translation import gettext_lazy as _


class Product(models.Model):
    """A product that ideas, prototypes and (later) backlog items belong to."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    team = models.CharField(_("owning R&D team"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self):
        return self.name
