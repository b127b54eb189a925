"""The evidence export as a PDF a regulator can file: the document images, every finding as a
sentence with its expected / found / where table, the decisions and the audit-chain verification.

Rendered by WeasyPrint from an HTML template (templates/reviewer/export_pdf.html) rather than drawn
with ReportLab: WeasyPrint lays text out through Pango and HarfBuzz, so Arabic is joined and ordered
right to left, Chinese falls back to the installed Noto CJK font, and a Latin MRZ inside an Arabic
sentence keeps its order, all per glyph, with no reshaping step and no per-script font switching of
ours. It needs the Pango system library (libpango-1.0-0, libpangoft2-1.0-0) and the fonts
(fonts-noto-core, fonts-noto-cjk, fonts-hosny-amiri): see README, "Evidence PDF".

The only resources the renderer may load are the case's own document images, through
``_fetch`` below: nothing from the network or the file system, whatever a template holds.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from kyc.models import Document

IMAGE_SCHEME = "document-image:"


class EvidencePdfResourceRefused(Exception):  # noqa: N818 (a refusal, not a failure)
    """The template asked for something other than one of the case's document images."""


def _fetcher(document_ids: set[str]):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class CaseImageFetcher(URLFetcher):
        """Serves the case's document images from storage and refuses every other URL. Errors are
        fatal: a PDF that silently lacks an image would still look like the whole evidence."""

        def fetch(self, url, headers=None):
            document_id = url[len(IMAGE_SCHEME):] if url.startswith(IMAGE_SCHEME) else None
            if document_id not in document_ids:
                raise EvidencePdfResourceRefused(
                    f"The evidence PDF loads only the case's own images, not {url[:60]!r}.")
            document = Document.objects.get(id=document_id)
            with document.file.open("rb") as handle:
                body = handle.read()
            return URLFetcherResponse(url, body, {"Content-Type": document.content_type})

    return CaseImageFetcher(fail_on_errors=True, allowed_protocols=["document-image"])


def _weasyprint_html():
    """WeasyPrint's HTML class, imported on first use (loading Pango costs ~0.3 s, paid only by an
    export), with Pillow's process-wide LOAD_TRUNCATED_IMAGES put back as it was: WeasyPrint turns
    it on when imported (weasyprint/images.py), which would make every later upload check in the
    same process accept a truncated image (kyc.uploads.prepare refuses them)."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    from weasyprint import HTML

    ImageFile.LOAD_TRUNCATED_IMAGES = before
    return HTML


# Width of each face crop in the PDF, in millimetres.
FACE_CROP_MM = 45.0


def _face_crop(document: dict[str, Any] | None, box) -> dict[str, Any] | None:
    """Where to place a document's image inside a clipping frame so that only the face (with the
    margin the reviewer page uses) shows: WeasyPrint has no SVG viewBox into a fetched image, so
    the image is scaled and shifted in CSS. No cropped copy is made."""
    if not document or not isinstance(box, list) or len(box) != 4 or not document.get("width"):
        return None
    left, top, right, bottom = (float(v) for v in box)
    width, height = float(document["width"]), float(document["height"] or bottom)
    pad = (right - left) * 0.35
    x0, y0 = max(0.0, left - pad), max(0.0, top - pad * 1.3)
    x1, y1 = min(width, right + pad), min(height, bottom + pad)
    scale = FACE_CROP_MM / max(x1 - x0, 1.0)  # mm per pixel
    return {"document": document, "frame_height": round((y1 - y0) * scale, 2), "image_width": round(width * scale, 2),
            "left": round(-x0 * scale, 2), "top": round(-y0 * scale, 2)}


def _face_compare(evidence: dict[str, Any]) -> dict[str, Any] | None:
    """The selfie and the document portrait side by side with the FACE_MATCH distance, from the
    finding's evidence (document ids and face boxes), as on the reviewer's page."""
    match = next((f for f in evidence.get("findings", []) if f.get("code") == "FACE_MATCH"
                  and isinstance(f.get("evidence"), dict)), None)
    if match is None:
        return None
    by_id = {str(d["id"]): d for d in evidence["documents"]}
    faces = []
    for side in ("selfie", "portrait"):
        face = match["evidence"].get(side) or {}
        faces.append(_face_crop(by_id.get(str(face.get("document_id"))), face.get("box")))
    if None in faces:
        return None
    found = match["evidence"]
    return {"faces": faces, "outcome": match["outcome"], "distance": float(found.get("distance", 0.0)),
            "match_threshold": float(found.get("match_threshold", 0.0)),
            "mismatch_threshold": float(found.get("mismatch_threshold", 0.0)), "width": FACE_CROP_MM}


def evidence_pdf(evidence: dict[str, Any]) -> bytes:
    """``evidence`` (from kyc.services.exports.case_evidence_export) as PDF bytes, in the active language."""
    HTML = _weasyprint_html()  # noqa: N806 (a class)

    document_ids = {str(d["id"]) for d in evidence["documents"]}
    html = render_to_string("reviewer/export_pdf.html", {
        "e": evidence,
        "image_scheme": IMAGE_SCHEME,
        "face_compare": _face_compare(evidence),
        "language": translation.get_language() or "en",
        "bidi": translation.get_language_bidi(),
    })
    return HTML(string=html, url_fetcher=_fetcher(document_ids)).write_pdf()
