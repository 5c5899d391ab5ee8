"""What the stand-alone benches share: Django set up for a measurement, on a PostgreSQL database of their own.

    from bench.standalone import own_database, peak_mb, setup_django

    setup_django("clv")   # production settings, DEBUG off (no query log in memory), a throwaway key
    own_database()        # DATABASE_URL's database: refused if shared, created if missing, migrated

Used by bench/clv_fit.py, bench/transactions_import.py, bench/email_fanout.py and bench/search_bench.py.
(bench/run.py seeds and serves its own database with servers of its own: see bench/servers.py.)
"""

import os
import resource

# Databases a bench must never seed or empty: the test run's, the server's own, the site's default.
SHARED_DATABASES = {"test", "postgres", "cocreate", "cocreate_bench"}


def setup_django(label: str, **environ: str) -> None:
    """django.setup() with the production settings as a bench runs them; `environ` adds defaults."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cocreate.settings.base")
    os.environ.setdefault("DEBUG", "0")  # no query log in memory
    os.environ.setdefault("SECRET_KEY", f"{label}-bench-only")
    for name, value in environ.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()


def own_database() -> str:
    """Create DATABASE_URL's database if it is missing and migrate it; its name. A SQLite database or a
    shared one (SHARED_DATABASES) is refused: the benches seed and delete rows at full size."""
    import psycopg
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    params = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        raise SystemExit("Point DATABASE_URL at a PostgreSQL database of its own (e.g. h_bench).")
    if params["NAME"] in SHARED_DATABASES:
        raise SystemExit(f"Refusing to seed {params['NAME']!r}: use a database of its own.")
    with psycopg.connect(
        dbname="postgres",
        user=params["USER"],
        host=params["HOST"],
        port=params["PORT"] or 5432,
        autocommit=True,
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [params["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{params["NAME"]}"')
    call_command("migrate", verbosity=0)
    return params["NAME"]


def peak_mb() -> float:
    """This process's peak memory so far (max RSS), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
