"""Upload memory: how much a process's peak memory grows while it receives one large image.

Issue 9, point 5. Target: receiving a 10 MB image raises peak memory by at most twice the file
size (streamed to storage, no extra copies).

The image is a synthetic JPEG of random noise (noise does not compress, so ``--megabytes`` of
file is about that many megabytes of pixels... times three once decoded). It is sent as a
multipart POST to the applicant's upload page (``applicant:upload``, with a session that holds
the case and a CSRF token) through Django's WSGI handler, the body streamed from a file as a
WSGI server streams it from the socket: the request goes through every middleware, the
multipart parser (which spools files over ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to a temporary file),
``kyc.uploads.prepare_upload``, ``document_attach`` and the encrypted private storage.

The measurement runs in a fresh child process (this script with ``--measure``), after one small
warm-up upload: peak resident memory is reset (``/proc/self/clear_refs``), the request runs, and
the increase is VmHWM (peak) - VmRSS (before). A second upload of the same file, to another
case, runs under ``tracemalloc`` for the peak of Python allocations (Pillow's pixel buffers are
not Python allocations: only the resident figure sees them). ``ru_maxrss`` is printed too.

    .venv/bin/python bench/upload_memory.py               # 10 MB
    .venv/bin/python bench/upload_memory.py --smoke       # 1 MB on SQLite, for CI
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import REPO, dump_json, load, machine, prepare, result, setup_django  # noqa: E402

BOUNDARY = "----kyc-bench-boundary-7f3a"


def noise_jpeg(target_bytes: int) -> tuple[bytes, tuple[int, int]]:
    """A JPEG of random noise within 3 % of ``target_bytes`` (a card-like 3:2 picture)."""
    from PIL import Image

    width, best = 1200, None
    for _ in range(8):  # the size is about proportional to the area: two or three rounds suffice
        height = width * 2 // 3
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=92)
        size = out.tell()
        if best is None or abs(size - target_bytes) < abs(len(best[0]) - target_bytes):
            best = (out.getvalue(), (width, height))
        if abs(size - target_bytes) <= 0.03 * target_bytes:
            break
        width = int(width * (target_bytes / size) ** 0.5)
    return best


def write_body(path: Path, image: bytes, csrf: str) -> None:
    """The multipart body a browser sends: the CSRF field and the file."""
    with path.open("wb") as body:
        body.write(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{csrf}\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n".encode()
        )
        body.write(image)
        body.write(f"\r\n--{BOUNDARY}--\r\n".encode())


def applicant_session(case_ids: list) -> tuple[str, str]:
    """A session that holds the cases (as the start page and the resume link grant them), and a
    CSRF secret for the cookie and the form field."""
    from importlib import import_module

    from django.conf import settings
    from django.utils.crypto import get_random_string

    from kyc.access import SESSION_CASES_KEY
    from kyc.views.applicant import SESSION_GRANTS_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
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
    small, rss_case, traced_case = args.cases
    warm = post(handler, Path(args.small_body), small, args.session, args.csrf)
    if warm["status"] != 200:
        raise SystemExit(f"warm-up upload refused: {warm}")
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    rss_before = status_value("VmRSS")
    answer = post(handler, Path(args.body), rss_case, args.session, args.csrf)
    peak = status_value("VmHWM")
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    traced_before = tracemalloc.get_traced_memory()[0]
    traced_answer = post(handler, Path(args.body), traced_case, args.session, args.csrf)
    traced_peak = tracemalloc.get_traced_memory()[1] - traced_before
    tracemalloc.stop()
    stages = breakdown(Path(args.image))
    print(json.dumps({
        "stages": stages,
        "status": answer["status"], "answer": answer["body"], "traced_status": traced_answer["status"],
        "rss_before": rss_before, "peak_increase": peak - rss_before, "python_peak_increase": traced_peak,
        "maxrss_increase": maxrss_after - maxrss_before,
    }))


def peak_of(step) -> tuple[object, int, int]:
    """Run ``step``; its value, its resident peak increase and its Python allocation peak (bytes)."""
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
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from kyc.uploads import prepare_upload
    from ocr_integration.encryption import crypto

    def prepare():
        upload = TemporaryUploadedFile("photo.jpg", "image/jpeg", image.stat().st_size, None)
        upload.write(image.read_bytes())  # not measured: the file is on disk before the step
        upload.seek(0)
        return upload

    uploads = [prepare(), prepare()]
    prepared, prepare_resident, prepare_python = peak_of(lambda: prepare_upload(uploads.pop()))
    _, encrypt_resident, encrypt_python = peak_of(lambda: crypto.encrypt_bytes(prepared.content))
    return {"prepare_upload": [prepare_resident, prepare_python], "encrypt_bytes": [encrypt_resident, encrypt_python],
            "re_encoded_bytes": len(prepared.content)}


# --- the bench ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=10.0, help="size of the JPEG (MiB)")
    parser.add_argument("--database-url", help="default: postgres://postgres@127.0.0.1:5432/kyc_bench_upload")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--smoke", action="store_true", help="a 1 MB image on SQLite, for CI")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--body", help=argparse.SUPPRESS)
    parser.add_argument("--small-body", help=argparse.SUPPRESS)
    parser.add_argument("--image", help=argparse.SUPPRESS)
    parser.add_argument("--cases", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--session", help=argparse.SUPPRESS)
    parser.add_argument("--csrf", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args)
        return
    if args.smoke:
        args.megabytes = 1.0

    bench = prepare("upload", smoke=args.smoke, database_url=args.database_url)
    print(f"machine: {machine()}; database: {bench.database_url.split('@')[-1]}; {load()}")
    from kyc.services.audit import Actor
    from kyc.services.cases import case_create

    target = int(args.megabytes * 1024 * 1024)
    image, (width, height) = noise_jpeg(target)
    small, _ = noise_jpeg(200_000)
    print(f"image: JPEG of noise, {len(image) / 1_048_576:.2f} MiB, {width}x{height} px "
          f"({width * height * 3 / 1_048_576:.1f} MiB of RGB pixels once decoded)", flush=True)
    cases = [case_create(actor=Actor.applicant(""), email=f"upload{n}@example.test", document_type="passport").id
             for n in range(3)]
    session, csrf = applicant_session(cases)
    body, small_body = bench.data_dir / "body.bin", bench.data_dir / "small.bin"
    write_body(body, image, csrf)
    write_body(small_body, small, csrf)
    (bench.data_dir / "image.jpg").write_bytes(image)
    child = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--measure", "--body", str(body), "--small-body", str(small_body),
         "--image", str(bench.data_dir / "image.jpg"),
         "--cases", *map(str, cases), "--session", session, "--csrf", csrf],
        cwd=REPO, env=os.environ.copy(), capture_output=True, text=True, timeout=300,
    )
    if child.returncode != 0:
        raise SystemExit(f"the measuring process failed:\n{child.stderr[-3000:]}")
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    from kyc.models import Document

    stored = Document.objects.filter(case_id=cases[1], is_current=True).first()
    mib = 1_048_576
    increase, ratio = figures["peak_increase"], figures["peak_increase"] / len(image)
    print(f"upload answered HTTP {figures['status']} {figures['answer']}")
    print(f"stored: {stored.byte_size / mib:.2f} MiB {stored.content_type} ({stored.width}x{stored.height})"
          if stored else "stored: nothing")
    print(f"resident memory before the request {figures['rss_before'] / mib:.1f} MiB; peak increase "
          f"{increase / mib:.1f} MiB = {ratio:.2f} x the file (target <= 2.00)")
    print(f"Python allocations (tracemalloc), peak increase {figures['python_peak_increase'] / mib:.1f} MiB = "
          f"{figures['python_peak_increase'] / len(image):.2f} x the file; ru_maxrss increase "
          f"{figures['maxrss_increase'] / mib:.1f} MiB")
    stages = figures["stages"]
    print("  where it goes, each step alone on the same file (resident / Python peak increase):")
    print(f"    kyc.uploads.prepare_upload (decode, rotate, re-encode): {stages['prepare_upload'][0] / mib:.1f} / "
          f"{stages['prepare_upload'][1] / mib:.1f} MiB (re-encoded file {stages['re_encoded_bytes'] / mib:.1f} MiB)")
    print(f"    encryption.crypto.encrypt_bytes (storage at rest):      {stages['encrypt_bytes'][0] / mib:.1f} / "
          f"{stages['encrypt_bytes'][1] / mib:.1f} MiB")
    print(f"after the run: {load()}")
    dump_json(args.json, {**figures, "file_bytes": len(image), "pixels": [width, height], "ratio": ratio,
                          "machine": machine(), "load": load()})
    result("upload memory", figures["status"] == 200 and ratio <= 2.0,
           f"peak +{increase / mib:.1f} MiB for a {len(image) / mib:.1f} MiB image = {ratio:.2f} x (target <= 2), "
           f"HTTP {figures['status']}")


if __name__ == "__main__":
    main()
