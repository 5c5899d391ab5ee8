"""gunicorn settings for production: `gunicorn -c python:cocreate.gunicorn_conf cocreate.wsgi:application`.

Both hooks keep the garbage collector's full collections short. A full collection walks every object
the collector tracks, and a worker holds ~190,000 long-lived ones after importing Django, Wagtail and
the apps, and ~50,000 more once its first requests have compiled templates, resolved URLs and loaded
translations. Walking them cost a worker ~150 ms of CPU on the benchmark machine, a stall felt by every
request in flight (bench/RESULTS.md). Frozen (`gc.freeze()`), they are never walked again; what a
request makes is still collected as before.
"""

import gc

# After this many requests a worker has made what it keeps for good; what it made is frozen too.
WARM_UP_REQUESTS = 500


def post_worker_init(worker):
    gc.freeze()


def post_request(worker, req, environ, resp):
    worker.cocreate_requests = getattr(worker, "cocreate_requests", 0) + 1
    if worker.cocreate_requests == WARM_UP_REQUESTS:
        gc.collect()  # garbage is not frozen with the rest: it would never be freed
        gc.freeze()
