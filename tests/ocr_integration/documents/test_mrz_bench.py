"""The bench's promise, on a small sample: every fault the `mrz` package catches, ours catches,
and no valid MRZ is flagged by ours (speed is measured by the bench itself, not here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("mrz.checker.td3")

BENCH = Path(__file__).resolve().parents[3] / "bench" / "mrz_bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("mrz_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["mrz_bench"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("mrz_bench", None)


def test_ours_catches_what_the_mrz_package_catches(bench):
    samples = bench.build_set(600, seed=11)
    assert {category for _, category, _ in samples} >= set(bench.FAULTS)
    for fmt, category, text in samples:
        ours = bench.ours_rejects(text)
        if category.startswith("valid"):
            assert not ours, (category, text)
        elif bench.theirs_rejects(fmt, text):
            assert ours, (category, text)
