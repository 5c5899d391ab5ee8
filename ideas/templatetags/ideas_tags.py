from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`{{ my_votes|get_item:idea.pk }}`: a dict lookup by a variable key."""
    return mapping.get(key, 0) if mapping else 0
