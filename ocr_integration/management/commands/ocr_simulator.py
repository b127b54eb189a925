"""Run the OCR vendor simulator in the foreground (see docs/vendors.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ocr_integration.simulator import Simulator, SimulatorConfig
from ocr_integration.simulator.answers import ANSWER_FORMS
from ocr_integration.simulator.server import FAULTS, G42_NOT_OFFERED


class Command(BaseCommand):
    help = "Serve the Huawei/G42 and CTyun OCR APIs (IAM, AK/SK, EOP, every OCR endpoint) on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8790)
        parser.add_argument("--latency-ms", type=int, default=0, help="added to every answer")
        parser.add_argument("--qps", type=float, default=0.0, help="per-account limit; 0 = none (CTyun's is 5)")
        parser.add_argument("--fault", action="append", default=[], metavar="NAME[:PROBABILITY]",
                            help=f"inject a fault into a share of OCR requests; NAME is one of {', '.join(FAULTS)}")
        parser.add_argument("--fault-timeout-s", type=float, default=35.0, help="how long a 'timeout' fault stalls")
        parser.add_argument("--no-engine", action="store_true",
                            help="answer only for synthetic specimens (no embedded-engine fallback)")
        parser.add_argument("--seed", type=int, default=None)
        # Where the documents are silent or contradict themselves, the choice is named here.
        parser.add_argument("--ctyun-clock-zone", default="Asia/Shanghai", help="zone of eop-date's wall time")
        parser.add_argument("--ctyun-throttle-answer", choices=["http_429", "undocumented_code"], default="http_429")
        parser.add_argument("--huawei-gateway-prefix", choices=["APIG", "APIGW"], default="APIG")
        parser.add_argument("--answer-form", action="append", default=[], choices=ANSWER_FORMS,
                            help="answer a documented alternative form (the table's instead of the example's)")
        parser.add_argument("--emirates-report-detected-side", action="store_true",
                            help="answer the detected side even when a side was forced")
        parser.add_argument("--g42", action="store_true",
                            help="G42's endpoint: no id-document nor general-text, no token auth for OCR")

    def handle(self, *args, **options):
        if options["host"] not in ("127.0.0.1", "localhost", "::1"):
            raise CommandError("The simulator only listens on loopback.")
        faults: dict[str, float] = {}
        for spec in options["fault"]:
            name, _, share = spec.partition(":")
            if name not in FAULTS:
                raise CommandError(f"Unknown fault {name!r}; choose from {', '.join(FAULTS)}.")
            try:
                probability = float(share) if share else 1.0
            except ValueError:
                raise CommandError(f"--fault {spec}: the probability must be a number between 0 and 1.") from None
            if not 0 <= probability <= 1:
                raise CommandError(f"--fault {spec}: the probability must be between 0 and 1.")
            faults[name] = probability
        config = SimulatorConfig(latency_ms=options["latency_ms"], qps=options["qps"], faults=faults,
                                 fault_timeout_s=options["fault_timeout_s"], use_engine=not options["no_engine"],
                                 seed=options["seed"], ctyun_clock_zone=options["ctyun_clock_zone"],
                                 ctyun_throttle_answer=options["ctyun_throttle_answer"],
                                 huawei_gateway_prefix=options["huawei_gateway_prefix"],
                                 answer_forms=frozenset(options["answer_form"]),
                                 emirates_report_detected_side=options["emirates_report_detected_side"],
                                 not_offered=set(G42_NOT_OFFERED) if options["g42"] else set(),
                                 token_auth_offered=not options["g42"])
        simulator = Simulator(config, host=options["host"], port=options["port"])
        self.stdout.write(f"OCR vendor simulator on http://{options['host']}:{options['port']} "
                          f"(latency {config.latency_ms} ms, qps {config.qps or 'unlimited'}, faults {faults or 'none'})")
        try:
            simulator.serve_forever()
        except KeyboardInterrupt:
            simulator.stop()
