"""A member's trust level (Member.trust_level): moderation.trust earns and stores it; the gates here
(community.limits) and in moderation relax as it grows."""

from django.utils.translation import gettext_lazy as _

NEW, BASIC, MEMBER, TRUSTED = 0, 1, 2, 3
NAMES = {NEW: _("new"), BASIC: _("basic"), MEMBER: _("member"), TRUSTED: _("trusted")}
