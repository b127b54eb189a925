"""Opt-in pytest plugin: where the suite's CPU goes (docs/performance.md, section 10).

    .venv/bin/python -m pytest -p tests.support.cpu_profile

Each test process (the controller and every xdist worker) appends one JSON line per test phase and
per fixture set-up that costs more than a few milliseconds to ``$KYC_CPU_PROFILE`` (default
``cpu-profile.jsonl`` in the working directory), plus one line for its start-up (interpreter, Django,
collection) and one for its end. CPU first, since the machine the suite runs on is shared; each
test's wall-clock start and end are written too (``start``, ``end``: seconds since the epoch), so
that a timeline shows when each worker was busy and which tests ran after the other went idle.
``RUSAGE_CHILDREN`` counts the processes a test started and waited for (Celery workers, Chromium,
bench scripts, quickstart); a process started by a session fixture is counted when it ends.

Summarise with ``python -m tests.support.cpu_profile cpu-profile.jsonl``.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections import defaultdict

import pytest

# Fixture set-ups cheaper than this are not written: there are tens of thousands of them.
FIXTURE_THRESHOLD_SECONDS = 0.05


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _write(record: dict) -> None:
    record["process"] = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    path = os.environ.get("KYC_CPU_PROFILE", "cpu-profile.jsonl")
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


def _process_started() -> float:
    """When this process started (seconds since the epoch), from /proc where there is one."""
    try:
        ticks = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])
        booted = next(float(line.split()[1]) for line in open("/proc/stat") if line.startswith("btime"))
        return booted + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return float("nan")


def pytest_collection_finish(session):
    own, children = _cpu()
    _write({"kind": "startup", "own": own, "children": children,
            "started": _process_started(), "end": time.time()})


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    before, start = _cpu(), time.time()
    item._cpu_phases = {}
    yield
    after = _cpu()
    _write({
        "kind": "test", "nodeid": item.nodeid,
        "own": after[0] - before[0], "children": after[1] - before[1],
        "phases": item._cpu_phases, "start": start, "end": time.time(),
    })


def _phase(name):
    @pytest.hookimpl(hookwrapper=True)
    def hook(item, *args):
        before = _cpu()
        yield
        after = _cpu()
        phases = getattr(item, "_cpu_phases", None)
        if phases is not None:
            phases[name] = (after[0] - before[0]) + (after[1] - before[1])
    return hook


pytest_runtest_setup = _phase("setup")
pytest_runtest_call = _phase("call")
pytest_runtest_teardown = _phase("teardown")


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    before = _cpu()
    yield
    after = _cpu()
    spent = (after[0] - before[0]) + (after[1] - before[1])
    if spent >= FIXTURE_THRESHOLD_SECONDS:
        _write({"kind": "fixture", "name": fixturedef.argname, "scope": fixturedef.scope,
                "baseid": fixturedef.baseid, "cpu": spent})


def pytest_unconfigure(config):
    own, children = _cpu()
    _write({"kind": "end", "own": own, "children": children, "end": time.time()})


def summarise(path: str) -> None:
    by_file = defaultdict(lambda: [0.0, 0])
    tests, fixtures, startups, ends = [], defaultdict(lambda: [0.0, 0]), [], []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["kind"] == "test":
                cpu = record["own"] + record["children"]
                entry = by_file[record["nodeid"].split("::")[0]]
                entry[0] += cpu
                entry[1] += 1
                tests.append((cpu, record["nodeid"], record["phases"]))
            elif record["kind"] == "fixture":
                entry = fixtures[(record["name"], record["scope"])]
                entry[0] += record["cpu"]
                entry[1] += 1
            elif record["kind"] == "startup":
                startups.append(record)
            elif record["kind"] == "end":
                ends.append(record)
    total = sum(cpu for cpu, _, _ in tests)
    print(f"tests: {len(tests)}, CPU inside tests {total:.1f} s")
    for record in startups:
        print(f"start-up {record['process']}: {record['own'] + record['children']:.1f} s")
    for record in ends:
        print(f"end {record['process']}: own {record['own']:.1f} s + children {record['children']:.1f} s")
    print("\nby file (CPU s, tests):")
    for name, (cpu, count) in sorted(by_file.items(), key=lambda kv: -kv[1][0])[:45]:
        print(f"{cpu:8.1f} {count:5d}  {name}")
    print("\nfixture set-ups over the threshold (CPU s, count):")
    for (name, scope), (cpu, count) in sorted(fixtures.items(), key=lambda kv: -kv[1][0])[:30]:
        print(f"{cpu:8.1f} {count:5d}  {name} ({scope})")
    print("\nslowest tests:")
    for cpu, nodeid, phases in sorted(tests, reverse=True)[:40]:
        shown = " ".join(f"{k}={v:.1f}" for k, v in phases.items())
        print(f"{cpu:8.1f}  {nodeid}  {shown}")


if __name__ == "__main__":
    summarise(sys.argv[1] if len(sys.argv) > 1 else "cpu-profile.jsonl")
