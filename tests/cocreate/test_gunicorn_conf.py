import gc
from types import SimpleNamespace

from cocreate import gunicorn_conf


class Kept:
    """Stands for an object a worker makes and keeps (a module's class, a compiled template, …)."""


def tracked(obj) -> bool:
    """Whether the collector's full collections walk `obj`."""
    return any(candidate is obj for candidate in gc.get_objects())


def test_a_worker_takes_what_the_app_made_while_loading_out_of_the_collectors_sight():
    loaded = Kept()
    assert tracked(loaded)
    try:
        gunicorn_conf.post_worker_init(worker=SimpleNamespace())
        assert not tracked(loaded)
        assert tracked(Kept())  # what comes later is still collected
    finally:
        gc.unfreeze()


def test_what_the_first_requests_made_is_frozen_too_and_what_later_requests_make_is_not():
    worker = SimpleNamespace()
    try:
        gunicorn_conf.post_worker_init(worker)
        warmed_up = Kept()  # say, a template the first requests compiled
        for _ in range(gunicorn_conf.WARM_UP_REQUESTS - 1):
            gunicorn_conf.post_request(worker, None, {}, None)
        assert tracked(warmed_up)
        gunicorn_conf.post_request(worker, None, {}, None)
        assert not tracked(warmed_up)
        later = Kept()
        gunicorn_conf.post_request(worker, None, {}, None)
        assert tracked(later)
    finally:
        gc.unfreeze()
