"""The specimen generator: reproducible images, truthful ground truth, faults, and the marker."""

from __future__ import annotations

import io
import json
import os
from datetime import date

import pytest
from django.core.management import call_command
from PIL import Image

from ocr_integration.documents import bank_card, cn_resident_id, emirates_id, mrz
from ocr_integration.documents.kinds import READ_KINDS, DocumentKind
from ocr_integration.specimens import (
    APPLICABLE_FAULTS,
    Fault,
    bundled_specimens,
    generate_specimen,
    ground_truth,
    ground_truth_for_image,
    model,
)
from ocr_integration.specimens.bundled import DIRECTORY as BUNDLED
from ocr_integration.specimens.identities import REFERENCE_DATE

TODAY = date(2026, 11, 21)
ALL_KINDS = list(READ_KINDS)  # a selfie is no document: no OCR specimen


def reencode(image: bytes, *, scale: float = 0.5, quality: int = 50) -> bytes:
    """What an upload pipeline does: decode, drop metadata, downscale, JPEG."""
    with Image.open(io.BytesIO(image)) as opened:
        rgb = opened.convert("RGB")
    small = rgb.resize((round(rgb.width * scale), round(rgb.height * scale)), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=quality)
    return out.getvalue()


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_same_seed_gives_the_same_image_and_truth(kind):
    first = generate_specimen(kind, 4242)
    second = generate_specimen(kind, 4242)
    assert first.image == second.image
    assert first.truth == second.truth
    assert first.content_type == "image/png"
    assert generate_specimen(kind, 4243).truth.fields != first.truth.fields


def test_degraded_specimens_are_reproducible_jpegs():
    first = generate_specimen(DocumentKind.PASSPORT, 9, degrade="degraded")
    assert first.image == generate_specimen(DocumentKind.PASSPORT, 9, degrade="degraded").image
    assert first.content_type == "image/jpeg"
    assert first.degradation.jpeg_quality is not None
    assert first.image != generate_specimen(DocumentKind.PASSPORT, 9).image


@pytest.mark.parametrize("seed", range(0, 400, 7))
def test_ground_truth_passes_the_standards_checks(seed):
    passport = ground_truth(DocumentKind.PASSPORT, seed)
    parsed = mrz.parse(passport.mrz_lines, today=TODAY, correct=False)
    assert parsed.valid, parsed.problems
    assert parsed.fields["document_number"] == passport.fields["document_number"]
    assert parsed.fields["birth_date"] == passport.fields["birth_date"]
    assert parsed.fields["issuing_state"] == passport.fields["issuing_state"]

    front = ground_truth(DocumentKind.EMIRATES_ID_FRONT, seed)
    back = ground_truth(DocumentKind.EMIRATES_ID_BACK, seed)
    back_mrz = emirates_id.parse_back_mrz(back.mrz_lines, today=TODAY, correct=False)
    assert back_mrz.ok, back_mrz.problems
    # Front and back of one seed are one card: the 784 number in the MRZ is the one on the front.
    assert back_mrz.id_number.formatted == front.fields["id_number"]
    assert back_mrz.mrz.fields["birth_date"] == front.fields["birth_date"]
    assert back_mrz.card_number == back.fields["card_number"]

    portrait = ground_truth(DocumentKind.CN_ID_PORTRAIT, seed)
    number = cn_resident_id.validate_number(portrait.fields["id_number"], today=TODAY)
    assert number.ok, number.problems
    assert number.birth_date.isoformat() == portrait.fields["birth_date"]
    assert {"M": "男", "F": "女"}[number.sex] == portrait.fields["sex"]
    emblem = ground_truth(DocumentKind.CN_ID_EMBLEM, seed)
    validity = cn_resident_id.check_validity(
        emblem.fields["validity_period"], birth_date=number.birth_date, today=TODAY
    )
    assert validity.consistent and not validity.expired and not validity.problems

    card = ground_truth(DocumentKind.BANK_CARD, seed)
    described = bank_card.describe_card_number(card.extras["card_number"])
    assert described.as_fields() == {k: card.fields[k] for k in described.as_fields()}
    assert described.luhn_valid


def test_wrong_check_digit_breaks_exactly_one_check():
    truth = ground_truth(DocumentKind.PASSPORT, 3, faults=[Fault.WRONG_CHECK_DIGIT])
    failed = mrz.parse(truth.mrz_lines, today=TODAY, correct=True).failed_checks
    assert [c.name for c in failed] == ["document_number"]

    back = ground_truth(DocumentKind.EMIRATES_ID_BACK, 3, faults=[Fault.WRONG_CHECK_DIGIT])
    failed = emirates_id.parse_back_mrz(back.mrz_lines, today=TODAY, correct=True).mrz.failed_checks
    assert [c.name for c in failed] == ["document_number"]

    portrait = ground_truth(DocumentKind.CN_ID_PORTRAIT, 3, faults=[Fault.WRONG_CHECK_DIGIT])
    assert not cn_resident_id.validate_number(portrait.fields["id_number"], today=TODAY).ok

    card = ground_truth(DocumentKind.BANK_CARD, 3, faults=[Fault.WRONG_CHECK_DIGIT])
    assert card.fields["card_number_luhn"] == "invalid"
    assert not bank_card.describe_card_number(card.extras["card_number"]).luhn_valid


def test_expired_documents_expired_before_the_reference_date():
    for kind in (DocumentKind.PASSPORT, DocumentKind.EMIRATES_ID_FRONT, DocumentKind.CN_ID_EMBLEM):
        for seed in range(20):
            truth = ground_truth(kind, seed, faults=[Fault.EXPIRED])
            assert date.fromisoformat(truth.fields["expiry_date"]) < REFERENCE_DATE
            assert date.fromisoformat(ground_truth(kind, seed).fields.get("expiry_date", "9999-12-31")) > REFERENCE_DATE
    back = ground_truth(DocumentKind.EMIRATES_ID_BACK, 5, faults=[Fault.EXPIRED])
    parsed = mrz.parse(back.mrz_lines, today=REFERENCE_DATE, correct=False)
    assert parsed.expiry_date < REFERENCE_DATE


def test_visual_zone_disagrees_with_the_mrz_only_when_asked():
    clean = ground_truth(DocumentKind.PASSPORT, 11)
    faulty = ground_truth(DocumentKind.PASSPORT, 11, faults=[Fault.VZ_MRZ_MISMATCH])
    assert faulty.mrz_lines == clean.mrz_lines
    mrz_birth = mrz.parse(faulty.mrz_lines, today=TODAY).fields["birth_date"]
    assert clean.fields["birth_date"] == mrz_birth
    assert faulty.fields["birth_date"] != mrz_birth

    front = ground_truth(DocumentKind.EMIRATES_ID_FRONT, 11, faults=[Fault.VZ_MRZ_MISMATCH])
    back = ground_truth(DocumentKind.EMIRATES_ID_BACK, 11, faults=[Fault.VZ_MRZ_MISMATCH])
    assert front.fields["birth_date"] != mrz.parse(back.mrz_lines, today=TODAY).fields["birth_date"]


def test_chinese_number_can_encode_another_birth_date():
    truth = ground_truth(DocumentKind.CN_ID_PORTRAIT, 8, faults=[Fault.ID_BIRTH_MISMATCH])
    number = cn_resident_id.validate_number(truth.fields["id_number"], today=TODAY)
    assert number.ok  # the number itself is well formed ...
    assert number.birth_date.isoformat() != truth.fields["birth_date"]  # ... but says another date


def test_a_fault_the_kind_cannot_carry_is_refused():
    with pytest.raises(ValueError, match="cannot carry"):
        generate_specimen(DocumentKind.BANK_CARD, 1, faults=[Fault.VZ_MRZ_MISMATCH])
    with pytest.raises(ValueError, match="cannot carry"):
        ground_truth(DocumentKind.PASSPORT, 1, faults=["id_birth_mismatch"])
    with pytest.raises(ValueError):
        generate_specimen(DocumentKind.PASSPORT, -1)
    # The marker has four fault bits, all taken: a later fault is for the unmarked families only.
    with pytest.raises(ValueError, match="no bit"):
        generate_specimen(DocumentKind.CN_ID_PORTRAIT, 1, faults=[Fault.ID_SEX_MISMATCH])


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("degrade", [None, "degraded"])
def test_marker_survives_jpeg_50_and_half_size(kind, degrade):
    faults = sorted(APPLICABLE_FAULTS[kind])[:1]
    specimen = generate_specimen(kind, 123_456_789, faults=faults, degrade=degrade)
    recovered = ground_truth_for_image(reencode(specimen.image, scale=0.5, quality=50))
    assert recovered == specimen.truth
    assert recovered.faults == frozenset(faults)


def test_images_that_are_not_specimens_have_no_ground_truth():
    rng = __import__("random").Random(5)
    noise = Image.frombytes("L", (900, 600), rng.randbytes(900 * 600))
    blank = Image.new("RGB", (900, 600), (255, 255, 255))
    black = Image.new("RGB", (900, 600), (0, 0, 0))
    for image in (noise, blank, black):
        out = io.BytesIO()
        image.save(out, format="PNG")
        assert ground_truth_for_image(out.getvalue()) is None
    assert ground_truth_for_image(b"not an image at all") is None
    assert ground_truth_for_image(os.urandom(4096)) is None
    # A specimen cropped (marker cut off) is no longer recognisable either.
    specimen = generate_specimen(DocumentKind.PASSPORT, 1)
    with Image.open(io.BytesIO(specimen.image)) as opened:
        cropped = opened.crop((0, opened.height // 3, opened.width, opened.height))
        out = io.BytesIO()
        cropped.save(out, format="PNG")
    assert ground_truth_for_image(out.getvalue()) is None


def test_bundled_set_matches_the_generator_and_stays_small():
    shipped = bundled_specimens()
    assert {s.kind for s in shipped} == set(READ_KINDS)
    assert sum(p.stat().st_size for p in BUNDLED.iterdir() if p.is_file()) < 3_000_000
    for specimen in shipped:
        data = specimen.read_bytes()
        # The sidecar, the marker and today's generator all agree, so the demo shows what it says.
        assert ground_truth_for_image(data) == specimen.truth, specimen.path.name
        assert ground_truth(specimen.kind, specimen.truth.seed, faults=specimen.truth.faults) == specimen.truth
    assert {f for s in shipped for f in s.truth.faults} == set(model.MARKED_FAULTS)
    assert all(s.kind is DocumentKind.PASSPORT for s in bundled_specimens("passport"))


def test_make_specimens_command_writes_images_and_ground_truth(tmp_path):
    call_command("make_specimens", "--out", str(tmp_path), "--kind", "passport", "--kind", "bank_card",
                 "--count", "2", "--fault", "expired")
    images = sorted(p.name for p in tmp_path.glob("*.png"))
    assert images == [
        "bank_card-1-expired.png", "bank_card-2-expired.png", "passport-1-expired.png", "passport-2-expired.png",
    ]
    sidecar = json.loads((tmp_path / "passport-1-expired.json").read_text(encoding="utf-8"))
    assert sidecar["truth"]["synthetic"] is True
    assert sidecar["truth"]["faults"] == ["expired"]
    assert ground_truth_for_image((tmp_path / "passport-1-expired.png").read_bytes()).to_json() == sidecar["truth"]
