"""Read a document into page texts: PDF through pypdfium2 (fast, with character boxes), or UTF-8 text.

The document text is the pages joined by form feeds. For a PDF each character of a page's text keeps the
index of the PDF character it came from, so that a span of the text can be given its box on the page;
boxes are looked up only for the spans that hold values.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import re
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from .errors import InputError, TooLargeError

log = logging.getLogger(__name__)

PAGE_BREAK = "\f"
PDF_MAGIC = b"%PDF-"
# pdfium marks a hyphen at a line end with U+FFFE and drops the line break; we write both back.
PDFIUM_LINE_HYPHEN = "\ufffe"
MAX_FILE_BYTES = 512 * 1024 * 1024
# Caps on what a small file may inflate to, far above any real paper (a dense A4 page holds about 5,000
# characters): over them an input is too_large instead of taking the worker's memory.
MAX_STREAM_BYTES = 256 * 1024 * 1024  # one PDF stream (a page's content), inflated
MAX_INFLATED_BYTES = 1024 * 1024 * 1024  # all streams of a PDF but its images, inflated
MAX_PAGE_CHARS = 1_000_000  # characters on one PDF page
MAX_DOCUMENT_CHARS = 50_000_000  # characters in one document
OPEN_TEXT_PAGES = 8  # text pages kept open for boxes at once

BBox = tuple[float, float, float, float]


@dataclass
class Page:
    number: int  # 1-based
    text: str
    has_text: bool
    char_index: Optional[list[int]] = None  # per text character: index of the PDF character, -1 for none
    ocr: bool = False  # the text comes from OCR in this run (no character boxes)


@dataclass
class Document:
    """A read document: its pages, the joined text, and (for PDFs) a way to box spans of that text."""

    path: Optional[Path]
    media_type: str
    pages: list[Page]
    sha256: Optional[str] = None
    ocr: bool = False
    page_starts: list[int] = field(default_factory=list)
    _boxer: Optional[Callable[[int, int, int], Optional[BBox]]] = None
    _renderer: Optional[Callable[[int, BBox, int], object]] = None
    _invisible: Optional[Callable[[int], bool]] = None
    _close: Optional[Callable[[], None]] = None

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Join the pages' texts again (after OCR replaced some of them)."""
        self.text = PAGE_BREAK.join(page.text for page in self.pages)
        starts, offset = [], 0
        for page in self.pages:
            starts.append(offset)
            offset += len(page.text) + len(PAGE_BREAK)
        self.page_starts = starts

    def page_of(self, offset: int) -> int:
        """1-based page holding the character at ``offset`` of :attr:`text`."""
        return max(1, bisect.bisect_right(self.page_starts, offset))

    def bbox(self, start: int, end: int) -> Optional[BBox]:
        """Box (x0, top, x1, bottom in points, origin top left) of the text span, or None without a PDF."""
        if self._boxer is None:
            return None
        number = self.page_of(start)
        page_start = self.page_starts[number - 1]
        return self._boxer(number, start - page_start, end - page_start)

    def render_box(self, page: int, bbox: BBox, dpi: int = 400):
        """The page image inside a box (a PIL image), or None for a document that is not a PDF."""
        if self._renderer is None:
            return None
        return self._renderer(page, bbox, dpi)

    def text_from_ocr(self, page: int) -> bool:
        """The page's text was made by OCR: in this run, or by a scanner that laid invisible text over the
        page image (render mode 3), as archived scans hold it."""
        if self.pages[page - 1].ocr:
            return True
        return self._invisible(page) if self._invisible is not None else False

    @property
    def pages_without_text(self) -> list[int]:
        return [page.number for page in self.pages if not page.has_text]

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None
            self._boxer = None
            self._renderer = None
            self._invisible = None

    def __enter__(self) -> "Document":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def text_to_document(text: str, path: Optional[Path] = None, sha256: Optional[str] = None) -> Document:
    """A plain text, pages split on form feeds; :class:`TooLargeError` over :data:`MAX_DOCUMENT_CHARS`."""
    if len(text) > MAX_DOCUMENT_CHARS:
        raise TooLargeError(f"{len(text)} characters, more than the limit of {MAX_DOCUMENT_CHARS}", path)
    pages = [Page(number=i + 1, text=part, has_text=bool(part.strip())) for i, part in enumerate(text.split(PAGE_BREAK))]
    return Document(path=path, media_type="text/plain", pages=pages, sha256=sha256)


def read_document(path: Path | str, max_pages: Optional[int] = None) -> Document:
    """Read a .pdf or a UTF-8 .txt file; raises :class:`InputError` with a status for bad input."""
    path = Path(path)
    data = _read_bytes(path)
    sha256 = hashlib.sha256(data).hexdigest()
    if data.startswith(PDF_MAGIC) or path.suffix.lower() == ".pdf":
        if not data.lstrip()[:1024].startswith(PDF_MAGIC) and PDF_MAGIC not in data[:1024]:
            raise InputError("not a PDF (no %PDF- header)", path, status="not_a_pdf")
        return _read_pdf(path, data, sha256, max_pages)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start}); convert it to UTF-8 first", path, "unreadable") from None
    if "\x00" in text:
        raise InputError("binary file, neither PDF nor text", path, status="unreadable")
    return text_to_document(text.replace("\r\n", "\n"), path, sha256)


def _read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise InputError("is a folder, not a file", path, status="unreadable")
        if path.exists() and not path.is_file():
            raise InputError("not a regular file (a pipe, socket or device)", path, status="unreadable")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TooLargeError(f"file of {size} bytes is larger than {MAX_FILE_BYTES}", path)
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", path, status="unreadable") from None
    except PermissionError:
        raise InputError("permission denied", path, status="unreadable") from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), path, status="unreadable") from None
    if not data:
        raise InputError("empty file", path, status="empty")
    return data


def _read_pdf(path: Path, data: bytes, sha256: str, max_pages: Optional[int]) -> Document:
    import pypdfium2 as pdfium

    _check_streams(data, path)
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise _load_error(exc, data, path) from None
    count = len(pdf)
    if count == 0:
        pdf.close()
        raise InputError("PDF has no pages", path, status="empty")
    if max_pages is not None and count > max_pages:
        pdf.close()
        raise TooLargeError(f"PDF has {count} pages, more than the limit of {max_pages}", path)
    pages = []
    chars = 0
    try:
        for index in range(count):
            page = pdf[index]
            textpage = page.get_textpage()
            chars += _checked_chars(textpage.count_chars(), index + 1, chars, path, pdf)
            text, char_index = _normalise_page_text(textpage.get_text_range())
            textpage.close()  # opened again for boxes, a few pages at a time: memory stays flat for long PDFs
            page.close()
            pages.append(Page(index + 1, text, bool(text.strip()), char_index))
    except pdfium.PdfiumError as exc:
        pdf.close()
        raise InputError(f"corrupt PDF ({exc})", path, status="corrupt") from None

    heights: dict[int, float] = {}
    open_pages: "OrderedDict[int, object]" = OrderedDict()  # the text pages boxes were asked for last

    def textpage_of(number: int):
        if number in open_pages:
            open_pages.move_to_end(number)
            return open_pages[number]
        if len(open_pages) >= OPEN_TEXT_PAGES:
            open_pages.popitem(last=False)[1].close()
        page = pdf[number - 1]
        heights[number] = page.get_height()
        open_pages[number] = page.get_textpage()
        return open_pages[number]

    def boxer(number: int, start: int, end: int) -> Optional[BBox]:
        textpage = textpage_of(number)
        return _span_box(textpage, pages[number - 1], start, end, heights[number])

    def close() -> None:
        for textpage in open_pages.values():
            textpage.close()
        open_pages.clear()
        pdf.close()

    def renderer(number: int, bbox: BBox, dpi: int):
        page = pdf[number - 1]
        width, height = page.get_size()
        pad = 3
        x0, top, x1, bottom = bbox
        crop = (max(0, x0 - pad), max(0, height - bottom - pad), max(0, width - x1 - pad), max(0, top - pad))
        return page.render(scale=dpi / 72, crop=crop, grayscale=True).to_pil()

    def invisible(number: int) -> bool:
        import pypdfium2.raw as pdfium_raw

        for text_object in pdf[number - 1].get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_TEXT]):
            return pdfium_raw.FPDFTextObj_GetTextRenderMode(text_object.raw) == pdfium_raw.FPDF_TEXTRENDERMODE_INVISIBLE
        return False

    return Document(path, "application/pdf", pages, sha256, _boxer=boxer, _renderer=renderer, _invisible=invisible, _close=close)


def _checked_chars(count: int, number: int, before: int, path: Path, pdf) -> int:
    """A page's character count, checked against the caps before its text is copied out of PDFium."""
    if count > MAX_PAGE_CHARS:
        problem = f"page {number} has {count} characters, more than the limit of {MAX_PAGE_CHARS}"
    elif before + count > MAX_DOCUMENT_CHARS:
        problem = f"more than the limit of {MAX_DOCUMENT_CHARS} characters"
    else:
        return count
    pdf.close()
    raise TooLargeError(problem, path)


IMAGE = re.compile(rb"/Subtype\s*/Image")
INFLATE_CHUNK = 1 << 16


def _check_streams(data: bytes, path: Path) -> None:
    """Refuse a PDF with a stream that inflates beyond :data:`MAX_STREAM_BYTES` (a compression bomb) before
    PDFium inflates it whole into memory: each stream is inflated here a chunk at a time, only counted. Image
    streams are left out (PDFium decodes them only to render a page for OCR; the memory limit covers that).
    All streams together may inflate to :data:`MAX_INFLATED_BYTES`."""
    total = 0
    for keyword, start in _stream_starts(data):
        head = data.rfind(b"obj", max(0, keyword - 2048), keyword)
        if head >= 0 and IMAGE.search(data, head, keyword):
            continue
        size = _inflated_size(data, start, min(MAX_STREAM_BYTES, MAX_INFLATED_BYTES - total))
        total += size
        if size > MAX_STREAM_BYTES or total > MAX_INFLATED_BYTES:
            what = f"a stream inflates to more than {MAX_STREAM_BYTES >> 20} MiB" if size > MAX_STREAM_BYTES else \
                f"its streams inflate to more than {MAX_INFLATED_BYTES >> 20} MiB"
            raise TooLargeError(f"{what} (a compression bomb?)", path)


def _stream_starts(data: bytes):
    """(offset of the keyword, offset of the data) of each 'stream' keyword; bytes.find, as a regex over
    megabytes of binary data is ten times slower."""
    at = data.find(b"stream")
    while at >= 0:
        end = at + len(b"stream")
        if data[max(0, at - 3):at] != b"end":
            if data[end:end + 2] == b"\r\n":
                yield at, end + 2
            elif data[end:end + 1] == b"\n":
                yield at, end + 1
        at = data.find(b"stream", end)


def _inflated_size(data: bytes, start: int, cap: int) -> int:
    """How many bytes the zlib stream at ``start`` inflates to, counted up to just over ``cap``; 0 for data
    that is no zlib stream (other filters, or none)."""
    inflater = zlib.decompressobj()
    size = 0
    try:
        for offset in range(start, len(data), INFLATE_CHUNK):
            pending = data[offset:offset + INFLATE_CHUNK]
            while pending:
                size += len(inflater.decompress(pending, INFLATE_CHUNK * 16))
                if size > cap or inflater.eof:
                    return size
                pending = inflater.unconsumed_tail
    except zlib.error:
        pass
    return size


def _load_error(exc: Exception, data: bytes, path: Path) -> InputError:
    """Why pdfium could not load a PDF. pdfium keeps its last error from an earlier document and sets none for
    a PDF without pages, so its message is not trusted alone: the bytes confirm 'encrypted' and find 'empty'."""
    message = str(exc).lower()
    if "password" in message and b"/Encrypt" in data:
        return InputError("encrypted PDF (a password is needed)", path, status="encrypted")
    if re.search(rb"/Count\s+0\b", data) and not re.search(rb"/Count\s+[1-9]", data):
        return InputError("PDF has no pages", path, status="empty")
    detail = "PDFium could not load it" if "password" in message or "success" in message else str(exc)
    return InputError(f"corrupt PDF ({detail})", path, status="corrupt")


def _normalise_page_text(raw: str) -> tuple[str, list[int]]:
    """pdfium's page text with '\\r\\n' as '\\n' and U+FFFE as '-\\n'; keeps each character's PDF index."""
    chars, index = [], []
    for i, ch in enumerate(raw):
        if ch == "\r":
            if i + 1 < len(raw) and raw[i + 1] == "\n":
                continue
            ch = "\n"
        if ch == PDFIUM_LINE_HYPHEN:
            chars += ["-", "\n"]
            index += [i, -1]
            continue
        if ch in "\x00\x02":
            ch = "-" if ch == "\x02" else " "
        chars.append(ch)
        index.append(i)
    return "".join(chars), index


def _span_box(textpage, page: Page, start: int, end: int, height: float) -> Optional[BBox]:
    boxes = []
    for offset in range(max(start, 0), min(end, len(page.text))):
        if page.text[offset].isspace():
            continue
        pdf_index = page.char_index[offset] if page.char_index and offset < len(page.char_index) else -1
        if pdf_index < 0:
            continue
        left, bottom, right, top = textpage.get_charbox(pdf_index)
        if right > left or top > bottom:
            boxes.append((left, height - top, right, height - bottom))
    if not boxes:
        return None
    return (
        round(min(b[0] for b in boxes), 2),
        round(min(b[1] for b in boxes), 2),
        round(max(b[2] for b in boxes), 2),
        round(max(b[3] for b in boxes), 2),
    )
