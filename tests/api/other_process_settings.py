"""Settings of a second process in the token tests: the test settings on the test process's database
and cache (COCREATE_TEST_DATABASE_NAME, COCREATE_TEST_CACHES as JSON), with cached copies on."""

import json
import os

from cocreate.settings.test import *  # noqa: F403
from cocreate.settings.test import DATABASES

DATABASES["default"]["NAME"] = os.environ["COCREATE_TEST_DATABASE_NAME"]
CACHES = json.loads(os.environ["COCREATE_TEST_CACHES"])
MEMBER_CACHE_SECONDS = 600
