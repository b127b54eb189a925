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
    .venv/bin/python bench/local_ocr.py --smoke           # one passport per phase, one pool process, SQLite (CI)
Bank cards are not part of any case type: ocr_accuracy.py times them in-process.
"""

from __future__ import annotations

import argparse
import io
import os
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
    load1,
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


def make_cases(document_type: str, count: int, specimens: dict, seed_offset: int = 0) -> list:
    from bench.ocr_accuracy import SEED_BASE
    from kyc.core.audit import Actor
    from kyc.services.cases import case_create
    from kyc.services.consent import SENSITIVE, consent_record
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
            specimen = generate_specimen(kind, SEED_BASE["clean"] + seed_offset + n)
            document = document_attach(case_id=case.id, kind=kind.value,
                                       prepared=prepare_upload(upload_file(specimen.image, "scan.png")),
                                       actor=Actor.applicant(case.applicant_id)).document
            specimens[document.id] = specimen
        case_ids.append(case.id)
    return case_ids


def engine_right(kind: str, reading, truth) -> bool:
    if KEY_FIELD[kind] == "mrz":
        # The same look-alike repairs as Tesseract's lines get below and as the cross-checks make
        # (the reader returns the MRZ as recognised; a 0 read for O in a name is repaired there).
        from bench import ocr_accuracy
        from ocr_integration.documents import mrz

        lines = list(reading.mrz_lines or ())
        if not lines:
            return False
        try:
            parsed = mrz.parse(lines, today=ocr_accuracy.TODAY, correct=True)
        except Exception:  # not an MRZ the parser can take: wrong, as for Tesseract below
            return False
        return tuple(parsed.lines) == tuple(truth.mrz_lines)
    return (reading.fields.get(KEY_FIELD[kind]) or {}).get("value") == truth.fields[KEY_FIELD[kind]]


def tesseract_read(kind: str, specimen, reading) -> tuple[bool, float]:
    """Tesseract on the same whole page the engine read: (key field right, seconds). For the MRZ
    kinds the MRZ is looked for in Tesseract's page text (parsed and corrected as ours is)."""
    from PIL import Image

    from bench import ocr_accuracy
    from ocr_integration.documents import mrz

    if kind == "cn_id_portrait":
        return ocr_accuracy.tesseract_cn_number(specimen)
    with Image.open(io.BytesIO(specimen.image)) as opened:
        image = opened.convert("L")
    language = "chi_sim+eng" if kind.startswith("cn_") else "eng"
    started = time.perf_counter()
    page = ocr_accuracy.tesseract(image, ["-l", language, "--psm", "3"])
    elapsed = time.perf_counter() - started
    if KEY_FIELD[kind] == "mrz":
        lines = [line for line in mrz.normalise_lines(page) if len(line) >= 20 and "<" in line]
        try:
            parsed = mrz.parse(lines, today=ocr_accuracy.TODAY, correct=True)
        except Exception:  # no MRZ in the text at all
            return False, elapsed
        return tuple(parsed.lines) == tuple(specimen.truth.mrz_lines), elapsed
    text = re.sub(r"\s+", "", page)
    return specimen.truth.fields[KEY_FIELD[kind]].replace(" ", "") in text, elapsed


def cpu_seconds(pids) -> float:
    """User + system CPU seconds used so far by these processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def single_thread_cpu_per_passport(count: int = 4) -> float:
    """CPU seconds one passport costs the engine on one thread, in this process (the bound's
    unit: two cores can read at most 120 / this many passports a minute)."""
    from ocr_integration.documents.kinds import DocumentKind
    from ocr_integration.local import engine
    from ocr_integration.local.provider import LocalOcrProvider
    from ocr_integration.provider import ReadRequest
    from ocr_integration.specimens import generate_specimen

    configured = os.environ.get("LOCAL_OCR_THREADS")  # the workers' setting (--threads), put back after
    os.environ["LOCAL_OCR_THREADS"] = "1"
    try:
        engine.warm_up()
        provider = LocalOcrProvider()
        images = [generate_specimen("passport", 50_000 + n).image for n in range(count + 1)]
        def read(image: bytes) -> None:
            provider.read(ReadRequest(document_kind=DocumentKind.PASSPORT, image=image, content_type="image/png"))

        read(images[0])  # the first read fills caches
        started = time.process_time()
        for image in images[1:]:
            read(image)
        return (time.process_time() - started) / count
    finally:
        if configured is None:
            os.environ.pop("LOCAL_OCR_THREADS", None)
        else:
            os.environ["LOCAL_OCR_THREADS"] = configured


def passport_throughput(args, specimens: dict, pool: list[int]) -> dict:
    """The README's deployment (already started, its pool processes ``pool``) reading
    ``args.passports`` passports submitted at once: passports a minute, case latency (submit ->
    ready for review, committed), CPU per passport in the pool."""
    from kyc.models import Case

    case_ids = make_cases("passport", args.passports, specimens, seed_offset=1000)
    load_before, cpu_before = load1(), cpu_seconds(pool)
    submitted = submit_all(case_ids)
    wait_until_reviewable(case_ids, timeout=args.passports * 30 + 120)
    cpu_used = cpu_seconds(pool) - cpu_before
    load_after = load1()
    cases = list(Case.objects.filter(id__in=case_ids))
    latencies = [(c.state_changed_at - c.submitted_at).total_seconds() for c in cases
                 if c.state in ("ready_for_review", "needs_attention")]
    wall = max(c.state_changed_at for c in cases).timestamp() - submitted + \
        (submitted - min(c.submitted_at for c in cases).timestamp())
    return {
        "passports": len(cases), "reviewable": len(latencies), "wall_s": wall,
        "per_minute": len(latencies) / wall * 60 if wall > 0 else 0.0,
        "latency_p50_s": statistics.median(latencies) if latencies else None,
        "latency_p95_s": percentile(latencies, 0.95) if latencies else None,
        "pool_cpu_per_passport_s": cpu_used / max(1, len(latencies)),
        "cpu_share": cpu_used / wall / (os.cpu_count() or 1) if wall > 0 else 0.0,
        "load": f"{load_before} -> {load_after}",
    }


def wait_for_warm_up(bench, expected: int, *, smoke: bool) -> None:
    # The pool processes load the models in worker_process_init: give them time to log it.
    deadline = time.monotonic() + (3 if smoke else 60)
    while worker_logs(bench).count("local OCR engine warmed up") < expected and time.monotonic() < deadline:
        time.sleep(0.5)


def worker_logs(bench, offsets: dict[Path, int] | None = None) -> str:
    """The workers' logs, each from ``offsets[path]`` on (from its start without)."""
    text = []
    for path in sorted(bench.data_dir.glob("worker-*.log")):
        with open(path, encoding="utf-8", errors="replace") as log:
            log.seek((offsets or {}).get(path, 0))
            text.append(log.read())
    return "".join(text)


def wait_until_reviewable(case_ids: list, *, timeout: float) -> None:
    from kyc.models import Case

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Case.objects.filter(id__in=case_ids, state__in=["ready_for_review", "needs_attention"]).count() >= len(case_ids):
            return
        time.sleep(0.2)


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
    parser.add_argument("--passports", type=int, default=40,
                        help="passports submitted at once for the throughput figure (0: skip it)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=2,
                        help="pool processes per worker (each loads the models); 2 = the README's worker command")
    parser.add_argument("--threads", type=int, default=0,
                        help="LOCAL_OCR_THREADS for the workers (0: unset, the default: cores / concurrency)")
    parser.add_argument("--database-url", help="default: postgres://postgres@127.0.0.1:5432/kyc_bench_local_ocr")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--smoke", action="store_true", help="one passport per phase, one pool process, on SQLite, for CI")
    args = parser.parse_args()
    types = list(DOCUMENT_TYPES)
    if args.smoke:
        # One pool process (each one loads the OCR models) and one passport per phase: the smoke run
        # proves every step runs and prints its figures, not the figures.
        args.per_kind, args.tesseract, types, args.passports, args.concurrency = 1, 1, ["passport"], 1, 1

    environ = {"OCR_DEFAULT_PROVIDER": "local", "OCR_READ_MAX_RETRIES": "0"}
    if args.threads:
        environ["LOCAL_OCR_THREADS"] = str(args.threads)
    bench = prepare("local_ocr", smoke=args.smoke, database_url=args.database_url, environ=environ)
    print(f"machine: {machine()}; database: {bench.database_url.split('@')[-1]}; broker: {bench.broker_url}; {load()}")
    specimens: dict = {}
    throughput: dict = {}
    bound = 0.0
    if args.passports:
        cpu_one = single_thread_cpu_per_passport(1 if args.smoke else 4)
        cores = os.cpu_count() or 1
        bound = cores * 60 / cpu_one
        print(f"single-thread CPU per passport (this process, 1 thread): {cpu_one:.2f} s ({1 / cpu_one:.2f} passports"
              f" per CPU-second) -> bound on {cores} cores: "
              f"{bound:.0f} passports a minute; {load()}", flush=True)
    pool_size = args.workers * args.concurrency
    # One deployment for both phases, as the README runs one: its pool processes load the models
    # once each (checked below over both phases' logs), and a second start of the workers and of
    # their models would only repeat that.
    with celery_workers(bench, args.workers, concurrency=args.concurrency) as workers:
        wait_for_warm_up(bench, pool_size, smoke=args.smoke)
        pool = pool_processes(workers)
        ready_mb = {pid: resident_mb(pid) for pid in pool}
        threads = sorted(set(re.findall(r"warmed up in [0-9.]+ s \((\d+) inference threads\)", worker_logs(bench))))
        print(f"workers: {args.workers} x {args.concurrency} pool processes, resident after warm-up "
              f"{', '.join(f'{mb:.0f} MB' for mb in ready_mb.values())}; {load()}", flush=True)
        if args.passports:
            throughput = passport_throughput(args, specimens, pool)
            throughput.update(cpu_one_thread_s=cpu_one, bound_per_minute=bound, threads=",".join(threads) or "?")
            print("| deployment | inference threads | passports | passports/min | of the bound | case latency p50 / p95 s "
                  "| pool CPU s/passport | CPU efficiency | machine share | load |")
            print("|---|---|---|---|---|---|---|---|---|---|")
            print(f"| {args.workers} worker x --concurrency={args.concurrency} | {throughput['threads']} | "
                  f"{throughput['reviewable']}/{throughput['passports']} | {throughput['per_minute']:.1f} | "
                  f"{throughput['per_minute'] / bound:.0%} | {throughput['latency_p50_s']:.1f} / {throughput['latency_p95_s']:.1f} | "
                  f"{throughput['pool_cpu_per_passport_s']:.2f} | {cpu_one / throughput['pool_cpu_per_passport_s']:.0%} | "
                  f"{throughput['cpu_share']:.0%} | {throughput['load']} |", flush=True)
            print("(CPU efficiency: single-thread CPU per passport / the pool's CPU per passport; machine share: the "
                  "pool's CPU seconds / (wall seconds x cores), what the other processes on the machine left it)")
        if not args.per_kind:  # the throughput figure alone
            dump_json(args.json, {"throughput": throughput, "machine": machine(), "load": load()})
            report_throughput(args, throughput, bound)
            return
        # The per-kind figures come from what the workers log from here on.
        per_kind_from = {path: path.stat().st_size for path in bench.data_dir.glob("worker-*.log")}
        case_ids = [c for t in types for c in make_cases(t, args.per_kind, specimens)]
        expected = len(specimens)  # the throughput phase's passports are read already and counted as read
        print(f"data: {len(case_ids)} cases, {expected - throughput.get('passports', 0)} images (clean specimens)",
              flush=True)
        submit_all(case_ids)
        done = wait_until_read(expected, timeout=expected * 20 + 120)
        end_mb = {pid: resident_mb(pid) for pid in pool if Path(f"/proc/{pid}").exists()}
    logs = worker_logs(bench)
    warm_ups = logs.count("local OCR engine warmed up")
    engine_seconds: dict[str, list[float]] = {}
    for _process, kind, seconds in ENGINE_LINE.findall(worker_logs(bench, per_kind_from)):
        engine_seconds.setdefault(kind, []).append(float(seconds))
    first_reads: dict[str, tuple[str, float]] = {}  # pool process -> its first read (kind, seconds), either phase
    for process, kind, seconds in ENGINE_LINE.findall(logs):
        first_reads.setdefault(process, (kind, float(seconds)))

    from kyc.models import Document, DocumentReading

    readings = {r.document_id: r for r in DocumentReading.objects.filter(role="primary")}
    has_tesseract = shutil.which("tesseract") is not None and args.tesseract > 0
    table, figures = [], {}
    for kind in KEY_FIELD:
        documents = list(Document.objects.filter(kind=kind, case_id__in=case_ids).order_by("created_at"))
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
    print("(Tesseract: the same whole page the engine read; for the MRZ kinds, the MRZ looked for in its page text)")
    print(f"model loading: {warm_ups} warm-up(s) logged for {pool_size} pool process(es); resident memory "
          f"after warm-up -> end: {', '.join(f'{ready_mb[p]:.0f} -> {end_mb.get(p, 0):.0f} MB' for p in ready_mb)}")
    for process, (kind, seconds) in first_reads.items():
        median = f"{statistics.median(engine_seconds[kind]):.2f} s" if kind in engine_seconds else "-"
        print(f"  first read in {process}: {kind} in {seconds:.2f} s (median for {kind}: {median})")
    if warm_ups < pool_size:
        print("  no warm-up at worker start: the models were loaded by the first read of each pool process")
    print(f"after the run: {load()}")
    dump_json(args.json, {"throughput": throughput, "kinds": figures, "warm_ups": warm_ups, "first_reads": first_reads, "pool": pool_size, "machine": machine(), "load": load()})
    read_all = done >= expected and all(e["read"] == e["n"] for e in figures.values())
    result("local ocr", read_all and warm_ups == pool_size,
           f"{sum(e['read'] for e in figures.values())}/{expected - throughput.get('passports', 0)} read; models loaded "
           f"{warm_ups} time(s) for {pool_size} pool process(es); median s per kind: "
           + ", ".join(f"{k} {e['engine_median_s']}" for k, e in figures.items()))
    if throughput:
        report_throughput(args, throughput, bound)


def report_throughput(args, throughput: dict, bound: float) -> None:
    per_minute = throughput["per_minute"]
    result("local ocr throughput", per_minute >= 0.9 * bound,
           f"{per_minute:.1f} passports a minute at {args.workers} x --concurrency={args.concurrency}, "
           f"{per_minute / bound:.0%} of the {bound:.0f}/min single-thread CPU bound (target >= 90 %); "
           f"CPU efficiency {throughput['cpu_one_thread_s'] / throughput['pool_cpu_per_passport_s']:.0%}, "
           f"machine share {throughput['cpu_share']:.0%}; load {throughput['load']}")

if __name__ == "__main__":
    main()
