from django.core.cache import cache

from .models import Segment

PUBLIC_SEGMENTS_CACHE_KEY = "community:public-segments"


def public_segments() -> list[Segment]:
    """Segments members can join or filter by; cached because every idea list shows them."""
    segments = cache.get(PUBLIC_SEGMENTS_CACHE_KEY)
    if segments is None:
        segments = list(Segment.objects.filter(is_public=True).only("id", "name", "slug"))
        cache.set(PUBLIC_SEGMENTS_CACHE_KEY, segments, 300)
    return segments
