"""gunicorn settings for production: `gunicorn -c python:cocreate.gunicorn_conf cocreate.wsgi:application`."""

import gc


def post_worker_init(worker):
    """Move the objects the app made while loading out of the garbage collector's sight.

    Importing Django, Wagtail and the apps leaves ~190,000 long-lived objects. A full collection walks
    every tracked object, so each one cost a worker ~150 ms of CPU on the benchmark machine, a stall
    felt by every request in flight; frozen, a full collection walks only what came after (~20 ms).
    """
    gc.freeze()
