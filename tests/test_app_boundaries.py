"""Each app imports only what the architecture allows (docs/architecture.md): the shared app
``kyc.core`` imports neither app; ``ocr_integration`` imports nothing of ``kyc`` but ``kyc.core``;
``kyc`` reaches ``ocr_integration`` through its services and the pure document library.

Read from the source (every import statement, including those inside functions), so a new import
that crosses a boundary fails here before it becomes a loop.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# kyc's logging filter is configured before Django is set up: it reads the subject of the current
# OCR read from a pure-Python module (see its comment).
KYC_MAY_IMPORT_FROM_OCR = ("ocr_integration.services", "ocr_integration.documents", "ocr_integration.vendors.attempts")


def _imports(package: str) -> list[tuple[str, str]]:
    """(file, imported module) for every import in ``package``'s source, migrations excepted."""
    found = []
    for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        package_parts = parts[:-1]  # the package a relative import starts from (for __init__ too)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: resolve against this module's package
                    base = list(package_parts[: len(package_parts) - (node.level - 1)])
                    name = ".".join([*base, node.module] if node.module else base)
                else:
                    name = node.module or ""
                # "from a import b" imports a.b (a module or a name in a): judged by the full path.
                found += [(str(path.relative_to(ROOT)), f"{name}.{alias.name}") for alias in node.names]
    return found


def _crossing(package: str, forbidden, allowed=()) -> list[str]:
    return sorted(
        f"{file}: {name}" for file, name in _imports(package)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
        and not any(name == a or name.startswith(a + ".") for a in allowed)
    )


@pytest.mark.parametrize(("package", "forbidden", "allowed"), [
    ("kyc.core", ("kyc", "ocr_integration"), ("kyc.core",)),
    ("ocr_integration", ("kyc",), ("kyc.core",)),
    ("kyc", ("ocr_integration",), KYC_MAY_IMPORT_FROM_OCR),
])
def test_no_import_crosses_an_app_boundary(package, forbidden, allowed):
    assert _crossing(package, forbidden, allowed) == []


def test_the_document_library_imports_nothing_of_django_or_the_project():
    assert _crossing("ocr_integration.documents", ("django", "kyc"), ()) == []
    assert _crossing("ocr_integration.documents", ("ocr_integration",), ("ocr_integration.documents",)) == []
