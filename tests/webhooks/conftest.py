import pytest

from webhooks import services

from .receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def hook_settings(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # the receiver is on localhost
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOKS_RETRY_DELAYS = [60, 600]  # three attempts in all
    settings.WEBHOOKS_DISABLE_AFTER = 2
    return settings


@pytest.fixture
def make_endpoint(rita, hook_settings, receiver):
    def make(events, **fields):
        return services.endpoint_save(
            editor=rita, url=fields.pop("url", receiver.url), events=events, **fields
        )

    return make
