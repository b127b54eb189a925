"""The document standards stay readable: no function in ocr_integration/documents above radon's
cyclomatic-complexity grade C (complexity 20). Issue 18 point 6: ``_correct`` was 51 (F) and the
printed-against-MRZ comparison 43 (F) before they were split."""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_rank, cc_visit

DOCUMENTS = Path(__file__).resolve().parents[3] / "ocr_integration" / "documents"


def _blocks(blocks):
    for block in blocks:
        yield block
        yield from _blocks(getattr(block, "methods", ()))
        yield from _blocks(getattr(block, "closures", ()))


def test_no_function_in_the_document_standards_is_above_grade_c():
    too_complex = []
    for path in sorted(DOCUMENTS.rglob("*.py")):
        for block in _blocks(cc_visit(path.read_text(encoding="utf-8"))):
            if cc_rank(block.complexity) > "C":
                too_complex.append(f"{path.relative_to(DOCUMENTS)}:{block.lineno} {block.name}"
                                   f" complexity {block.complexity} ({cc_rank(block.complexity)})")
    assert not too_complex, "split these by concern:\n" + "\n".join(too_complex)


def test_the_check_sees_a_complex_function():
    # The test above can fail: radon grades a function with 21 branches D.
    source = "def f(x):\n" + "".join(f"    if x == {i}:\n        return {i}\n" for i in range(21)) + "    return -1\n"
    (block,) = cc_visit(source)
    assert cc_rank(block.complexity) == "D"
