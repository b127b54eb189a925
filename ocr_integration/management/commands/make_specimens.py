"""manage.py make_specimens: write synthetic document images with their ground truth."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ocr_integration.documents.kinds import DocumentKind
from ocr_integration.specimens import APPLICABLE_FAULTS, Fault, FontsMissing
from ocr_integration.specimens.bundle import write_bundled_set, write_specimen
from ocr_integration.specimens.degrade import PRESETS
from ocr_integration.specimens.families import CAPTURES, FAMILIES, render


class Command(BaseCommand):
    help = (
        "Write synthetic specimen documents (image + JSON ground truth). All data are synthetic. "
        "Example: make_specimens --out /tmp/specimens --kind passport --count 5 --fault expired; "
        "layout families: make_specimens --out /tmp/f --family all --capture photo"
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, help="directory to write into (created if missing)")
        parser.add_argument(
            "--kind", action="append", choices=[str(k) for k in DocumentKind],
            help="document kind (repeatable; default: every kind)",
        )
        parser.add_argument("--count", type=int, default=3, help="specimens per kind (default 3)")
        parser.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
        parser.add_argument(
            "--fault", action="append", choices=[str(f) for f in Fault], default=[],
            help="put this fault in every specimen (repeatable); kinds that cannot carry it are skipped",
        )
        parser.add_argument("--degrade", choices=PRESETS, help="simulate a poor capture")
        parser.add_argument(
            "--family", action="append", choices=["all", *FAMILIES],
            help="draw these layout families (repeatable; 'all' for every one) instead of the marked design",
        )
        parser.add_argument("--capture", choices=CAPTURES, default="clean", help="with --family: how it is captured")
        parser.add_argument(
            "--bundled", action="store_true",
            help="regenerate the demo set shipped in ocr_integration/specimens/bundled/",
        )

    def handle(self, *args, **options):
        try:
            if options["bundled"]:
                written = write_bundled_set()
                self.stdout.write(f"Wrote {len(written)} bundled specimens.")
                return
            if options["out"] is None:
                raise CommandError("Give --out DIRECTORY (or --bundled).")
            if options["count"] < 1:
                raise CommandError("--count must be at least 1.")
            out: Path = options["out"]
            out.mkdir(parents=True, exist_ok=True)
            faults = tuple(Fault(f) for f in options["fault"])
            kinds = [DocumentKind(k) for k in options["kind"] or DocumentKind]
            written = 0
            if options["family"]:
                written = self._families(out, options, kinds, faults)
                kinds = []
            for kind in kinds:
                if not set(faults) <= APPLICABLE_FAULTS[kind]:
                    self.stderr.write(f"Skipping {kind}: it cannot carry {', '.join(faults)}.")
                    continue
                for seed in range(options["seed"], options["seed"] + options["count"]):
                    write_specimen(out, kind, seed, faults, options["degrade"])
                    written += 1
        except FontsMissing as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Wrote {written} specimens to {out}.")

    def _families(self, out: Path, options: dict, kinds: list[DocumentKind], faults: tuple[Fault, ...]) -> int:
        names = list(FAMILIES) if "all" in options["family"] else options["family"]
        written = 0
        for name in names:
            for kind in FAMILIES[name].kinds:
                if kind not in kinds or not set(faults) <= APPLICABLE_FAULTS[kind]:
                    continue
                for seed in range(options["seed"], options["seed"] + options["count"]):
                    specimen = render(kind, name, seed, faults=faults, capture=options["capture"])
                    stem = "-".join([str(kind), name, str(seed), *sorted(map(str, faults)), specimen.capture])
                    (out / f"{stem}.{specimen.extension}").write_bytes(specimen.image)
                    truth = {**specimen.truth.to_json(), "family": name, "capture": specimen.capture}
                    (out / f"{stem}.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
                    written += 1
        return written
