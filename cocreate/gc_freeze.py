"""Keep the garbage collector's full collections short in a long-lived server worker.

A full collection walks every object the collector tracks, and a worker holds ~190,000 long-lived
ones after importing Django, Wagtail and the apps, and ~50,000 more once its first requests have
compiled templates, resolved URLs and loaded translations. Walking them cost a worker ~150 ms of CPU
on the benchmark machine, a stall felt by every request in flight (bench/RESULTS.md, 2026-12-02).
Frozen (`gc.freeze()`), they are never walked again; what a request makes is still collected.

`cocreate/wsgi.py` freezes once the app has loaded and wraps the app in `FreezeAfterWarmUp`. Every
WSGI server we run (granian, and gunicorn in bench/servers.py) imports that module in each worker
process, after the fork, so each worker freezes its own objects; no server hook is needed.
"""

import gc
import itertools

# After this many requests a worker has made what it keeps for good; what it made is frozen too.
WARM_UP_REQUESTS = 500


def freeze_loaded() -> None:
    """Take everything made so far out of the collector's sight (call once the app has loaded)."""
    gc.freeze()


class FreezeAfterWarmUp:
    """A WSGI app that freezes what the first `WARM_UP_REQUESTS` requests left behind, once.

    Counted with itertools.count, whose next() is atomic under the GIL, so with several threads per
    worker exactly one request does the freeze.
    """

    def __init__(self, app, *, warm_up_requests: int = WARM_UP_REQUESTS):
        self.app = app
        self.warm_up_requests = warm_up_requests
        self.requests = itertools.count(1)

    def __call__(self, environ, start_response):
        if next(self.requests) == self.warm_up_requests:
            gc.collect()  # garbage is not frozen with the rest: frozen, it would never be freed
            gc.freeze()
        return self.app(environ, start_response)
