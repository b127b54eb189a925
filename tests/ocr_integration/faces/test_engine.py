"""The embedded face engine on public-domain faces (ocr_integration/specimens/faces.py)."""

import io

import pytest
from PIL import Image

from ocr_integration.faces import engine
from ocr_integration.specimens import faces as specimens


@pytest.fixture(scope="module")
def collins():
    return engine.analyse(specimens.selfie("collins", 0).image)


def test_the_models_load_once_per_process():
    assert engine.models() is engine.models()


def test_a_selfie_has_one_face_with_landmarks_a_descriptor_and_a_frontal_yaw(collins):
    assert collins is not None
    assert len(collins.landmarks) == 68 and len(collins.descriptor) == 128
    left, top, right, bottom = collins.box
    assert 150 < left < right < 300 and 50 < top < bottom < 200  # the astronaut's face, not her badge
    assert abs(collins.yaw) < 8


def test_the_same_person_is_close_and_two_people_are_far(collins):
    changed = engine.analyse(specimens.selfie("collins", 3).image)  # turned, lit, scaled, JPEG
    hopper = engine.analyse(specimens.selfie("hopper", 0).image)
    assert engine.distance(collins.descriptor, changed.descriptor) < 0.5
    assert engine.distance(collins.descriptor, hopper.descriptor) > 0.6


def test_the_face_on_a_document_portrait_is_found_and_matches_the_selfie(collins):
    document = specimens.document_with_portrait("passport", 7, "collins")
    portrait = engine.analyse(document.image)
    assert portrait is not None
    assert engine.distance(portrait.descriptor, collins.descriptor) < 0.5


def test_an_image_without_a_face_gives_none():
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 190, 180)).save(out, format="JPEG")
    assert engine.analyse(out.getvalue()) is None


def test_bytes_that_are_no_image_are_refused_with_a_clear_error():
    with pytest.raises(engine.FaceImageError):
        engine.analyse(b"not an image")


# Six frames (the liveness policy's minimum) are one full turn: centre, two frames to one side, two
# to the other, centre; more frames only sample the same sine more finely, at ~0.3 s of engine each.
FRAMES = 6


def test_yaw_follows_a_turn_in_the_persons_own_direction():
    burst = specimens.liveness_burst("collins", "turn_left_then_right", frames=FRAMES)
    yaws = [engine.analyse(frame.image).yaw for frame in burst]
    # The applicant's own left shows as the nose moving to the image's right: positive yaw first.
    assert min(yaws[1:3]) > 10 and max(yaws[3:5]) < -10
    assert abs(yaws[0]) < 5 and abs(yaws[-1]) < 5
    assert yaws.index(max(yaws)) < yaws.index(min(yaws))


def test_a_held_photo_does_not_turn():
    yaws = [engine.analyse(frame.image).yaw for frame in specimens.held_photo_burst("collins", frames=FRAMES)]
    assert max(yaws) - min(yaws) < 5


def test_the_face_crop_is_a_small_jpeg_of_the_face(collins):
    crop = engine.face_crop(specimens.selfie("collins", 0).image, collins.box)
    with Image.open(io.BytesIO(crop)) as image:
        assert image.format == "JPEG" and max(image.size) <= 320
    assert engine.analyse(crop) is not None
