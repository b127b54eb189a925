"""bench/ocr_families.py's scoring: what counts as the same value, and as a document read exactly."""

from __future__ import annotations

from bench.ocr_families import SideResult, canonical


def test_canonical_normalisation_forgives_form_not_content():
    assert canonical("nationality", "Oman") == canonical("nationality", "OMN") == "OMN"
    assert canonical("surname", " van  der berg ") == canonical("surname", "VAN DER BERG")
    assert canonical("address", "北京市朝阳区 建设路12号") == canonical("address", "北京市朝阳区建设路12号")
    assert canonical("validity_period", "2016.03.01 - 2036.03.01") == "2016.03.01-2036.03.01"
    # Content still counts: another letter, digit or date is another value.
    assert canonical("surname", "D0E") != canonical("surname", "DOE")
    assert canonical("birth_date", "1963-02-05") != canonical("birth_date", "1963-05-02")
    assert canonical("surname", "") is None and canonical("surname", None) is None


def test_a_side_is_exact_only_when_nothing_is_wrong_and_nothing_was_refused():
    def side(**kw):
        return SideResult("f", "passport", "clean", True, 1, 0.1, 0.1, **kw)

    assert side(right=["surname", "mrz"]).exact
    assert not side(right=["surname"], wrong=["mrz"]).exact
    assert not side(refused="no_document", wrong=["surname"]).exact
    assert side(right=["surname"], spurious=["occupation"]).exact  # reported, not held against it
