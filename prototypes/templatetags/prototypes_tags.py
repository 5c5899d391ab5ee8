from django import template

from prototypes.models import Prototype

register = template.Library()


@register.simple_tag(takes_context=True)
def prototypes_for_idea(context, idea):
    """The prototypes that answer an idea, as the viewer may see them (one query)."""
    user = context["request"].user if "request" in context else None
    queryset = Prototype.objects.visible_to(user) if user is not None else Prototype.objects.none()
    return list(queryset.filter(linked_ideas=idea).order_by("-opens_at", "-id"))


@register.filter
def scaled(value, factor):
    """A share (0..1) times a length, for server-rendered SVG geometry: a string, so that templates do
    not localise it ("7,2" in German is no SVG length)."""
    return f"{round((value or 0) * float(factor), 2):.2f}".rstrip("0").rstrip(".")


@register.inclusion_tag("prototypes/_placed_messages.html", takes_context=True)
def placed_messages(context, *parts):
    """The confirmations and errors for one form of the prototype page, shown beside it
    (`{% placed_messages "variant" variant.pk %}`; prototypes.views._done names the place)."""
    place = "-".join(str(part) for part in parts)
    return {"place": place, "placed": (context.get("placed_messages") or {}).get(place, [])}
