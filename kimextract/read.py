"""Read a document into page texts: PDF through pypdfium2 (fast, with character boxes), or text in any encoding.

The document text is the pages joined by form feeds. For a PDF each character of a page's text keeps the
index of the PDF character it came from, so that a span of the text can be given its box on the page;
boxes are looked up only for the spans that hold values.
"""

from __future__ import annotations

import bisect
import codecs
import hashlib
import logging
import re
import zlib
from array import array
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
OPEN_TEXT_PAGES = 16  # text pages kept open for boxes at once

BBox = tuple[float, float, float, float]


@dataclass
class Page:
    number: int  # 1-based
    text: str
    has_text: bool
    char_index: Optional[array] = None  # per text character: index of the PDF character, -1 for none (int32: 4 bytes a character)
    ocr: bool = False  # the text comes from OCR in this run
    words: Optional[list[tuple[int, int, "BBox"]]] = None  # OCR'd words: start, end in the page text, box in points


@dataclass
class Document:
    """A read document: its pages, the joined text, and (for PDFs) a way to box spans of that text."""

    path: Optional[Path]
    media_type: str
    pages: list[Page]
    sha256: Optional[str] = None
    encoding: Optional[str] = None  # of a text file's bytes
    ocr: bool = False
    ocr_pages: list[dict] = field(default_factory=list)  # per page OCR'd in this run: engine, version, language, dpi
    page_starts: list[int] = field(default_factory=list)
    _boxer: Optional[Callable[[int, int, int], Optional[BBox]]] = None
    _renderer: Optional[Callable[[int, Optional[BBox], int], object]] = None
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
        number = self.page_of(start)
        page_start = self.page_starts[number - 1]
        words = self.pages[number - 1].words
        if words is not None:
            return words_box(words, start - page_start, end - page_start, self.pages[number - 1].text)
        if self._boxer is None:
            return None
        return self._boxer(number, start - page_start, end - page_start)

    def render_box(self, page: int, bbox: BBox, dpi: int = 400):
        """The page image inside a box (a PIL image), or None for a document that is not a PDF."""
        if self._renderer is None:
            return None
        return self._renderer(page, bbox, dpi)

    def render_page(self, page: int, dpi: int):
        """The whole page as an image (a PIL image), or None for a document that is not a PDF."""
        if self._renderer is None:
            return None
        return self._renderer(page, None, dpi)

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


def text_to_document(text: str, path: Optional[Path] = None, sha256: Optional[str] = None,
                     encoding: Optional[str] = None) -> Document:
    """A plain text, pages split on form feeds; ``encoding``: the one its bytes were decoded from.
    :class:`TooLargeError` over :data:`MAX_DOCUMENT_CHARS`."""
    if len(text) > MAX_DOCUMENT_CHARS:
        raise TooLargeError(f"{len(text)} characters, more than the limit of {MAX_DOCUMENT_CHARS}", path)
    pages = [Page(number=i + 1, text=part, has_text=bool(part.strip())) for i, part in enumerate(text.split(PAGE_BREAK))]
    return Document(path=path, media_type="text/plain", pages=pages, sha256=sha256, encoding=encoding)


def read_document(path: Path | str, max_pages: Optional[int] = None) -> Document:
    """Read a .pdf or a text file; raises :class:`InputError` with a status for bad input."""
    path = Path(path)
    return bytes_to_document(_read_bytes(path), path, max_pages)


def bytes_to_document(data: bytes, path: Optional[Path] = None, max_pages: Optional[int] = None) -> Document:
    """A document from its bytes: a PDF (by its header, or a ``path`` named .pdf) or text in any encoding;
    ``path`` names it in messages and records. Raises :class:`InputError` with a status for bad input."""
    if not data:
        raise InputError("empty file", path, status="empty")
    sha256 = hashlib.sha256(data).hexdigest()
    if data.startswith(PDF_MAGIC) or (path is not None and path.suffix.lower() == ".pdf"):
        if not data.lstrip()[:1024].startswith(PDF_MAGIC) and PDF_MAGIC not in data[:1024]:
            raise InputError("not a PDF (no %PDF- header)", path, status="not_a_pdf")
        return _read_pdf(path, data, sha256, max_pages)
    from .images import image_kind, read_image  # scans as image files: pages to OCR

    if image_kind(data) is not None:
        return read_image(path, data, sha256, max_pages)
    _refuse_other_formats(data, path)
    text, encoding = _decode_text(data, path)
    return text_to_document(text.replace("\r\n", "\n"), path, sha256, encoding)


# Files people drop into an archive folder that are neither PDF, text nor an image kimextract OCRs, by their first bytes.
IMAGE_ADVICE = "save it as PNG, JPEG or TIFF, or OCR it into a PDF first (tesseract IMAGE OUT -l deu pdf)"
OFFICE_ADVICE = "save it as PDF first"
OTHER_FORMATS = (
    (b"GIF8", "a GIF image", IMAGE_ADVICE),
    (b"PK\x03\x04", "a ZIP archive or office document (.docx, .odt, .xlsx)", OFFICE_ADVICE),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old office document (.doc, .xls)", OFFICE_ADVICE),
    (b"{\\rtf", "an RTF document", OFFICE_ADVICE),
)


def _refuse_other_formats(data: bytes, path: Optional[Path]) -> None:
    """An image or an office document gets a status and a reason of its own, not 'not text'."""
    for magic, what, advice in OTHER_FORMATS:
        if data.startswith(magic):
            if magic == b"PK\x03\x04" and path is not None and path.suffix.lower() in (".docx", ".odt", ".xlsx"):
                what = f"an office document ({path.suffix.lower()})"
            raise InputError(f"{what}, not a PDF or text; {advice}", path, status="unsupported")


# Windows-1252 is what German offices save text in. charset-normalizer ranks the single-byte code pages poorly
# on short German texts (cp1252 read as cp850 turns 'ä' into 'õ'), so among the readings it finds plausible
# the Windows-1252 one wins; its ranking decides only where that is not among them (UTF-16, Cyrillic …).
WESTERN = "cp1252"


def _decode_text(data: bytes, path: Optional[Path]) -> tuple[str, str]:
    """The text and the encoding it was read in: UTF-8 (a BOM dropped) when the bytes are UTF-8, otherwise
    the encoding charset-normalizer finds most likely."""
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = "\x00", ""
    if "\x00" in text:  # not UTF-8, or UTF-16 without a BOM: guess
        text, encoding = _guess_encoding(data, path)
        log.info("%s: read as %s text", path or "text", encoding)
    if "\x00" in text:
        raise InputError("binary file, neither PDF nor text", path, status="unreadable")
    return text, normal_encoding(encoding)


def normal_encoding(name: str) -> str:
    """Python's name of an encoding: 'UTF-8' and 'utf_8' both 'utf-8'; an unknown name as it is."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


def _guess_encoding(data: bytes, path: Optional[Path]) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    western = next((match for match in matches if WESTERN in match.could_be_from_charset), None)
    if western is not None:
        return str(western), WESTERN
    best = matches.best()
    if best is None:
        raise InputError("binary file, neither PDF nor text in any known encoding", path, status="unreadable")
    return str(best), best.encoding


def _read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise InputError("is a folder, not a file", path, status="unreadable")
        if path.exists() and not path.is_file():
            raise InputError("not a regular file (a pipe, socket or device)", path, status="unreadable")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TooLargeError(f"file of {size} bytes is larger than {MAX_FILE_BYTES}", path)
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", path, status="unreadable") from None
    except PermissionError:
        raise InputError("permission denied", path, status="unreadable") from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), path, status="unreadable") from None


def _read_pdf(path: Optional[Path], data: bytes, sha256: str, max_pages: Optional[int]) -> Document:
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
    heights: dict[int, float] = {}
    # The text pages boxes were asked for last. Reading leaves its last pages here, so that a short PDF is
    # loaded once; a long one keeps only a few open: memory stays flat.
    open_pages: "OrderedDict[int, _OpenPage]" = OrderedDict()

    def keep_open(number: int, page) -> _OpenPage:
        if len(open_pages) >= OPEN_TEXT_PAGES:
            open_pages.popitem(last=False)[1].textpage.close()
        heights[number] = page.get_height()
        open_pages[number] = _OpenPage(page.get_textpage())
        return open_pages[number]

    def open_page(number: int) -> _OpenPage:
        if number in open_pages:
            open_pages.move_to_end(number)
            return open_pages[number]
        return keep_open(number, pdf[number - 1])

    try:
        for index in range(count):
            textpage = keep_open(index + 1, pdf[index]).textpage
            chars += _checked_chars(textpage.count_chars(), index + 1, chars, path, pdf)
            text, char_index = _normalise_page_text(textpage.get_text_range())
            pages.append(Page(index + 1, text, bool(text.strip()), char_index))
    except pdfium.PdfiumError as exc:
        pdf.close()
        raise InputError(f"corrupt PDF ({exc})", path, status="corrupt") from None

    def boxer(number: int, start: int, end: int) -> Optional[BBox]:
        page = open_page(number)
        if (start, end) not in page.spans:
            page.spans[start, end] = _span_box(page, pages[number - 1], start, end, heights[number])
        return page.spans[start, end]

    def close() -> None:
        for page in open_pages.values():
            page.textpage.close()
        open_pages.clear()
        pdf.close()

    def renderer(number: int, bbox: Optional[BBox], dpi: int):
        page = pdf[number - 1]
        if bbox is None:
            return page.render(scale=dpi / 72, grayscale=True).to_pil()
        width, height = page.get_size()
        pad = 1  # value boxes reach their glyphs; more room takes in table rules that spoil a re-reading
        x0, top, x1, bottom = bbox
        crop = (max(0, x0 - pad), max(0, height - bottom - pad), max(0, width - x1 - pad), max(0, top - pad))
        return page.render(scale=dpi / 72, crop=crop, grayscale=True).to_pil()

    invisible_pages: dict[int, bool] = {}  # asked once a page: the re-reading of numbers asks per number

    def invisible(number: int) -> bool:
        if number not in invisible_pages:
            invisible_pages[number] = _invisible_text(pdf[number - 1])
        return invisible_pages[number]

    return Document(path, "application/pdf", pages, sha256, _boxer=boxer, _renderer=renderer, _invisible=invisible, _close=close)


def _invisible_text(page) -> bool:
    """Is the page's first text object drawn invisibly (render mode 3), as a scanner lays OCR text over an image?"""
    import pypdfium2.raw as pdfium_raw

    for text_object in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_TEXT]):
        return pdfium_raw.FPDFTextObj_GetTextRenderMode(text_object.raw) == pdfium_raw.FPDF_TEXTRENDERMODE_INVISIBLE
    return False


def _checked_chars(count: int, number: int, before: int, path: Optional[Path], pdf) -> int:
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


def _check_streams(data: bytes, path: Optional[Path]) -> None:
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


def _load_error(exc: Exception, data: bytes, path: Optional[Path]) -> InputError:
    """Why pdfium could not load a PDF. pdfium keeps its last error from an earlier document and sets none for
    a PDF without pages, so its message is not trusted alone: the bytes confirm 'encrypted' and find 'empty'."""
    message = str(exc).lower()
    if "password" in message and b"/Encrypt" in data:
        return InputError("encrypted PDF (a password is needed)", path, status="encrypted")
    if re.search(rb"/Count\s+0\b", data) and not re.search(rb"/Count\s+[1-9]", data):
        return InputError("PDF has no pages", path, status="empty")
    detail = "PDFium could not load it" if "password" in message or "success" in message else str(exc)
    return InputError(f"corrupt PDF ({detail})", path, status="corrupt")


# Where the text and its PDF indices part: a '\\r' before '\\n' is dropped, U+FFFE becomes two characters.
_DROPPED_OR_DOUBLED = re.compile("\r(?=\n)|\ufffe")


def words_box(words: list[tuple[int, int, BBox]], start: int, end: int, text: str = "") -> Optional[BBox]:
    """Box of a span of an OCR'd page from its words' boxes; a word the span covers in part gives the part of its
    box in proportion to its characters' widths ('0,5' of '0,5-Stelle', '15.08.2022' of '15.08.2022.')."""
    boxes = []
    for word_start, word_end, (x0, top, x1, bottom) in words:
        if word_end <= start or word_start >= end:
            continue
        widths = [_glyph_width(text[i]) if i < len(text) else 1.0 for i in range(word_start, word_end)]
        unit = (x1 - x0) / (sum(widths) or 1)
        left = x0 + unit * sum(widths[:max(0, start - word_start)])
        right = x1 - unit * sum(widths[len(widths) - max(0, word_end - end):]) if word_end > end else x1
        boxes.append((left, top, right, bottom))
    if not boxes:
        return None
    return (round(min(b[0] for b in boxes), 2), round(min(b[1] for b in boxes), 2),
            round(max(b[2] for b in boxes), 2), round(max(b[3] for b in boxes), 2))


PUNCTUATION_GLYPHS = ".,:;!'"
NARROW_GLYPHS = "|()[]-/ilIjtf1"


def _glyph_width(char: str) -> float:
    """Rough relative width of a glyph in a proportional font: punctuation and thin letters are narrow."""
    if char in PUNCTUATION_GLYPHS:
        return 0.25
    return 0.45 if char in NARROW_GLYPHS else (1.4 if char in "mwMW€%" else 1.0)


def _normalise_page_text(raw: str) -> tuple[str, array]:
    """pdfium's page text with '\\r\\n' as '\\n' and U+FFFE as '-\\n'; keeps each character's PDF index.
    Whole runs of characters are copied at once (a page is thousands of characters, the marks a few)."""
    index = array("i")
    done = 0
    for mark in _DROPPED_OR_DOUBLED.finditer(raw):
        at = mark.start()
        index.extend(range(done, at))
        if raw[at] == PDFIUM_LINE_HYPHEN:
            index.extend((at, -1))
        done = at + 1
    index.extend(range(done, len(raw)))
    text = (raw.replace("\r\n", "\n").replace("\r", "\n").replace(PDFIUM_LINE_HYPHEN, "-\n")
            .replace("\x00", " ").replace("\x02", "-"))
    return text, index


class _OpenPage:
    """A PDF page's text page, and the boxes of characters and spans asked for while it is open: the linker
    asks again for the values the extractors boxed."""

    __slots__ = ("textpage", "chars", "spans")

    def __init__(self, textpage) -> None:
        self.textpage = textpage
        self.chars: dict[int, tuple[float, float, float, float]] = {}
        self.spans: dict[tuple[int, int], Optional[BBox]] = {}

    def char_box(self, pdf_index: int) -> tuple[float, float, float, float]:
        """left, bottom, right, top of a PDF character."""
        box = self.chars.get(pdf_index)
        if box is None:
            box = self.chars[pdf_index] = self.textpage.get_charbox(pdf_index)
        return box


def _span_box(opened: "_OpenPage", page: Page, start: int, end: int, height: float) -> Optional[BBox]:
    boxes = []
    glyphless: Optional[bool] = None  # asked once per span: Tesseract's text layer is set in one font
    for offset in range(max(start, 0), min(end, len(page.text))):
        if page.text[offset].isspace():
            continue
        pdf_index = page.char_index[offset] if page.char_index and offset < len(page.char_index) else -1
        if pdf_index < 0:
            continue
        left, bottom, right, top = opened.char_box(pdf_index)
        if right > left or top > bottom:
            if glyphless is None:
                glyphless = _in_glyphless_font(opened.textpage, pdf_index)
            if glyphless:
                left, right = _glyphless_stretch(opened, page, offset, left, right)
            boxes.append((left, height - top, right, height - bottom))
    if not boxes:
        return None
    return (
        round(min(b[0] for b in boxes), 2),
        round(min(b[1] for b in boxes), 2),
        round(max(b[2] for b in boxes), 2),
        round(max(b[3] for b in boxes), 2),
    )


GLYPHLESS_FONT = b"GlyphLessFont"


def _in_glyphless_font(textpage, index: int) -> bool:
    import ctypes

    import pypdfium2.raw as pdfium_raw

    name = ctypes.create_string_buffer(64)
    return pdfium_raw.FPDFText_GetFontInfo(textpage.raw, index, name, 64, None) > 0 and name.value == GLYPHLESS_FONT


def _glyphless_stretch(opened: "_OpenPage", page: Page, offset: int, left: float, right: float) -> tuple[float, float]:
    """Tesseract's invisible text layer ('GlyphLessFont') stretches each word together with the space after it over
    the word's ink, so a word of n glyphs has n+1 equal cells and every glyph box stops short of the ink: '1,5' is
    boxed as '1,'. The glyph's cell is spread over the whole width again."""
    text = page.text
    first = offset
    while first > 0 and not text[first - 1].isspace():
        first -= 1
    after = offset
    while after < len(text) and not text[after].isspace():
        after += 1
    first_index = page.char_index[first] if page.char_index and first < len(page.char_index) else -1
    if after >= len(text) or text[after] != " " or first_index < 0:
        return left, right  # no space of the layer's own after the word: its glyphs fill the ink already
    glyphs = after - first
    word_left = opened.char_box(first_index)[0]
    stretch = (glyphs + 1) / glyphs
    return word_left + (left - word_left) * stretch, word_left + (right - word_left) * stretch
