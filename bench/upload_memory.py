"""Upload memory: how much a process's peak memory grows while it receives one large image.

Issue 9, point 5. Target: receiving a 10 MB image raises peak memory by at most twice the file
size (streamed to storage, no extra copies).

Three synthetic images of random noise (noise does not compress, so ``--megabytes`` of file is
about that many megabytes of picture data, and three times that once a JPEG is decoded), one per
way through ``kyc.uploads.prepare``: an upright JPEG (a phone photo; re-muxed, the target's case), an
8-bit RGB PNG (a scan; rewritten from its rows) and a JPEG whose EXIF says to turn it (re-muxed,
its orientation kept alone), and each again under ``UPLOAD_SANITIZING=reencode`` (a JPEG decoded
and re-encoded in strips by libvips, a PNG rewritten from its rows filtered afresh). Each is sent as a multipart POST to
the applicant's upload page (``applicant:upload``, with a session that holds the case and a CSRF
token) through Django's WSGI handler, the body streamed from a file as a WSGI server streams it
from the socket: the request goes through every middleware, the multipart parser (which spools files over ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to a temporary file),
``kyc.uploads.prepare.prepare_upload``, ``document_attach`` and the encrypted private storage.

The measurement runs in a fresh child process (this script with ``--measure``), after one small
warm-up upload: for each image, peak resident memory is reset (``/proc/self/clear_refs``), the
request runs, and the increase is VmHWM (peak) - VmRSS (before). A second upload of the JPEG, to
another case, runs under ``tracemalloc`` for the peak of Python allocations (Pillow's pixel
buffers are not Python allocations: only the resident figure sees them). Before each upload the
memory the previous one freed is handed back (``malloc_trim``), so that no upload reuses resident
pages and looks smaller than it is. The verdict covers every way: the default setting's (upright
and turned JPEG, PNG) and ``UPLOAD_SANITIZING=reencode``'s, and a scan-like PNG (which compresses,
unlike noise) both ways, which is what shows whether ``kyc/png_remux.py`` is needed.

    .venv/bin/python bench/upload_memory.py               # 10 MB
    .venv/bin/python bench/upload_memory.py --smoke       # 1 MB on SQLite, for CI
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import REPO, dump_json, load, machine, prepare, result, setup_django  # noqa: E402

BOUNDARY = "----kyc-bench-boundary-7f3a"


def noise_image(target_bytes: int, fmt: str = "JPEG", orientation: int = 1) -> tuple[bytes, tuple[int, int]]:
    """A JPEG or PNG of random noise within 3 % of ``target_bytes`` (a card-like 3:2 picture),
    with an EXIF orientation when it is not 1."""
    from PIL import Image

    options = {"quality": 92} if fmt == "JPEG" else {"compress_level": 1}
    if orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif.tobytes()
    width, best = 1200, None
    for _ in range(8):  # the size is about proportional to the area: two or three rounds suffice
        height = width * 2 // 3
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
        out = io.BytesIO()
        image.save(out, format=fmt, **options)
        size = out.tell()
        if best is None or abs(size - target_bytes) < abs(len(best[0]) - target_bytes):
            best = (out.getvalue(), (width, height))
        if abs(size - target_bytes) <= 0.03 * target_bytes:
            break
        width = int(width * (target_bytes / size) ** 0.5)
    return best


def photo_image(width: int, height: int, orientation: int = 1) -> tuple[bytes, tuple[int, int]]:
    """A JPEG like a phone's photo: smooth light and colour with sensor grain, quality 92 (at
    4032 x 3024, about 4.8 MiB). Unlike noise, it compresses about 7:1, so its decoder's and
    encoder's buffers, which grow with the picture's width and not with the file, weigh more
    against the file: the bench's noise JPEG is the re-encoder's best case, this its usual one."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(7)
    across = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    down = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    channels = [
        np.clip(110 + 70 * np.sin(6.0 * across + 2.1 * c) * np.cos(4.0 * down - 1.3 * c) + 30 * down
                + rng.normal(0, 12, (height, width)).astype(np.float32), 0, 255).astype(np.uint8)
        for c in range(3)
    ]
    options = {"quality": 92}
    if orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif.tobytes()
    out = io.BytesIO()
    Image.fromarray(np.dstack(channels)).save(out, format="JPEG", **options)
    return out.getvalue(), (width, height)


def scan_image(target_bytes: int) -> tuple[bytes, tuple[int, int]]:
    """A PNG that compresses like a scan of a printed page (dark word-like blocks on a white page,
    slight grain): several times smaller than its pixels, unlike noise."""
    import random

    from PIL import Image, ImageChops, ImageDraw

    rng = random.Random(3)
    width, best = 2000, None
    for _ in range(6):
        height = width * 7 // 5
        image = Image.new("L", (width, height), 250)
        draw = ImageDraw.Draw(image)
        for y in range(40, height - 40, 28):
            x = 40
            while x < width - 120:
                word = rng.randrange(20, 110)
                draw.rectangle((x, y, x + word, y + 14), fill=rng.randrange(10, 60))
                x += word + rng.randrange(8, 20)
        grain = Image.frombytes("L", (width, height), os.urandom(width * height)).point(lambda v: 6 if v < 40 else 0)
        image = ImageChops.subtract(image, grain)
        image = Image.merge("RGB", [image] * 3)
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=6)
        size = out.tell()
        if best is None or abs(size - target_bytes) < abs(len(best[0]) - target_bytes):
            best = (out.getvalue(), (width, height))
        if abs(size - target_bytes) <= 0.1 * target_bytes:
            break
        width = min(6000, int(width * (target_bytes / size) ** 0.5))
    return best


def write_body(path: Path, image: bytes, csrf: str, content_type: str = "image/jpeg") -> None:
    """The multipart body a browser sends: the CSRF field and the file."""
    with path.open("wb") as body:
        body.write(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{csrf}\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="photo"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
        )
        body.write(image)
        body.write(f"\r\n--{BOUNDARY}--\r\n".encode())


def applicant_session(case_ids: list) -> tuple[str, str]:
    """A session that holds the cases (as the start page and the resume link grant them), and a
    CSRF secret for the cookie and the form field."""
    from django.conf import settings
    from django.utils.crypto import get_random_string
    from django.utils.module_loading import import_string

    from kyc.access.applicants import SESSION_CASES_KEY
    from kyc.views.applicant import SESSION_GRANTS_KEY

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_CASES_KEY] = [str(c) for c in case_ids]
    store[SESSION_GRANTS_KEY] = {str(c): int(time.time()) for c in case_ids}
    store.save()
    return store.session_key, get_random_string(32)


# --- the measuring child ------------------------------------------------------------------------


def status_value(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def post(handler, body: Path, case_id: str, session: str, csrf: str) -> dict:
    from django.conf import settings

    size = body.stat().st_size
    with body.open("rb") as stream:
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": f"/cases/{case_id}/documents/passport/", "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": stream, "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}", "CONTENT_LENGTH": str(size),
            "HTTP_ACCEPT": "application/json",
            "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}",
        }
        answer: dict = {}

        def start_response(status, headers, exc_info=None):
            answer["status"] = int(status.split()[0])

        chunks = handler(environ, start_response)
        answer["body"] = b"".join(chunks).decode("utf-8", "replace")[:300]
        if hasattr(chunks, "close"):
            chunks.close()
    return answer


def measure(args) -> None:
    setup_django(os.environ["DATABASE_URL"])
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    if any(label in SETTINGS_FOR for label in args.labels):
        # What a process running UPLOAD_SANITIZING=reencode does at start (kyc/apps.py): libvips
        # (11 MiB resident) is loaded once per process, not per upload.
        import kyc.uploads.stream_reencode  # noqa: F401
    warm = post(handler, Path(args.small_body), args.warm_case, args.session, args.csrf)
    if warm["status"] != 200:
        raise SystemExit(f"warm-up upload refused: {warm}")
    uploads = []
    import ctypes
    import gc

    from django.test import override_settings

    libc = ctypes.CDLL("libc.so.6")
    for label, body, case_id in zip(args.labels, args.bodies, args.cases, strict=True):
        # Memory the previous upload freed goes back to the system first: otherwise this upload
        # could reuse pages that are still resident and its peak would look smaller than it is.
        gc.collect()
        libc.malloc_trim(0)
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
        rss_before = status_value("VmRSS")
        with override_settings(**SETTINGS_FOR.get(label, {})):
            answer = post(handler, Path(body), case_id, args.session, args.csrf)
        uploads.append({"label": label, "status": answer["status"], "answer": answer["body"], "rss_before": rss_before,
                        "peak_increase": status_value("VmHWM") - rss_before})
    tracemalloc.start()
    traced_before = tracemalloc.get_traced_memory()[0]
    traced_answer = post(handler, Path(args.bodies[0]), args.traced_case, args.session, args.csrf)
    traced_peak = tracemalloc.get_traced_memory()[1] - traced_before
    tracemalloc.stop()
    print(json.dumps({
        "uploads": uploads, "stages": breakdown(Path(args.image)),
        "traced_status": traced_answer["status"], "python_peak_increase": traced_peak,
    }))


def peak_of(step) -> tuple[object, int, int]:
    """Run ``step`` twice; its value, its resident peak increase and its Python allocation peak (bytes)."""
    Path("/proc/self/clear_refs").write_text("5")
    before = status_value("VmRSS")
    value = step()
    resident = status_value("VmHWM") - before
    tracemalloc.start()
    step()
    python = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return value, resident, python


def breakdown(image: Path) -> dict:
    """Where the memory goes: the two big steps of the upload path, each alone on the same file."""
    import tempfile

    from django.core.files.base import File
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from kyc.storage.filesystem import PrivateFileSystemStorage
    from kyc.uploads.prepare import prepare_upload

    def upload():
        received = TemporaryUploadedFile("photo.jpg", "image/jpeg", image.stat().st_size, None)
        with image.open("rb") as source:  # not measured: the file is on disk before the step
            while block := source.read(1 << 16):
                received.write(block)
        received.seek(0)
        return received

    uploads = [upload(), upload()]
    prepared, prepare_resident, prepare_python = peak_of(lambda: prepare_upload(uploads.pop()))
    storage = PrivateFileSystemStorage(location=tempfile.mkdtemp(prefix="bench-upload-storage-"))

    def store():
        prepared.file.seek(0)
        return storage.save("stored.jpg", File(prepared.file))

    _, store_resident, store_python = peak_of(store)
    import shutil

    shutil.rmtree(storage.location, ignore_errors=True)  # the bench leaves nothing behind
    return {"prepare_upload": [prepare_resident, prepare_python], "storage_save": [store_resident, store_python],
            "stored_bytes": prepared.byte_size, "remuxed": prepared.remuxed}


# --- the bench ------------------------------------------------------------------------------------


IMAGES = (
    # label, format, EXIF orientation, MIME type
    ("JPEG, upright (phone photo: re-muxed)", "JPEG", 1, "image/jpeg"),
    ("PNG, 8-bit RGB (scan: re-muxed)", "PNG", 1, "image/png"),
    ("JPEG, EXIF says turn 90 degrees (re-muxed, the orientation kept)", "JPEG", 6, "image/jpeg"),
    ("JPEG, upright, UPLOAD_SANITIZING=reencode (decoded, re-encoded)", "JPEG", 1, "image/jpeg"),
    ("JPEG, EXIF says turn 90 degrees, UPLOAD_SANITIZING=reencode (re-encoded as stored, the orientation kept)",
     "JPEG", 6, "image/jpeg"),
    # What a PNG would cost without kyc/png_remux.py: decoded and re-encoded. Noise is the
    # re-encoder's best case (its pixels are no larger than the file); a scan compresses.
    ("PNG, 8-bit RGB, UPLOAD_SANITIZING=reencode (rows re-filtered, re-encoded)", "PNG", 1, "image/png"),
    ("PNG scan (compresses), re-muxed", "SCAN", 1, "image/png"),
    ("PNG scan (compresses), UPLOAD_SANITIZING=reencode (rows re-filtered, re-encoded)", "SCAN", 1, "image/png"),
    # A phone's photo as phones make them (12 MP, compresses): its own verdict line, since it is
    # not the 10 MB file the upload target names, but it is what applicants send.
    ("12 MP phone photo, upright (re-muxed)", "PHOTO", 1, "image/jpeg"),
    ("12 MP phone photo, EXIF says turn 90 degrees (re-muxed, the orientation kept)", "PHOTO", 6, "image/jpeg"),
    ("12 MP phone photo, upright, UPLOAD_SANITIZING=reencode (decoded, re-encoded)", "PHOTO", 1, "image/jpeg"),
    ("12 MP phone photo, EXIF says turn 90 degrees, UPLOAD_SANITIZING=reencode (re-encoded as stored, "
     "the orientation kept)", "PHOTO", 6, "image/jpeg"),
)
# Uploads (by label) measured with settings of their own.
SETTINGS_FOR = {label: {"UPLOAD_SANITIZING": "reencode"} for label, *_ in IMAGES if "reencode" in label}
# Every way is judged (issue 21, point 5): the default setting's and the re-encoding setting's;
# the 10 MB files of the upload target on one verdict line, the phone photos on another.
PHOTOS = [index for index, (_, fmt, *_) in enumerate(IMAGES) if fmt == "PHOTO"]
JUDGED = [index for index in range(len(IMAGES)) if index not in PHOTOS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=10.0, help="size of each image (MiB)")
    parser.add_argument("--database-url", help="default: postgres://postgres@127.0.0.1:5432/kyc_bench_upload")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--smoke", action="store_true", help="1 MB images on SQLite, for CI")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bodies", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--labels", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--cases", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--small-body", help=argparse.SUPPRESS)
    parser.add_argument("--warm-case", help=argparse.SUPPRESS)
    parser.add_argument("--traced-case", help=argparse.SUPPRESS)
    parser.add_argument("--image", help=argparse.SUPPRESS)
    parser.add_argument("--session", help=argparse.SUPPRESS)
    parser.add_argument("--csrf", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args)
        return
    if args.smoke:
        args.megabytes = 1.0

    # The capture gate refuses noise ("no document in this photo") before anything is stored; it
    # reads a reduced decode (an eighth of the sides for a JPEG), so it is off here and the way
    # to storage is what is measured.
    bench = prepare("upload", smoke=args.smoke, database_url=args.database_url,
                    environ={"CAPTURE_GATE_ENABLED": "false"})
    print(f"machine: {machine()}; database: {bench.database_url.split('@')[-1]}; {load()}")
    from kyc.core.audit import Actor
    from kyc.services.cases import case_create

    mib = 1_048_576
    target = int(args.megabytes * mib)
    cases = [case_create(actor=Actor.applicant(""), email=f"upload{n}@example.test", document_type="passport").id
             for n in range(len(IMAGES) + 4)]
    session, csrf = applicant_session(cases)
    spare_cases, image_cases = cases[:4], cases[4:]
    small, _ = noise_image(200_000)
    write_body(bench.data_dir / "small.bin", small, csrf)
    bodies, sizes = [], []
    made: dict[tuple, tuple] = {}  # the same image under another setting is the same file
    for index, (label, fmt, orientation, mime) in enumerate(IMAGES):
        if (fmt, orientation) not in made:
            if fmt == "SCAN":
                made[fmt, orientation] = scan_image(target // 4)
            elif fmt == "PHOTO":  # a quarter of the sides in smoke runs
                made[fmt, orientation] = photo_image(*((1008, 756) if args.smoke else (4032, 3024)), orientation)
            else:
                made[fmt, orientation] = noise_image(target, fmt, orientation)
        image, (width, height) = made[fmt, orientation]
        body = bench.data_dir / f"body{index}.bin"
        write_body(body, image, csrf, mime)
        bodies.append(str(body))
        sizes.append(len(image))
        if index == 0:
            (bench.data_dir / "image.jpg").write_bytes(image)
        print(f"image {index + 1}: {label}: {len(image) / mib:.2f} MiB, {width}x{height} px "
              f"({width * height * 3 / mib:.1f} MiB of RGB pixels)", flush=True)
    del image, made
    # Each setting is measured in a process of its own, as each is deployed: a process running
    # UPLOAD_SANITIZING=reencode has libvips loaded (its threads and heap), a default one has not,
    # and one process measuring both judged the default setting's uploads with libvips resident.
    labels = [label for label, *_ in IMAGES]
    groups = [[i for i, label in enumerate(labels) if (label in SETTINGS_FOR) == reencode] for reencode in (False, True)]
    by_index: dict[int, dict] = {}
    figures = None
    for number, group in enumerate(groups):
        # Each measuring process warms up on, and traces, cases of its own.
        warm_case, traced_case = spare_cases[2 * number], spare_cases[2 * number + 1]
        child = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--measure", "--bodies", *[bodies[i] for i in group],
             "--labels", *[labels[i] for i in group], "--cases", *[str(image_cases[i]) for i in group],
             "--small-body", str(bench.data_dir / "small.bin"), "--warm-case", str(warm_case),
             "--traced-case", str(traced_case), "--image", str(bench.data_dir / "image.jpg"),
             "--session", session, "--csrf", csrf],
            cwd=REPO, env=os.environ.copy(), capture_output=True, text=True, timeout=600,
        )
        if child.returncode != 0:
            raise SystemExit(f"the measuring process failed:\n{child.stderr[-3000:]}")
        measured = json.loads(child.stdout.strip().splitlines()[-1])
        by_index.update(zip(group, measured["uploads"], strict=True))
        figures = figures or measured  # the traced upload and the breakdown: the default setting's
    figures["uploads"] = [by_index[i] for i in range(len(labels))]
    from kyc.models import Document

    print("peak resident memory increase while the request runs (target <= 2.00 x the file):")
    ratios = []
    for upload, size, case_id in zip(figures["uploads"], sizes, image_cases, strict=True):
        stored = Document.objects.filter(case_id=case_id, is_current=True).first()
        ratio = upload["peak_increase"] / size
        ratios.append(ratio)
        upload.update(file_bytes=size, ratio=ratio)
        print(f"  {upload['label']}: HTTP {upload['status']}, "
              + (f"stored {stored.byte_size / mib:.2f} MiB {stored.content_type} ({stored.width}x{stored.height}); "
                 if stored else "nothing stored; ")
              + f"resident before {upload['rss_before'] / mib:.1f} MiB, peak +{upload['peak_increase'] / mib:.1f} MiB "
              f"= {ratio:.2f} x the file")
        if upload["status"] != 200:
            print(f"    answer: {upload['answer']}")
    print(f"Python allocations (tracemalloc) during the JPEG upload, peak increase "
          f"{figures['python_peak_increase'] / mib:.2f} MiB = {figures['python_peak_increase'] / sizes[0]:.2f} x the file")
    stages = figures["stages"]
    print("  where it goes, each step alone on the JPEG (resident / Python peak increase):")
    print(f"    kyc.uploads.prepare.prepare_upload ({'re-mux' if stages['remuxed'] else 're-encode'}, to a temporary file): "
          f"{stages['prepare_upload'][0] / mib:.2f} / {stages['prepare_upload'][1] / mib:.2f} MiB")
    print(f"    kyc.storage.filesystem save (streamed encryption to disk): "
          f"{stages['storage_save'][0] / mib:.2f} / {stages['storage_save'][1] / mib:.2f} MiB")
    print(f"after the run: {load()}")
    dump_json(args.json, {**figures, "machine": machine(), "load": load()})
    for name, indexes in (("upload memory", JUDGED), ("upload memory, 12 MP phone photo", PHOTOS)):
        judged = [figures["uploads"][i] for i in indexes]
        passed = all(u["status"] == 200 and u["ratio"] <= 2.0 for u in judged)
        result(name, passed, "; ".join(f"{u['label'].split(' (')[0]} {u['ratio']:.2f} x" for u in judged)
               + f" (target <= 2 x the file, every way judged); {load()}")

if __name__ == "__main__":
    main()
