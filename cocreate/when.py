"""{% load when %}: times as people say them ("2 days ago"), with the exact time on hover.

`{{ idea.created_at|ago }}` renders `<time datetime="…" title="4 Dec 2026, 14:05">2 days ago</time>`: the
relative time in words (Django's translated `timesince`, its largest unit only), the machine-readable
instant in `datetime`, and the exact local time in `title` for a pointer or a screen reader's details.
"""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

register = template.Library()

JUST_NOW = timedelta(minutes=1)


def relative(moment: datetime, now: datetime | None = None) -> str:
    """ "2 days ago", "in 3 hours" or "just now", in the active language."""
    now = now or timezone.now()
    if abs(now - moment) < JUST_NOW:
        return _("just now")
    if moment > now:
        return _("in %(time)s") % {"time": timeuntil(moment, now, depth=1)}
    return _("%(time)s ago") % {"time": timesince(moment, now, depth=1)}


@register.filter(is_safe=True)
def ago(moment):
    if not isinstance(moment, datetime):
        return ""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    exact = date_format(local, "DATETIME_FORMAT")
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', moment.isoformat(), exact, relative(moment)
    )
