"""Settings of the `run_worker` / `run_scheduler` processes that the worker tests start: the test
settings with the database queue (the tests' own queue runs tasks at once), on the test process's
database (COCREATE_TEST_DATABASE_NAME), with a short heartbeat and lease from the environment."""

import os

from cocreate.settings.test import *  # noqa: F403
from cocreate.settings.test import DATABASES

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if os.environ.get("COCREATE_TEST_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["COCREATE_TEST_DATABASE_NAME"]
