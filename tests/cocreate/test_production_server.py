"""The HTTP server command in README's "Running in production" serves the app, as written there."""

from bench.run import granian_command

from ..factories import make_idea
from ..live_servers import (
    documented_granian,
    documented_granian_command,
    free_port,
    options,
    wait_until_serving,
    with_port,
)


def test_the_documented_granian_command_serves_the_idea_list(transactional_db):
    idea = make_idea(title="Served by granian itself")
    port = free_port()
    with documented_granian(port) as server:
        status, body = wait_until_serving(server, f"http://127.0.0.1:{port}/ideas/")
    assert status == 200
    assert idea.title in body


def test_the_benchmark_serves_with_the_documented_options():
    """bench/run.py measures the server the way production runs it; only the port and logging differ."""
    documented = options(with_port(documented_granian_command(), 8001))
    benchmarked = options(granian_command(port=8001, workers=2))
    assert benchmarked - {"--log-level=warning"} == documented
