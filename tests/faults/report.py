"""Progress lines while the suite runs, and the per-scenario verdicts: a table at the end of the pytest
run and bench/out/faults.json, for bench/RESULTS.md."""

import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"
JSON_PATH = OUT / "faults.json"

_pytest_config = None
_started = time.monotonic()


def configure(config) -> None:
    global _pytest_config
    _pytest_config = config


def progress(message: str) -> None:
    """One line on the terminal at once, past pytest's output capture."""
    line = f"[faults {time.monotonic() - _started:6.1f}s] {message}\n"
    capture = _pytest_config.pluginmanager.getplugin("capturemanager") if _pytest_config else None
    if capture is None:
        sys.stderr.write(line)
        return
    with capture.global_and_fixture_disabled():
        sys.stderr.write(line)
        sys.stderr.flush()


@dataclass
class Check:
    name: str
    ok: bool
    value: str
    target: str


@dataclass
class Scenario:
    name: str
    checks: list[Check] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    seconds: float = 0.0

    def check(self, name: str, ok: bool, value, target: str) -> bool:
        self.checks.append(Check(name, bool(ok), str(value), target))
        progress(f"  {'PASS' if ok else 'FAIL'} {name}: {value} (target {target})")
        return bool(ok)

    @property
    def passed(self) -> bool:
        return all(check.ok for check in self.checks)

    def failures(self) -> str:
        return "\n".join(
            f"{check.name}: {check.value} (target {check.target})" for check in self.checks if not check.ok
        )


class Results:
    def __init__(self):
        self.scenarios: dict[str, Scenario] = {}
        self.run: dict = {}

    def scenario(self, name: str) -> Scenario:
        self.scenarios[name] = Scenario(name)
        return self.scenarios[name]

    def table(self) -> str:
        lines = ["| scenario | check | result | value | target |", "|---|---|---|---|---|"]
        for scenario in self.scenarios.values():
            for check in scenario.checks:
                verdict = "met" if check.ok else "**not met**"
                lines.append(
                    f"| {scenario.name} | {check.name} | {verdict} | {check.value} | {check.target} |"
                )
        return "\n".join(lines)

    def write(self) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        try:
            commit = subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            commit = ""
        document = {
            "run": {**self.run, "commit": commit, "seconds": round(time.monotonic() - _started, 1)},
            "scenarios": {
                name: {"passed": scenario.passed, **asdict(scenario)}
                for name, scenario in self.scenarios.items()
            },
        }
        JSON_PATH.write_text(json.dumps(document, indent=2, default=str))


RESULTS = Results()
