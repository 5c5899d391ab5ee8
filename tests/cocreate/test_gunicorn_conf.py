import gc

from cocreate import gunicorn_conf


class Loaded:
    """Stands for an object the app makes while it loads (a module's class, a URL pattern, …)."""


def test_a_worker_takes_what_the_app_made_while_loading_out_of_the_collectors_sight():
    loaded = Loaded()
    assert any(obj is loaded for obj in gc.get_objects())
    try:
        gunicorn_conf.post_worker_init(worker=None)
        assert not any(obj is loaded for obj in gc.get_objects())  # a full collection no longer walks it
        made_later = Loaded()
        assert any(obj is made_later for obj in gc.get_objects())  # what requests make is still collected
    finally:
        gc.unfreeze()
