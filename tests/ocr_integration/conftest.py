from __future__ import annotations

import pytest

from ocr_integration.documents.kinds import DocumentKind
from ocr_integration.simulator import Simulator, SimulatorConfig
from ocr_integration.simulator.testing import vendor_settings
from ocr_integration.specimens import generate_specimen
from ocr_integration.vendors import attempts, http


@pytest.fixture
def sim():
    simulator = Simulator(SimulatorConfig(use_engine=False, fault_timeout_s=3.0, seed=1)).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def recorded():
    """Attempts as recorded (the database sink is tested on its own)."""
    seen: list[attempts.Attempt] = []
    attempts.set_sink(seen.append)
    yield seen
    attempts.set_sink(None)


@pytest.fixture
def vendors(settings, sim, tmp_path, recorded):
    settings.OCR_VENDORS = vendor_settings(sim)
    settings.OCR_VENDOR_COORDINATION_URL = str(tmp_path / "coordination")
    settings.OCR_VENDOR_READ_TIMEOUT = 1.5
    settings.OCR_VENDOR_CONNECT_TIMEOUT = 1.0
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path / "cache")}}
    http.reset_client()
    yield settings
    http.reset_client()


@pytest.fixture(scope="session")
def specimen():
    cache = {}

    def make(kind: DocumentKind, seed: int = 11):
        if (kind, seed) not in cache:
            cache[(kind, seed)] = generate_specimen(kind, seed)
        return cache[(kind, seed)]

    return make
