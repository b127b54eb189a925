"""The embedded engine's inference threads: the cores shared among the reads a worker runs at once."""

import os

import pytest

from ocr_integration.local import engine


@pytest.fixture
def concurrent_reads():
    yield engine.share_cores_among
    engine.share_cores_among(1)


def _cores() -> int:
    return len(os.sched_getaffinity(0))


def test_each_concurrent_read_gets_its_share_of_the_cores(concurrent_reads, monkeypatch):
    monkeypatch.delenv("LOCAL_OCR_THREADS", raising=False)
    concurrent_reads(1)
    assert engine.inference_threads() == _cores()
    concurrent_reads(2)
    assert engine.inference_threads() == max(1, _cores() // 2)
    concurrent_reads(_cores() * 4)  # a thread-pool worker with many slots: never below one thread
    assert engine.inference_threads() == 1


def test_the_setting_overrides_the_share(concurrent_reads, monkeypatch):
    concurrent_reads(2)
    monkeypatch.setenv("LOCAL_OCR_THREADS", "3")
    assert engine.inference_threads() == 3
