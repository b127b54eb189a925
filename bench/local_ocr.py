"""Local OCR speed in the workers, per document kind, with Tesseract on the same images.

Issue 9, point 6. The engine's accuracy (and its in-process speed, cold start and memory) is
``bench/ocr_accuracy.py``'s subject; this script measures the engine where the product runs it:
real Celery worker processes reading submitted cases, the models loaded once per worker process
(``kyc.project.celery``'s ``worker_process_init`` warm-up), and reuses ocr_accuracy.py's Tesseract
helpers for the side-by-side.

``--per-kind`` clean specimens of each kind that a case can hold (passport, Emirates ID front
and back, Chinese ID portrait and emblem; the same seeds as ocr_accuracy.py's clean set) are
attached to cases and submitted at once; ``--workers`` x ``--concurrency`` pool processes read
them with the embedded engine. Per kind: median and p95 seconds per document, as the engine
logs them (``local OCR read ... in N s``) and as the pipeline sees them (claim -> reading stored).
"Loaded once per worker process": every pool process logs one warm-up, at start, and no other;
the first read of each pool process is printed next to the median (a cold read pays the loading),
and the pool processes' resident memory after start and at the end.

Tesseract (Debian ``tesseract-ocr``, ``eng``/``chi_sim``, one thread) reads the first
``--tesseract`` stored images of each kind: the MRZ band the engine found (passport, Emirates ID
back), the whole image for the others; seconds per image and whether the key field came out right,
next to the engine's result on the same documents.

    .venv/bin/python bench/local_ocr.py                   # 12 per kind, Tesseract on 8
    .venv/bin/python bench/local_ocr.py --smoke           # one passport on SQLite, for CI
Bank cards are not part of any case type: ocr_accuracy.py times them in-process.
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (  # noqa: E402
    celery_workers,
    dump_json,
    load,
    machine,
    percentile,
    prepare,
    result,
    submit_all,
    upload_file,
    wait_until_read,
)

DOCUMENT_TYPES = {"passport": "GBR", "emirates_id": "ARE", "cn_resident_id": "CHN"}
KEY_FIELD = {"passport": "mrz", "emirates_id_back": "mrz", "emirates_id_front": "id_number",
             "cn_id_portrait": "id_number", "cn_id_emblem": "validity_period"}
ENGINE_LINE = re.compile(r"/([\w-]+)\] local OCR read (\S+): .* in ([0-9.]+) s")


def make_cases(document_type: str, count: int, specimens: dict) -> list:
    from bench.ocr_accuracy import SEED_BASE
    from kyc.services.consent import SENSITIVE, consent_record
    from kyc.core.audit import Actor
    from kyc.services.cases import case_create
    from kyc.services.documents import document_attach
    from kyc.uploads.prepare import prepare_upload
    from ocr_integration.documents.kinds import REQUIRED_KINDS, DocumentType
    from ocr_integration.specimens import generate_specimen

    case_ids = []
    for n in range(count):
        case = case_create(actor=Actor.applicant(""), email=f"ocr{n}@example.test", document_type=document_type,
                           issuing_country=DOCUMENT_TYPES[document_type])
        if document_type == "cn_resident_id":  # the separate consent a Chinese ID needs before its upload
            consent_record(case_id=case.id, scope=SENSITIVE, actor=Actor.applicant(case.applicant_id))
        for kind in REQUIRED_KINDS[DocumentType(document_type)]:
            specimen = generate_specimen(kind, SEED_BASE["clean"] + n)
            document = document_attach(case_id=case.id, kind=kind.value,
                                       prepared=prepare_upload(upload_file(specimen.image, "scan.png")),
                                       actor=Actor.applicant(case.applicant_id)).document
            specimens[document.id] = specimen
        case_ids.append(case.id)
    return case_ids


def engine_right(kind: str, reading, truth) -> bool:
    if KEY_FIELD[kind] == "mrz":
        return tuple(reading.mrz_lines) == tuple(truth.mrz_lines)
    return (reading.fields.get(KEY_FIELD[kind]) or {}).get("value") == truth.fields[KEY_FIELD[kind]]


def tesseract_read(kind: str, specimen, reading) -> tuple[bool, float]:
    """Tesseract on one image: (key field right, seconds), with ocr_accuracy.py's helpers."""
    from PIL import Image

    from bench import ocr_accuracy

    if KEY_FIELD[kind] == "mrz":
        return ocr_accuracy.tesseract_mrz(specimen, SimpleNamespace(raw_response=reading.raw_response))
    if kind == "cn_id_portrait":
        return ocr_accuracy.tesseract_cn_number(specimen)
    with Image.open(io.BytesIO(specimen.image)) as opened:
        image = opened.convert("L")
    language = "chi_sim+eng" if kind.startswith("cn_") else "eng"
    started = time.perf_counter()
    text = re.sub(r"\s+", "", ocr_accuracy.tesseract(image, ["-l", language, "--psm", "3"]))
    elapsed = time.perf_counter() - started
    return specimen.truth.fields[KEY_FIELD[kind]].replace(" ", "") in text, elapsed


def pool_processes(workers) -> list[int]:
    children = []
    for worker in workers:
        path = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
        children += [int(pid) for pid in path.read_text().split()] if path.exists() else []
    return children


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-kind", type=int, default=12)
    parser.add_argument("--tesseract", type=int, default=8, help="images per kind given to Tesseract (0: none)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=1, help="pool processes per worker (each loads the models)")
    parser.add_argument("--database-url", help="default: postgres://postgres@127.0.0.1:5432/kyc_bench_local_ocr")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--smoke", action="store_true", help="one passport on SQLite, for CI")
    args = parser.parse_args()
    types = list(DOCUMENT_TYPES)
    if args.smoke:
        args.per_kind, args.tesseract, types = 1, 1, ["passport"]

    bench = prepare("local_ocr", smoke=args.smoke, database_url=args.database_url,
                    environ={"OCR_DEFAULT_PROVIDER": "local", "OCR_READ_MAX_RETRIES": "0"})
    print(f"machine: {machine()}; database: {bench.database_url.split('@')[-1]}; broker: {bench.broker_url}; {load()}")
    specimens: dict = {}
    case_ids = [c for t in types for c in make_cases(t, args.per_kind, specimens)]
    expected = len(specimens)
    print(f"data: {len(case_ids)} cases, {expected} images (clean specimens)", flush=True)
    with celery_workers(bench, args.workers, concurrency=args.concurrency) as workers:
        # The pool processes load the models in worker_process_init: give them time to log it.
        deadline = time.monotonic() + (3 if args.smoke else 30)
        while sum(p.read_text().count("local OCR engine warmed up") for p in bench.data_dir.glob("worker-*.log")) \
                < args.workers * args.concurrency and time.monotonic() < deadline:
            time.sleep(0.5)
        pool = pool_processes(workers)
        ready_mb = {pid: resident_mb(pid) for pid in pool}
        print(f"workers: {args.workers} x {args.concurrency} pool processes, resident after warm-up "
              f"{', '.join(f'{mb:.0f} MB' for mb in ready_mb.values())}; {load()}", flush=True)
        submit_all(case_ids)
        done = wait_until_read(expected, timeout=expected * 20 + 120)
        end_mb = {pid: resident_mb(pid) for pid in pool if Path(f"/proc/{pid}").exists()}
    logs = "".join(p.read_text(errors="replace") for p in bench.data_dir.glob("worker-*.log"))
    warm_ups = logs.count("local OCR engine warmed up")
    engine_seconds: dict[str, list[float]] = {}
    first_reads: dict[str, tuple[str, float]] = {}  # pool process -> its first read (kind, seconds)
    for process, kind, seconds in ENGINE_LINE.findall(logs):
        engine_seconds.setdefault(kind, []).append(float(seconds))
        first_reads.setdefault(process, (kind, float(seconds)))

    from kyc.models import Document, DocumentReading

    readings = {r.document_id: r for r in DocumentReading.objects.filter(role="primary")}
    has_tesseract = shutil.which("tesseract") is not None and args.tesseract > 0
    table, figures = [], {}
    for kind in KEY_FIELD:
        documents = list(Document.objects.filter(kind=kind).order_by("created_at"))
        if not documents:
            continue
        pipeline_s = [(readings[d.id].created_at - d.claimed_at).total_seconds() for d in documents if d.id in readings]
        engine_s = engine_seconds.get(kind, [])
        engine_ok = tess_ok = 0
        tess_s = []
        for index, document in enumerate(documents):
            reading = readings.get(document.id)
            if reading is None:
                continue
            reading_view = SimpleNamespace(mrz_lines=reading.mrz_lines, fields=reading.fields,
                                           raw_response=reading.raw_response)
            engine_ok += engine_right(kind, reading_view, specimens[document.id].truth)
            if has_tesseract and index < args.tesseract:
                ok, seconds = tesseract_read(kind, specimens[document.id], reading_view)
                tess_ok += ok
                tess_s.append(seconds)
        entry = {
            "n": len(documents), "read": len(pipeline_s),
            "engine_median_s": round(statistics.median(engine_s), 3) if engine_s else None,
            "engine_p95_s": round(percentile(engine_s, 0.95), 3) if engine_s else None,
            "pipeline_median_s": round(statistics.median(pipeline_s), 3) if pipeline_s else None,
            "pipeline_p95_s": round(percentile(pipeline_s, 0.95), 3) if pipeline_s else None,
            "engine_key_field": f"{engine_ok}/{len(pipeline_s)}",
            "tesseract_median_s": round(statistics.median(tess_s), 3) if tess_s else None,
            "tesseract_p95_s": round(percentile(tess_s, 0.95), 3) if tess_s else None,
            "tesseract_key_field": f"{tess_ok}/{len(tess_s)}" if tess_s else "-",
        }
        figures[kind] = entry
        table.append(
            f"| {kind} | {entry['read']}/{entry['n']} | {entry['engine_median_s']} | {entry['engine_p95_s']} | "
            f"{entry['pipeline_median_s']} | {entry['pipeline_p95_s']} | {KEY_FIELD[kind]} {entry['engine_key_field']} | "
            f"{entry['tesseract_median_s']} | {entry['tesseract_p95_s']} | {entry['tesseract_key_field']} |"
        )
    print("| kind | read | engine median s | engine p95 s | claim->stored median s | p95 s | key field, engine | "
          "Tesseract median s | Tesseract p95 s | key field, Tesseract |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(table))
    print("(Tesseract: the MRZ band the engine found for passport and Emirates ID back, the whole image otherwise)")
    pool_size = args.workers * args.concurrency
    print(f"model loading: {warm_ups} warm-up(s) logged for {pool_size} pool process(es); resident memory "
          f"after warm-up -> end: {', '.join(f'{ready_mb[p]:.0f} -> {end_mb.get(p, 0):.0f} MB' for p in ready_mb)}")
    for process, (kind, seconds) in first_reads.items():
        print(f"  first read in {process}: {kind} in {seconds:.2f} s (median for {kind}: "
              f"{statistics.median(engine_seconds[kind]):.2f} s)")
    if warm_ups < pool_size:
        print("  no warm-up at worker start: the models were loaded by the first read of each pool process")
    print(f"after the run: {load()}")
    dump_json(args.json, {"kinds": figures, "warm_ups": warm_ups, "first_reads": first_reads, "pool": pool_size, "machine": machine(), "load": load()})
    read_all = done >= expected and all(e["read"] == e["n"] for e in figures.values())
    result("local ocr", read_all and warm_ups == pool_size,
           f"{sum(e['read'] for e in figures.values())}/{expected} read; models loaded {warm_ups} time(s) for "
           f"{pool_size} pool process(es); median s per kind: "
           + ", ".join(f"{k} {e['engine_median_s']}" for k, e in figures.items()))


if __name__ == "__main__":
    main()
