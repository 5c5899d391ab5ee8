"""Settings for the benchmark: the project's own settings plus a bare baseline view.

Every server in the benchmark (granian and daphne) runs with these, so the app and the baseline are
measured under one configuration; the only difference from production is the extra /bench/bare/ URL.
"""

from cocreate.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.baseline_urls"
# The vote benchmark casts thousands of votes a minute as one member; rate limits would answer 429.
RATE_LIMIT_SCALE = 0
