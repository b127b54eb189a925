"""Helpers for tests that talk to the simulator: settings and environment pointing at it."""

from __future__ import annotations

from .server import Simulator

HUAWEI_AK, HUAWEI_SK = "SIMAK0000000000000000", "sim-huawei-secret-key"
PROJECT_ID = "0sim0project0id0"
CTYUN_AK, CTYUN_SK, CTYUN_APPKEY = "sim-ctyun-ak", "sim-ctyun-sk", "sim-ctyun-appkey"


def vendor_settings(sim: Simulator, *, auth: str = "aksk", qps: float = 0.0, ctyun_qps: float = 0.0,
                    batching: bool = False, batch_wait_ms: int = 200, batch_max: int = 50) -> dict[str, dict]:
    huawei = {
        "vendor": "huawei", "region": "ae-ad-1", "endpoint": sim.url, "iam_endpoint": sim.url,
        "project_id": PROJECT_ID, "project_name": "ae-ad-1", "auth_scheme": auth,
        "access_key": HUAWEI_AK, "secret_key": HUAWEI_SK, "domain_name": "sim-domain",
        "username": "sim-user", "password": "sim-password", "qps": qps, "passport_api": "auto",
    }
    return {
        # G42: AK/SK only and no id-document (vendors.checks); the Huawei account keeps both.
        "g42": {**huawei, "vendor": "g42", "auth_scheme": "aksk", "passport_api": "passport"},
        "huawei": dict(huawei),
        "ctyun": {"vendor": "ctyun", "endpoint": sim.url, "access_key": CTYUN_AK, "secret_key": CTYUN_SK,
                  "app_key": CTYUN_APPKEY, "qps": ctyun_qps, "batching": batching,
                  "batch_wait_ms": batch_wait_ms, "batch_max": batch_max,
                  "clock_zone": sim.config.ctyun_clock_zone},
    }


def vendor_environ(sim: Simulator, data_dir: str, *, auth: str = "aksk", ctyun_qps: float = 5.0,
                   batching: bool = False, batch_wait_ms: int = 200) -> dict[str, str]:
    """Environment variables that point a separate worker process at the simulator."""
    env = {"KYC_DATA_DIR": data_dir, "CTYUN_OCR_ENDPOINT": sim.url, "CTYUN_OCR_AK": CTYUN_AK,
           "CTYUN_OCR_SK": CTYUN_SK, "CTYUN_OCR_APPKEY": CTYUN_APPKEY, "CTYUN_OCR_QPS": str(ctyun_qps),
           "CTYUN_OCR_BATCHING": "true" if batching else "false", "CTYUN_OCR_BATCH_WAIT_MS": str(batch_wait_ms),
           "CTYUN_OCR_CLOCK_ZONE": sim.config.ctyun_clock_zone}
    for prefix in ("HUAWEI_OCR", "G42_OCR"):
        scheme = "aksk" if prefix == "G42_OCR" else auth  # G42 OCR is AK/SK only (vendors.checks)
        env.update({f"{prefix}_ENDPOINT": sim.url, f"{prefix}_IAM_ENDPOINT": sim.url, f"{prefix}_PROJECT_ID": PROJECT_ID,
                    f"{prefix}_PROJECT_NAME": "ae-ad-1", f"{prefix}_AUTH": scheme, f"{prefix}_AK": HUAWEI_AK,
                    f"{prefix}_SK": HUAWEI_SK, f"{prefix}_DOMAIN_NAME": "sim-domain",
                    f"{prefix}_USERNAME": "sim-user", f"{prefix}_PASSWORD": "sim-password"})
    return env
