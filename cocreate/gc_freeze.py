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


# A websocket server's full collections: every this many collections of the middle generation instead of
# Python's 10 (see `tune_for_long_lived_connections`).
WEBSOCKET_FULL_COLLECTION_EVERY = 1000


def tune_for_long_lived_connections() -> None:
    """For the websocket server (daphne): freeze what loading made, and collect the oldest generation
    100 times less often.

    Each open socket keeps a few hundred objects alive (Twisted's transport, autobahn's protocol, the
    consumer), ~450,000 in all at 2,000 sockets, and a full collection walked them in 220–440 ms of CPU,
    a stall every listener felt. The fan-out of one vote keeps ~2,000 messages alive until they are
    written, long enough for collections to promote them, so full collections came every ~8 s under a
    vote a second (bench/RESULTS.md). Freezing takes the ~190,000 objects of the loaded app out of every
    collection; the higher threshold makes the rest a rare pause (every few minutes at that load)
    rather than one every few votes. Cyclic garbage waits longer to be freed, so memory is a little
    higher between full collections. Only public `gc` APIs."""
    gc.collect()
    gc.freeze()
    young, middle, _oldest = gc.get_threshold()
    gc.set_threshold(young, middle, WEBSOCKET_FULL_COLLECTION_EVERY)
