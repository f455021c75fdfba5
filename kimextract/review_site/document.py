"""One document's part of the report, made in a worker process: its page images (each page rendered once),
its annotated PDF and its HTML page. Never raises: a problem becomes a note on the page and in the index."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..records import DocumentRecord

IMAGE_SUFFIX = ".png"
# Pages are stored in 16 shades of grey (4-bit PNG): lossless enough for type and scans, a third smaller and
# faster to write than 256 shades.
SHADES = 16
STEP = 255 // (SHADES - 1)
TO_SHADE = [(value + STEP // 2) // STEP for value in range(256)]
SHADE_PALETTE = [level * STEP for level in range(SHADES) for _ in range(3)]
MAX_PIXELS = 4000  # the long side of a page image, whatever the page's size: a poster-sized page stays small
TALL_BOX = 16.0  # points: a box this tall may span lines, and is drawn line by line


@dataclass
class DocumentJob:
    number: int  # 1-based place in the report: doc-<number>.html
    total: int
    record: DocumentRecord
    source: Optional[str]  # the document's file as found now, or None
    out: str  # the report folder
    dpi: int


@dataclass
class DocumentOutcome:
    number: int
    page: Optional[str]  # the HTML page, relative to the report folder; None if it could not be written
    annotated: Optional[str] = None  # the annotated PDF, relative to the report folder
    images: int = 0
    notes: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0  # of the process that made it


def page_name(number: int) -> str:
    return f"doc-{number}.html"


def write_document(job: DocumentJob) -> DocumentOutcome:
    """Render the pages, write the annotated PDF and the HTML page of one document."""
    from .marks import record_review
    from .views import document_html

    cpu = time.process_time()
    outcome = DocumentOutcome(job.number, None)
    out = Path(job.out)
    try:
        review = record_review(job.record)
        data = _source_bytes(job, outcome.notes)
        pdf_pages, text_view = [], []
        if data is not None and job.record.source.media_type == "application/pdf":
            lines = LineBoxes(data, usable=not job.record.source.ocr)
            try:
                pdf_pages = _render_pages(job, data, review.marks, lines, outcome)
                if job.record.findings and pdf_pages:
                    outcome.annotated = _annotate(job, data, lines, outcome.notes)
            finally:
                lines.close()
        elif data is not None:
            text_view = _text_view(job, data, review.marks, outcome.notes)
        html = document_html(job.record, review, job.number, job.total, pdf_pages, text_view, outcome.notes,
                             outcome.annotated)
        (out / page_name(job.number)).write_text(html, encoding="utf-8")
        outcome.page = page_name(job.number)
    except Exception as exc:  # noqa: BLE001 - a bug costs this document's page, not the report
        outcome.notes.append(f"internal error while writing its page: {type(exc).__name__}: {exc}")
    outcome.cpu_seconds = time.process_time() - cpu
    return outcome


def _source_bytes(job: DocumentJob, notes: list[str]) -> Optional[bytes]:
    """The document's bytes, or None with a note: the file is gone, unreadable, or no longer the one read."""
    path = job.record.source.path
    if job.source is None:
        if path:
            notes.append(f"the file {path} is not there: the values are listed without the page")
        return None
    try:
        data = Path(job.source).read_bytes()
    except OSError as exc:
        notes.append(f"cannot read {job.source}: {exc.strerror or exc}")
        return None
    expected = job.record.source.sha256
    if expected and hashlib.sha256(data).hexdigest() != expected:
        notes.append(f"{job.source} has changed since it was read: the boxes may not match the page")
    return data


def _render_pages(job: DocumentJob, data: bytes, marks, lines: LineBoxes, outcome: DocumentOutcome):
    """Each page rendered once into the document's folder, as a grey PNG: lossless, so digits stay sharp."""
    import pypdfium2 as pdfium

    from .views import PdfPage, page_boxes

    folder = Path(job.out) / f"doc-{job.number}"
    folder.mkdir(exist_ok=True)
    pages = []
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        outcome.notes.append(f"the PDF cannot be opened again ({exc}): no page images")
        return []
    marks = line_by_line(marks, lines)
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            width_pt, height_pt = page.get_size()
            image = page.render(scale=min(job.dpi / 72, MAX_PIXELS / max(width_pt, height_pt, 1)), grayscale=True).to_pil()
            page.close()
            name = f"page-{index + 1}{IMAGE_SUFFIX}"
            _save_shaded(image, folder / name)
            outcome.images += 1
            pages.append(PdfPage(index + 1, f"doc-{job.number}/{name}", image.width, image.height, width_pt, height_pt,
                                 page_boxes(marks, index + 1, width_pt, height_pt)))
    finally:
        pdf.close()
    return pages


def _save_shaded(image, path: Path) -> None:
    shaded = image.point(TO_SHADE).convert("P")
    shaded.putpalette(SHADE_PALETTE)
    shaded.save(path, bits=4, compress_level=1)


class LineBoxes:
    """The boxes of a span line by line. A record gives a span one box around all its characters, which over a
    line break also covers the ends of lines that are not part of it; the PDF's text, read again only when a
    box is that tall, gives each line its own. Not after OCR in the extraction, which moved the offsets."""

    def __init__(self, data: bytes, usable: bool):
        self.data, self.usable = data, usable
        self.document = None

    def of(self, page: int, start: int, end: int, bbox) -> list[tuple[int, tuple]]:
        """(page, box) of each line of the span, or the span's own box."""
        if bbox is None or bbox[3] - bbox[1] <= TALL_BOX or not self._opened():
            return [(page, bbox)]
        text = self.document.text[start:end]
        if "\n" not in text.strip():
            return [(page, bbox)]
        lines = [(self.document.page_of(first), self.document.bbox(first, last)) for first, last in _lines(text, start)]
        return [(number, box) for number, box in lines if box is not None] or [(page, bbox)]

    def _opened(self) -> bool:
        from ..errors import KimextractError
        from ..read import bytes_to_document

        if self.usable and self.document is None:
            self.usable = False  # one try
            try:
                self.document = bytes_to_document(self.data)
            except KimextractError:
                pass
        return self.document is not None

    def close(self) -> None:
        if self.document is not None:
            self.document.close()


def line_by_line(marks, lines: LineBoxes):
    """The marks with one mark per line of their span; a whole grant keeps its one box (it is shown only while
    selected)."""
    from dataclasses import replace

    split = []
    for mark in marks:
        if mark.kind == "grant":
            split.append(mark)
        else:
            split += [replace(mark, page=page, bbox=box) for page, box in lines.of(mark.page, mark.start, mark.end, mark.bbox)]
    return split


def _lines(text: str, offset: int):
    """(start, end) of each line of ``text`` that holds more than white space."""
    start = 0
    for line in text.split("\n"):
        if line.strip():
            yield offset + start, offset + start + len(line)
        start += len(line) + 1


def _annotate(job: DocumentJob, data: bytes, lines: LineBoxes, notes: list[str]) -> Optional[str]:
    from .annotate import annotated_pdf

    name = f"doc-{job.number}-annotated.pdf"
    try:
        annotated_pdf(data, job.record.findings, Path(job.out) / name,
                      lambda p: lines.of(p.page, p.start, p.end, p.bbox))
    except Exception as exc:  # noqa: BLE001 - the page is worth having without the annotated PDF
        notes.append(f"no annotated PDF: {type(exc).__name__}: {exc}")
        return None
    return name


def _text_view(job: DocumentJob, data: bytes, marks, notes: list[str]):
    """The text as kimextract read it (the same decoding, so that the offsets hold), cut at the marks."""
    from ..errors import KimextractError
    from ..read import bytes_to_document
    from .views import text_pages

    try:
        with bytes_to_document(data, Path(job.source)) as document:
            return text_pages(document.text, marks)
    except KimextractError as exc:
        notes.append(f"the text cannot be read again: {exc.message}")
        return []
