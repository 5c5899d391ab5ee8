import gc

from cocreate.gc_freeze import FreezeAfterWarmUp, freeze_loaded


class Kept:
    """Stands for an object a worker makes and keeps (a module's class, a compiled template, …)."""


def tracked(obj) -> bool:
    """Whether the collector's full collections walk `obj`."""
    return any(candidate is obj for candidate in gc.get_objects())


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def test_a_worker_takes_what_the_app_made_while_loading_out_of_the_collectors_sight():
    loaded = Kept()
    assert tracked(loaded)
    try:
        freeze_loaded()
        assert not tracked(loaded)
        assert tracked(Kept())  # what comes later is still collected
    finally:
        gc.unfreeze()


def test_what_the_first_requests_made_is_frozen_too_and_what_later_requests_make_is_not():
    app = FreezeAfterWarmUp(hello, warm_up_requests=5)
    statuses = []
    try:
        warmed_up = Kept()  # say, a template the first requests compiled
        for _ in range(4):
            assert app({}, lambda status, headers: statuses.append(status)) == [b"hello"]
        assert tracked(warmed_up)
        app({}, lambda status, headers: statuses.append(status))
        assert not tracked(warmed_up)
        later = Kept()
        app({}, lambda status, headers: statuses.append(status))
        assert tracked(later)
    finally:
        gc.unfreeze()
    assert statuses == ["200 OK"] * 6  # the app answered every request itself
