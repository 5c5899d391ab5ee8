"""The circuit breaker on its own (cocreate/breaker.py), with a clock the test moves."""

import logging

from cocreate.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_open_half_open_closed():
    clock = Clock()
    redis = CircuitBreaker("Redis", pause_seconds=5, clock=clock)
    assert redis.allow() and redis.state == CLOSED
    redis.failed(ConnectionError("refused"))
    assert redis.state == OPEN and not redis.allow()
    clock.now += 5
    assert redis.allow() and redis.state == HALF_OPEN  # the trial
    assert not redis.allow()  # only one
    redis.succeeded()
    assert redis.state == CLOSED and redis.allow() and redis.report() == {"state": CLOSED}


def test_a_failed_trial_opens_it_for_another_pause_and_a_lost_trial_is_replaced():
    clock = Clock()
    redis = CircuitBreaker("Redis", pause_seconds=5, clock=clock)
    redis.failed("refused")
    clock.now += 5
    assert redis.allow()
    redis.failed("refused again")
    assert redis.state == OPEN and not redis.allow()
    assert redis.report() == {"state": OPEN, "failures": 2}
    clock.now += 5
    assert redis.allow()  # a trial that never reports back…
    clock.now += 5
    assert redis.allow()  # …is replaced after a pause


def test_an_outage_is_two_log_lines_however_many_trials_fail(caplog):
    clock = Clock()
    redis = CircuitBreaker("Redis", pause_seconds=5, clock=clock)
    with caplog.at_level(logging.WARNING, logger="cocreate.breaker"):
        redis.failed("refused")
        for _ in range(10):  # a minute of trials, each failing
            clock.now += 5
            assert redis.allow()
            redis.failed("refused")
        clock.now += 5
        assert redis.allow()
        redis.succeeded()
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2, lines
    assert "failed (refused)" in lines[0] and "back after 11 failed call(s)" in lines[1]
