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


def _report(kind: str, split: str, *, n: int, wrong_sides: list[dict], seconds: list) -> dict:
    return {
        "today": "2026-11-21", "per_family": 6, "splits": [split], "cores": [1],
        "families": {"eid_a": {"kinds": [kind], "held_out": True, "description": ""},
                     "pp_a": {"kinds": [kind], "held_out": True, "description": ""}},
        "accuracy": [{"kind": kind, "split": split, "group": group, "n": n,
                      "document_exact": (n - len(wrong_sides)) / n, "refused": 0, "fields": {"surname": 0.5}, "spurious": {}}
                     for group in ("held_out", "eid_a" if kind.startswith("emirates") else "pp_a")],
        "wrong_sides": wrong_sides, "false_failures": [], "faults": [], "image_seconds": seconds,
    }


def test_the_emirates_front_is_counted_apart_without_the_arabic_name_and_only_without_it():
    from bench.ocr_families import exact_without_unreadable

    wrong = [
        {"family": "eid_a", "kind": "emirates_id_front", "split": "clean", "seed": 1, "refused": None,
         "wrong": ["full_name_arabic"]},
        {"family": "eid_a", "kind": "emirates_id_front", "split": "clean", "seed": 2, "refused": None,
         "wrong": ["full_name_arabic", "birth_date"]},
        {"family": "eid_a", "kind": "emirates_id_front", "split": "clean", "seed": 3, "refused": "no_document",
         "wrong": ["full_name_arabic"]},
    ]
    report = _report("emirates_id_front", "clean", n=4, wrong_sides=wrong, seconds=[])
    # One exact side, plus the one whose only miss is the Arabic name; not the refused one.
    assert exact_without_unreadable(report, "emirates_id_front", "clean", True, 4) == 2


def test_reports_of_runs_over_other_splits_merge_and_their_seconds_are_pooled():
    import pytest

    from bench.ocr_families import merge_reports

    wrong = [{"family": "pp_a", "kind": "passport", "split": "clean", "seed": 1, "refused": None, "wrong": ["surname"]}]
    a = _report("passport", "clean", n=6, wrong_sides=wrong, seconds=[["clean", 9.0, 1.0], ["clean", 9.0, 3.0]])
    b = _report("passport", "photo", n=6, wrong_sides=[], seconds=[["photo", 9.0, 2.0]])
    c = _report("passport", "clean", n=2, wrong_sides=[], seconds=[])
    c["families"] = {"pp_b": {"kinds": ["passport"], "held_out": True, "description": ""}}
    c["accuracy"][1]["group"] = "pp_b"
    c["accuracy"][1]["fields"] = {"surname": 1.0}
    merged = merge_reports([a, b, c])
    held_out = {r["split"]: r for r in merged["accuracy"] if r["group"] == "held_out"}
    # The held-out row of clean pools both families: 5 of 6 and 2 of 2 exact.
    assert held_out["clean"]["n"] == 8 and held_out["clean"]["document_exact"] == 7 / 8
    assert held_out["clean"]["fields"]["surname"] == round((0.5 * 6 + 1.0 * 2) / 8, 4)
    assert held_out["photo"]["n"] == 6
    assert merged["seconds"]["all"]["cpu_median"] == 2.0 and merged["seconds"]["all"]["n"] == 3
    with pytest.raises(SystemExit):
        merge_reports([a, a])


def test_fresh_seeds_past_the_first_hundred_repeat_no_earlier_seed():
    from bench.ocr_families import (
        FAULT_SEED_OFFSET,
        FIRST_FAULT_BLOCK,
        MAX_FAULTS_PER_FAMILY,
        MAX_PER_FAMILY,
        SPLIT_SEEDS,
        _slot,
        fault_seed,
        valid_seed,
    )
    from ocr_integration.specimens.families import FAMILIES

    # The first hundred keep the seeds earlier rounds quoted (the sixth round's tuning photo 3721874).
    assert valid_seed("photo", "passport_numbered", 74) == 3721874
    earlier = set()
    for split in SPLIT_SEEDS:
        for family in FAMILIES:
            base = SPLIT_SEEDS[split] + _slot(family) * 200
            earlier |= {valid_seed(split, family, i) for i in range(100)}
            earlier |= {base + FAULT_SEED_OFFSET + 10 * j + k for j in range(FIRST_FAULT_BLOCK) for k in range(10)}
    # The first nine faulty documents keep the seeds the seventh round quoted.
    assert {fault_seed(s, f, j, k) for s in SPLIT_SEEDS for f in FAMILIES
            for j in range(FIRST_FAULT_BLOCK) for k in range(4)} <= earlier
    fresh = [valid_seed(split, family, i) for split in SPLIT_SEEDS for family in FAMILIES
             for i in (100, 612, MAX_PER_FAMILY - 1)]
    fresh += [fault_seed(split, family, j, k) for split in SPLIT_SEEDS for family in FAMILIES
              for j in (FIRST_FAULT_BLOCK, 50, MAX_FAULTS_PER_FAMILY - 1) for k in range(4)]
    assert len(set(fresh)) == len(fresh)
    assert not earlier & set(fresh)
