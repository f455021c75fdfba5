"""The annotated PDF: the original with a highlight over each piece of evidence and a note per finding in the
page's right margin, for reviewers who work in a PDF viewer. Written with PDFium (pypdfium2's raw API), which
kimextract reads PDFs with already."""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Callable, Optional

from ..records import Finding, Provenance
from ..report import german

BBox = tuple[float, float, float, float]

# Highlight colours by severity (RGB), and the note's size in points.
COLOURS = {"error": (255, 120, 120), "warning": (255, 200, 60), "info": (120, 190, 255)}
NOTE_SIZE = 18.0
AUTHOR = "kimextract"


def annotated_pdf(data: bytes, findings: list[Finding], out: Path,
                  boxes_of: Optional[Callable[[Provenance], list[tuple[int, BBox]]]] = None) -> int:
    """Write ``data`` with the findings' highlights and notes to ``out``; returns the number of annotations.
    ``boxes_of`` gives the (page, box) of each line of a piece of evidence (default: its one box)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    count = 0
    try:
        for number, finding in enumerate(findings, 1):
            count += _annotate_finding(pdf, number, finding, boxes_of or _own_box)
        pdf.save(str(out))
    finally:
        pdf.close()
    return count


def _own_box(provenance: Provenance) -> list[tuple[int, BBox]]:
    return [(provenance.page, provenance.bbox)]


def _annotate_finding(pdf, number: int, finding: Finding, boxes_of) -> int:
    boxed = [e for e in finding.evidence if e.provenance is not None and e.provenance.bbox is not None
             and 1 <= e.provenance.page <= len(pdf)]
    if not boxed:
        return 0
    colour = COLOURS[finding.severity]
    count = 0
    for evidence in boxed:
        text = f"{finding.rule}: {evidence.label} {german(evidence.value)}"
        by_page: dict[int, list[BBox]] = {}
        for page, box in boxes_of(evidence.provenance):
            by_page.setdefault(page, []).append(box)
        for page, boxes in by_page.items():
            _highlight(pdf[page - 1], boxes, colour, text)
            count += 1
    first = boxed[0].provenance
    _note(pdf[first.page - 1], first.bbox[1], colour, f"{number}. {finding.severity} {finding.rule}\n{finding.message}\n" + "\n".join(
        f"{e.label}: {german(e.value)} (page {e.provenance.page})" if e.provenance else f"{e.label}: {german(e.value)}"
        for e in finding.evidence))
    return count + 1


def _highlight(page, boxes: list[BBox], colour, text: str) -> None:
    """A highlight annotation over boxes given in points from the top left (PDF space starts bottom left), one
    quadrilateral per box (a line)."""
    import pypdfium2.raw as raw

    height = page.get_height()
    annot = raw.FPDFPage_CreateAnnot(page.raw, raw.FPDF_ANNOT_HIGHLIGHT)
    try:
        raw.FPDFAnnot_SetColor(annot, raw.FPDFANNOT_COLORTYPE_Color, *colour, 255)
        for x0, top, x1, bottom in boxes:
            quad = raw.FS_QUADPOINTSF(x0, height - top, x1, height - top, x0, height - bottom, x1, height - bottom)
            raw.FPDFAnnot_AppendAttachmentPoints(annot, quad)
        x0, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, bottom = max(b[2] for b in boxes), max(b[3] for b in boxes)
        raw.FPDFAnnot_SetRect(annot, raw.FS_RECTF(x0, height - top, x1, height - bottom))
        _set_text(annot, b"Contents", text)
        _set_text(annot, b"T", AUTHOR)
    finally:
        raw.FPDFPage_CloseAnnot(annot)


def _note(page, top: float, colour, text: str) -> None:
    """A note (a 'Text' annotation: an icon that opens to the text) in the right margin beside ``top``."""
    import pypdfium2.raw as raw

    width, height = page.get_size()
    left = max(0.0, width - NOTE_SIZE - 4)
    upper = min(height, max(NOTE_SIZE, height - top + 4))
    annot = raw.FPDFPage_CreateAnnot(page.raw, raw.FPDF_ANNOT_TEXT)
    try:
        raw.FPDFAnnot_SetColor(annot, raw.FPDFANNOT_COLORTYPE_Color, *colour, 255)
        raw.FPDFAnnot_SetRect(annot, raw.FS_RECTF(left, upper, left + NOTE_SIZE, upper - NOTE_SIZE))
        _set_text(annot, b"Contents", text)
        _set_text(annot, b"T", AUTHOR)
    finally:
        raw.FPDFPage_CloseAnnot(annot)


def _set_text(annot, key: bytes, text: str) -> None:
    """Set a string of an annotation; PDFium takes it as UTF-16LE ending in a zero character."""
    import pypdfium2.raw as raw

    encoded = (text + "\0").encode("utf-16-le", "replace")
    buffer = ctypes.create_string_buffer(encoded, len(encoded))
    raw.FPDFAnnot_SetStringValue(annot, key, ctypes.cast(buffer, raw.FPDF_WIDESTRING))
