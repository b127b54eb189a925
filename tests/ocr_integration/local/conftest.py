from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def provider():
    """The embedded engine behind the provider interface, warmed once per test process.

    ``warm_up`` loads the models the first time and then runs a detection and a recognition on a
    blank image, about a second of CPU each call: warmed in every module, the suite paid that
    24 times a run (docs/performance.md, 10). The engine is process-wide, so a module's tests see
    the same warm engine either way; ``test_provider.py`` still calls ``warm_up`` itself."""
    from ocr_integration.local.provider import LocalOcrProvider, warm_up

    warm_up()
    return LocalOcrProvider()
