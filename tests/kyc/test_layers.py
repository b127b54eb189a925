"""The integrators' API (kyc.api) is an outer layer: nothing else in kyc imports it.

The core tells the API what happened through kyc.services.hooks, whose receivers the API registers
in its AppConfig.ready(). Read from the source (every import statement, at any depth, and every
dotted path in a string that could be imported by name), so a new import fails here whatever
the code paths the other tests happen to run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import kyc

KYC = Path(kyc.__file__).resolve().parent
OUTER = KYC / "api"
# The Django project wires the apps together (INSTALLED_APPS, the URL tree, Celery's schedule):
# it names the API by design. It is listed by file so that nothing else hides behind it.
PROJECT = {KYC / "project" / "settings.py", KYC / "project" / "urls.py", KYC / "project" / "celery.py"}


def _core_modules() -> list[Path]:
    return sorted(
        path for path in KYC.rglob("*.py")
        if OUTER not in path.parents and path not in PROJECT and "migrations" not in path.parts
    )


def _package_of(path: Path) -> str:
    return ".".join(path.relative_to(KYC.parent).parent.parts)


def _outer_references(source: str, package: str = "kyc") -> list[str]:
    """Every import of kyc.api (relative ones resolved from ``package``), and every string naming
    it ("kyc.api.x", as import_string would take it)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _is_outer(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            if _is_outer(module):
                found.append(module)
            else:
                found += [f"{module}.{alias.name}" for alias in node.names if _is_outer(f"{module}.{alias.name}")]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _is_outer(node.value):
            found.append(repr(node.value))
    return found


def _is_outer(name: str) -> bool:
    return name == "kyc.api" or name.startswith("kyc.api.")


def test_nothing_in_kyc_outside_the_api_imports_the_api():
    modules = _core_modules()
    assert KYC / "services" / "cases.py" in modules and KYC / "views" / "applicant.py" in modules
    offenders = {
        str(path.relative_to(KYC.parent)): refs
        for path in modules
        if (refs := _outer_references(path.read_text(encoding="utf-8"), _package_of(path)))
    }
    assert offenders == {}


def test_the_check_sees_every_form_of_import():
    assert _outer_references("import kyc.api.webhooks") == ["kyc.api.webhooks"]
    assert _outer_references("from kyc.api.services import attach") == ["kyc.api.services"]
    assert _outer_references("from kyc import api") == ["kyc.api"]
    assert _outer_references("def f():\n    from kyc.api import models\n") == ["kyc.api"]
    assert _outer_references("HANDLER = 'kyc.api.services.erase'") == ["'kyc.api.services.erase'"]
    assert _outer_references("from . import api", package="kyc") == ["kyc.api"]
    assert _outer_references("from ..api.models import X", package="kyc.views") == ["kyc.api.models"]
    assert _outer_references("from kyc.apis import x\nfrom . import api\nimport kyc.apiary", package="kyc.views") == []


def test_every_outer_table_with_personal_data_has_its_eraser_registered():
    from django.apps import apps

    from kyc.privacy.personal_data import PERSONAL
    from kyc.services import hooks

    outer = [table.model for table in PERSONAL if table.erase == "app"]
    assert outer, "the API's webhook payloads and idempotency answers are erased by the API"
    for model in outer:
        assert apps.get_model(model) is not None
        assert hooks.eraser_for(model) is not None, f"{model}: no eraser registered in its app's ready()"
