"""{% load when %}: times as people say them ("2 days ago"), with the exact time on hover.

`{{ idea.created_at|ago }}` renders `<time datetime="…" title="4 Dec 2026, 14:05">2 days ago</time>`: the
relative time in words (Django's `timesince`, its largest unit only), the machine-readable instant in
`datetime`, and the exact local time in `title` for a pointer or a screen reader's details.

The words are whole phrases, one per unit and direction ("%(num)d days ago", "in %(num)d days"), not
"%(time)s ago" around Django's "2 days": languages put the number, the unit and the "ago" in their own
order and case ("vor 2 Tagen", "il y a 2 jours", "hace 2 días", "2 päivää sitten"; "2 päivän kuluttua").
"""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import npgettext_lazy

register = template.Library()

JUST_NOW = timedelta(minutes=1)

PAST = {
    "year": npgettext_lazy("time ago", "%(num)d year ago", "%(num)d years ago", "num"),
    "month": npgettext_lazy("time ago", "%(num)d month ago", "%(num)d months ago", "num"),
    "week": npgettext_lazy("time ago", "%(num)d week ago", "%(num)d weeks ago", "num"),
    "day": npgettext_lazy("time ago", "%(num)d day ago", "%(num)d days ago", "num"),
    "hour": npgettext_lazy("time ago", "%(num)d hour ago", "%(num)d hours ago", "num"),
    "minute": npgettext_lazy("time ago", "%(num)d minute ago", "%(num)d minutes ago", "num"),
}
FUTURE = {
    "year": npgettext_lazy("time from now", "in %(num)d year", "in %(num)d years", "num"),
    "month": npgettext_lazy("time from now", "in %(num)d month", "in %(num)d months", "num"),
    "week": npgettext_lazy("time from now", "in %(num)d week", "in %(num)d weeks", "num"),
    "day": npgettext_lazy("time from now", "in %(num)d day", "in %(num)d days", "num"),
    "hour": npgettext_lazy("time from now", "in %(num)d hour", "in %(num)d hours", "num"),
    "minute": npgettext_lazy("time from now", "in %(num)d minute", "in %(num)d minutes", "num"),
}


def relative(moment: datetime, now: datetime | None = None) -> str:
    """ "2 days ago", "in 3 hours" or "just now", in the active language."""
    now = now or timezone.now()
    if abs(now - moment) < JUST_NOW:
        return _("just now")
    if moment > now:
        return timeuntil(moment, now, time_strings=FUTURE, depth=1)
    return timesince(moment, now, time_strings=PAST, depth=1)


@register.filter(is_safe=True)
def ago(moment):
    if not isinstance(moment, datetime):
        return ""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    exact = date_format(local, "DATETIME_FORMAT")
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', moment.isoformat(), exact, relative(moment)
    )
