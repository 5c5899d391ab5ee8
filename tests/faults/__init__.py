"""Issue 17's fault suite: real outages of Redis, PostgreSQL and the worker under a bounded load."""
