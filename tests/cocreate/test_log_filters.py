"""Libraries that log one failure in a tight loop are throttled to one line a minute (settings.LOGGING)."""

import logging

from cocreate import log_filters


def test_channels_redis_receive_loop_failures_are_logged_once_a_minute(caplog, monkeypatch):
    clock = [-1e6]  # long before any real time.monotonic(), so later tests are not held back
    monkeypatch.setattr(log_filters.time, "monotonic", lambda: clock[0])
    logger = logging.getLogger("channels_redis.pubsub")  # as channels_redis names it
    with caplog.at_level(logging.ERROR, logger="channels_redis.pubsub"):
        for _ in range(30):  # Redis down for 30 s: the receive loop fails once a second
            logger.error("Unexpected exception in receive task")
            clock[0] += 1
        logger.error("Something else went wrong")
        clock[0] += 31
        logger.error("Unexpected exception in receive task")

    assert [record.getMessage() for record in caplog.records] == [
        "Unexpected exception in receive task",
        "Something else went wrong",
        "Unexpected exception in receive task (and 29 more like it in the last 60 s)",
    ]


def test_other_loggers_are_not_throttled(caplog):
    logger = logging.getLogger("ideas.broadcasts")
    with caplog.at_level(logging.ERROR, logger="ideas.broadcasts"):
        for _ in range(3):
            logger.error("Live update idea.votes not sent")
    assert len(caplog.records) == 3
