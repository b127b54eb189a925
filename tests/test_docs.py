"""docs/architecture.md stays true: it lists every finding code the engine can emit, and no other."""

import re
from pathlib import Path

from ocr_integration.documents.crosschecks import FINDING_CODES

ARCHITECTURE = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def test_architecture_lists_exactly_the_engines_finding_codes():
    text = ARCHITECTURE.read_text()
    section = text.split("<!-- finding-codes:start -->", 1)[1].split("<!-- finding-codes:end -->", 1)[0]
    listed = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", section, flags=re.MULTILINE))
    assert listed == set(FINDING_CODES)


def test_architecture_names_folders_that_exist():
    text = ARCHITECTURE.read_text()
    for folder in re.findall(r"`((?:kyc|ocr_integration)/[a-z_/]+/)`", text):
        assert (ARCHITECTURE.parents[1] / folder).is_dir(), folder
