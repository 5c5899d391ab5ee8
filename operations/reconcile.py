"""Reconciliation: derived data checked against what it is derived from, drift repaired and reported.

Counters, stored scores and search documents are kept in step by the write paths and the tasks after
them; a bug, a lost task or a hand-edited row can still leave them behind. Apps register checks from
AppConfig.ready() (operations imports no app):

    reconcile.register("vote counters", check_vote_counters)

A check is `check(*, repair: bool) -> Finding`: it compares, repairs when asked, and says what it saw.
`operations.reconciliation.run()` calls every check (one failing check is recorded, the others still
run) and stores a `ReconciliationReport`, which staff read in the admin. `run_scheduler` queues it
every RECONCILE_MINUTES (operations.tasks.reconcile). This module is the registry only (it loads no model,
so apps.py modules may import it).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

SAMPLE = 20  # ids of drifted rows kept in a report


@dataclass
class Finding:
    checked: int = 0
    drifted_ids: list = field(default_factory=list)
    repaired: int = 0

    def as_report(self) -> dict:
        return {
            "checked": self.checked,
            "drifted": len(self.drifted_ids),
            "repaired": self.repaired,
            "sample": sorted(self.drifted_ids)[:SAMPLE],
        }


CHECKS: dict[str, Callable[..., Finding]] = {}


def register(name: str, check: Callable[..., Finding]) -> None:
    CHECKS[name] = check
