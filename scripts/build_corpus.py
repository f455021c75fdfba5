"""Render the hand-written corpus into PDFs, clean text and OCR'd scans.

For every ``samples/corpus/<id>/`` that has both ``source.txt`` and ``gold.json`` this writes

- ``text.pdf``     an A4 authority document rendered from the source markup (reportlab, TTF fonts,
                   German hyphenation), with letterhead, running header and ``Seite N von M`` footer;
- ``clean.txt``    the text layer of ``text.pdf`` as pypdfium2 reads it, pages joined by form feed;
- ``scan-eng.pdf`` the pages rasterised, mildly degraded, OCR'd by Tesseract ``-l eng``;
- ``scan-deu.pdf`` the same pages OCR'd by Tesseract ``-l deu``.

A scan PDF holds a small page image (200 dpi, 1-bit, CCITT G4) with Tesseract's own invisible text layer
(``textonly_pdf=1``) laid over it; OCR itself runs on the full-resolution degraded image.
Everything that varies per document (font, size, layout, dpi, noise) is drawn from the document id,
so a rebuild gives the same output; a planted variant ``<base>-planted`` is rendered like its base.

Usage::

    python scripts/build_corpus.py [--only ID ...] [--jobs N] [--skip-ocr] [--force] [--corpus DIR]

System packages (Debian): tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu poppler-utils
                          fonts-dejavu-core fonts-liberation
Python packages: scripts/requirements-corpus.txt
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "samples" / "corpus"

PAGEBREAK = "<<<PAGEBREAK>>>"
OCR_LANGS = ("eng", "deu")
SCAN_JPEG_QUALITY = 70   # JPEG round trip of the full-resolution "scanner" image
ARCHIVE_DPI = 200        # the page image kept in a scan PDF: 1-bit, CCITT G4, like an archive's
ARCHIVE_THRESHOLD = 160  # grey level below which an archived pixel is black

DEJAVU = "/usr/share/fonts/truetype/dejavu"
LIBERATION = "/usr/share/fonts/truetype/liberation"


# --------------------------------------------------------------------------- source markup


@dataclass
class Block:
    """One unit of the source markup."""

    kind: str                                # letterhead|title|heading|para|bullet|table|pagebreak
    text: str = ""
    lines: list[str] = field(default_factory=list)        # letterhead lines
    rows: list[list[str]] = field(default_factory=list)   # table rows, first is the header


_TABLE_RULE = re.compile(r"^:?-{2,}:?$")   # a markdown |---|---| separator cell


def _table_cells(line: str) -> list[str]:
    s = line.strip()
    s = s[1:] if s.startswith("|") else s
    s = s[:-1] if s.endswith("|") else s
    return [c.strip() for c in s.split("|")]


def source_to_blocks(text: str) -> list[Block]:
    """Parse ``source.txt`` markup (see samples/README.md) into blocks, in document order."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    head: list[str] = []
    if i < len(lines) and not lines[i].lstrip().startswith(("#", "|", PAGEBREAK)):
        while i < len(lines) and lines[i].strip():
            head.append(lines[i].strip())
            i += 1
    if head:
        blocks.append(Block("letterhead", lines=head))

    cur: Block | None = None

    def flush() -> None:
        nonlocal cur
        if cur is not None and (cur.text or cur.rows):
            blocks.append(cur)
        cur = None

    for raw in lines[i:]:
        s = raw.strip()
        if not s:
            flush()
        elif s == PAGEBREAK:
            flush()
            blocks.append(Block("pagebreak"))
        elif s.startswith("#"):
            flush()
            level = len(s) - len(s.lstrip("#"))
            blocks.append(Block("title" if level == 1 else "heading", text=s.lstrip("#").strip()))
        elif s.startswith("|"):
            if cur is None or cur.kind != "table":
                flush()
                cur = Block("table")
            cells = _table_cells(s)
            if not all(_TABLE_RULE.match(c) for c in cells if c):
                cur.rows.append(cells)
        elif s.startswith("- ") or s == "-":
            flush()
            cur = Block("bullet", text=s[1:].strip())
        else:
            if cur is None or cur.kind == "table":
                flush()
                cur = Block("para")
            cur.text = f"{cur.text} {s}".strip()
            cur.lines.append(s)
    flush()
    return blocks


# --------------------------------------------------------------------------- per-document style


@dataclass(frozen=True)
class Font:
    name: str
    regular: str
    bold: str
    size: float


FONTS = (
    Font("DejaVuSans", f"{DEJAVU}/DejaVuSans.ttf", f"{DEJAVU}/DejaVuSans-Bold.ttf", 11),
    Font("LiberationSans", f"{LIBERATION}/LiberationSans-Regular.ttf",
         f"{LIBERATION}/LiberationSans-Bold.ttf", 12),
    Font("LiberationSerif", f"{LIBERATION}/LiberationSerif-Regular.ttf",
         f"{LIBERATION}/LiberationSerif-Bold.ttf", 12),
    Font("DejaVuSerif", f"{DEJAVU}/DejaVuSerif.ttf", f"{DEJAVU}/DejaVuSerif-Bold.ttf", 10.5),
    Font("LiberationSans", f"{LIBERATION}/LiberationSans-Regular.ttf",
         f"{LIBERATION}/LiberationSans-Bold.ttf", 10.5),
    Font("DejaVuSansCondensed", f"{DEJAVU}/DejaVuSansCondensed.ttf",
         f"{DEJAVU}/DejaVuSansCondensed-Bold.ttf", 11),
    Font("LiberationSerif", f"{LIBERATION}/LiberationSerif-Regular.ttf",
         f"{LIBERATION}/LiberationSerif-Bold.ttf", 11),
    Font("LiberationSansNarrow", f"{LIBERATION}/LiberationSansNarrow-Regular.ttf",
         f"{LIBERATION}/LiberationSansNarrow-Bold.ttf", 12),
)


@dataclass(frozen=True)
class Style:
    """Everything about a document's look that varies between documents."""

    font: Font
    justify: bool
    letterhead_right: bool
    bullet: str
    header_shade: bool      # grey header row in tables
    footer_right: bool
    left_mm: float
    # scan
    dpi: int
    blur: float
    noise: float
    angles: tuple[float, ...]   # per page, degrees (cycled)


def style_key(doc_id: str) -> str:
    """A planted variant looks exactly like its base, so only the planted change differs."""
    return doc_id.removesuffix("-planted")


def doc_style(doc_id: str) -> Style:
    """Draw the document's look from its id (stable across runs and machines)."""
    import numpy as np

    seed = int.from_bytes(hashlib.sha256(style_key(doc_id).encode()).digest()[:8], "big")
    rng = np.random.default_rng(seed)
    return Style(
        font=FONTS[int(rng.integers(len(FONTS)))],
        justify=bool(rng.random() < 0.5),
        letterhead_right=bool(rng.random() < 0.35),
        bullet=("•", "–", "-")[int(rng.integers(3))],
        header_shade=bool(rng.random() < 0.5),
        footer_right=bool(rng.random() < 0.5),
        left_mm=float(rng.choice([20.0, 22.5, 25.0])),
        dpi=int(rng.integers(20, 31)) * 10,                 # 200..300
        blur=round(float(rng.uniform(0.4, 0.8)), 2),
        noise=round(float(rng.uniform(4.0, 9.0)), 1),
        angles=tuple(round(float(a), 3) for a in rng.uniform(-0.3, 0.3, 8)),
    )


def scan_seed(doc_id: str) -> int:
    return int.from_bytes(hashlib.sha256(("scan:" + style_key(doc_id)).encode()).digest()[:8], "big")


# --------------------------------------------------------------------------- text.pdf


_NUMERIC_CELL = re.compile(r"""^(?:
      [-+−]?[\d.,\s]*\d[\d.,\s]*(?:\s?(?:€|EUR|%|Euro))?   # 192.500,00 €, 3,5, 20 %
    | [-–—]                                              # an empty numeric cell
    )$""", re.VERBOSE)
PROSE_LINE = 60   # a paragraph whose lines (but the last) are all this long is hand-wrapped prose


def paragraph_markup(block: Block) -> str:
    """Paragraph text for reportlab.

    Prose is re-wrapped at the page width. A paragraph with a short line before its last one is a
    block of lines (an address, ``Datum: …`` / ``Vorlage-Nr.: …`` lines, a closing): its line breaks
    are kept, and a line too long for the page still wraps.
    """
    if any(len(line) < PROSE_LINE for line in block.lines[:-1]):
        return "<br/>".join(escape(line) for line in block.lines)
    return escape(block.text)


def fit(text: str, font: str, size: float, width: float) -> str:
    """Cut ``text`` at a word so that it fits ``width``."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    words = text.split()
    while len(words) > 1 and stringWidth(" ".join(words) + " …", font, size) > width:
        words.pop()
    return text if len(words) == len(text.split()) else " ".join(words) + " …"


def _register_font(font: Font) -> tuple[str, str]:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    reg, bold = font.name, font.name + "-Bold"
    if reg not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(reg, font.regular))
        pdfmetrics.registerFont(TTFont(bold, font.bold))
        addMapping(reg, 0, 0, reg)
        addMapping(reg, 1, 0, bold)
        addMapping(reg, 0, 1, reg)
        addMapping(reg, 1, 1, bold)
    return reg, bold


def _column_widths(rows: list[list[str]], font: str, bold: str, size: float, avail: float) -> list[float]:
    """Natural column widths, shrunk to fit ``avail`` by taking space from the widest columns."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    pad = 12.0 + 4.0     # cell padding (6 + 6) and some air
    ncol = len(rows[0])
    natural = [0.0] * ncol
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            w = stringWidth(cell, bold if r == 0 else font, size) + pad
            natural[c] = max(natural[c], w)
    total = sum(natural)
    if total <= avail:
        # stretch to the full width when the table is already wide, else keep it compact
        return [w * avail / total for w in natural] if total > 0.6 * avail else natural
    widths = [min(w, avail / ncol) for w in natural]
    rest = avail - sum(widths)
    need = [n - w for n, w in zip(natural, widths, strict=True)]
    tot_need = sum(need)
    return [w + rest * n / tot_need for w, n in zip(widths, need, strict=True)]


def _running_header(canv, _doc, *, style: Style, header: str, width: float, height: float,
                    margins: tuple[float, float]) -> None:
    """The header line of pages after the first, drawn before the page's content."""
    from reportlab.lib.units import mm

    left, right = margins
    canv.saveState()
    canv.setFont(style.font.name, style.font.size - 2)
    y = height - 14 * mm
    canv.drawString(left, y, header)
    canv.setLineWidth(0.5)
    canv.line(left, y - 3, width - right, y - 3)
    canv.restoreState()


def _footer(canv, page: int, pages: int, *, style: Style, width: float,
            margins: tuple[float, float]) -> None:
    """The page-number footer, drawn once the page count is known."""
    from reportlab.lib.units import mm

    left, right = margins
    canv.saveState()
    canv.setFont(style.font.name, style.font.size - 2)
    text = f"Seite {page} von {pages}"
    y = 12 * mm
    if style.footer_right:
        canv.drawRightString(width - right, y, text)
    else:
        canv.drawCentredString(width / 2, y, text)
    canv.restoreState()


def _numbered_canvas(decorate):
    from reportlab.pdfgen import canvas

    class NumberedCanvas(canvas.Canvas):
        """Defers page output until the page count is known (``Seite N von M``)."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 (reportlab API)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for state in self._pages:
                self.__dict__.update(state)
                decorate(self, self._pageNumber, len(self._pages))
                super().showPage()
            super().save()

    return NumberedCanvas


def blocks_to_pdf(blocks: list[Block], style: Style, out: Path, keywords: str = "") -> None:
    """Lay out the blocks as an A4 authority document."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.platypus import (BaseDocTemplate, Frame, HRFlowable, PageTemplate,
                                    Paragraph, Spacer, Table, TableStyle)
    from reportlab.platypus.flowables import PageBreakIfNotEmpty

    font, bold = _register_font(style.font)
    size = style.font.size
    width, height = A4
    left, right = style.left_mm * mm, 20 * mm
    top, bottom = 18 * mm, 22 * mm
    avail = width - left - right

    hy = dict(hyphenationLang="de_DE", embeddedHyphenation=1, hyphenationMinWordLength=7)
    body = ParagraphStyle("body", fontName=font, fontSize=size, leading=size * 1.32,
                          alignment=TA_JUSTIFY if style.justify else TA_LEFT,
                          spaceAfter=size * 0.65, **hy)
    bullet = ParagraphStyle("bullet", parent=body, leftIndent=size * 1.6, bulletIndent=size * 0.4,
                            bulletFontName=font, spaceAfter=size * 0.3)
    title = ParagraphStyle("title", parent=body, fontName=bold, fontSize=size + 4,
                           leading=(size + 4) * 1.25, alignment=TA_LEFT, spaceBefore=size * 0.8,
                           spaceAfter=size * 0.8, keepWithNext=1, hyphenationLang="")
    heading = ParagraphStyle("heading", parent=body, fontName=bold, fontSize=size + 0.5,
                             leading=(size + 0.5) * 1.3, alignment=TA_LEFT, spaceBefore=size * 0.9,
                             spaceAfter=size * 0.35, keepWithNext=1, hyphenationLang="")
    lh_align = TA_RIGHT if style.letterhead_right else TA_LEFT
    lh_first = ParagraphStyle("lh1", parent=body, fontName=bold, fontSize=size + 5,
                              leading=(size + 5) * 1.3, alignment=lh_align, spaceAfter=2,
                              hyphenationLang="")
    lh_line = ParagraphStyle("lh", parent=body, fontSize=size - 1, leading=(size - 1) * 1.3,
                             alignment=lh_align, spaceAfter=0, hyphenationLang="")
    cell_size = size - 1
    cell = ParagraphStyle("cell", parent=body, fontSize=cell_size, leading=cell_size * 1.25,
                          alignment=TA_LEFT, spaceAfter=0)
    cell_num = ParagraphStyle("cellnum", parent=cell, alignment=TA_RIGHT)
    cell_head = ParagraphStyle("cellhead", parent=cell, fontName=bold)
    cell_head_num = ParagraphStyle("cellheadnum", parent=cell_head, alignment=TA_RIGHT)

    story = []
    letterhead = next((b.lines for b in blocks if b.kind == "letterhead"), [])
    doc_title = next((b.text for b in blocks if b.kind == "title"), "")
    for b in blocks:
        if b.kind == "letterhead":
            story.append(Paragraph(escape(b.lines[0]), lh_first))
            story.extend(Paragraph(escape(line), lh_line) for line in b.lines[1:])
            story.append(Spacer(1, 3))
            story.append(HRFlowable(width="100%", thickness=0.8, color=colors.black,
                                    spaceBefore=2, spaceAfter=size * 0.8))
        elif b.kind == "title":
            story.append(Paragraph(escape(b.text), title))
        elif b.kind == "heading":
            story.append(Paragraph(escape(b.text), heading))
        elif b.kind == "para":
            story.append(Paragraph(paragraph_markup(b), body))
        elif b.kind == "bullet":
            story.append(Paragraph(escape(b.text), bullet, bulletText=style.bullet))
        elif b.kind == "pagebreak":
            story.append(PageBreakIfNotEmpty())   # no blank page after a full one
        elif b.kind == "table":
            ncol = max(len(r) for r in b.rows)
            rows = [r + [""] * (ncol - len(r)) for r in b.rows]
            widths = _column_widths(rows, font, bold, cell_size, avail)
            numeric = [all(_NUMERIC_CELL.match(r[c]) for r in rows[1:] if r[c]) and len(rows) > 1
                       for c in range(ncol)]
            data = [[Paragraph(escape(c), cell_head_num if numeric[i] else cell_head)
                     for i, c in enumerate(rows[0])]]
            data += [[Paragraph(escape(c), cell_num if _NUMERIC_CELL.match(c) else cell) for c in row]
                     for row in rows[1:]]
            table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
            commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5)]
            if style.header_shade:
                commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)))
            table.setStyle(TableStyle(commands))
            table.spaceBefore, table.spaceAfter = size * 0.3, size * 0.9
            story.append(table)

    header = " – ".join(x for x in (letterhead[0] if letterhead else "", doc_title) if x)
    if pdfmetrics.stringWidth(header, font, size - 2) > avail:
        header = fit(letterhead[0] if letterhead else doc_title, font, size - 2, avail)
    footer = functools.partial(_footer, style=style, width=width, margins=(left, right))
    on_later = functools.partial(_running_header, style=style, header=header, width=width,
                                 height=height, margins=(left, right)) if header else None
    first = Frame(left, bottom, avail, height - top - bottom, id="first",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    later = Frame(left, bottom, avail, height - top - 8 * mm - bottom, id="later",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc = BaseDocTemplate(str(out), pagesize=A4, invariant=1, pageCompression=1, initialFontName=font,
                          title=doc_title, author=letterhead[0] if letterhead else "",
                          creator="kimextract scripts/build_corpus.py", producer="ReportLab",
                          subject="", keywords=keywords)
    doc.addPageTemplates([PageTemplate("first", [first], autoNextPageTemplate="later"),
                          PageTemplate("later", [later], onPage=on_later or (lambda c, d: None))])
    doc.build(story, canvasmaker=_numbered_canvas(footer))


# --------------------------------------------------------------------------- reading PDFs back


def pdf_to_text(path: Path) -> str:
    """The text layer as kimextract reads it.

    pypdfium2 ``get_text_range()`` per page, ``\\r\\n`` → ``\\n``, pdfium's line-end hyphen mark
    U+FFFE → ``-\\n``, pages joined by form feed ``\\f``.
    """
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for page in pdf:
            tp = page.get_textpage()
            text = tp.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            # pdfium reports a hyphen at a line end as U+FFFE and drops the line break after it:
            # put both back, as they are on the page
            pages.append(text.replace("\ufffe", "-\n"))
            tp.close()
            page.close()
        return "\f".join(pages)
    finally:
        pdf.close()


def pdf_words(path: Path) -> list[dict[str, tuple[float, float]]]:
    """Per page: words (letters only, ≥ 4) that occur once on the page → centre of their box."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(str(path))
    out = []
    try:
        for page in pdf:
            tp = page.get_textpage()
            seen: dict[str, list[tuple[float, float]]] = {}
            word, box = "", None
            count = tp.count_chars()
            for i in range(count + 1):
                ch = chr(raw.FPDFText_GetUnicode(tp.raw, i)) if i < count else " "
                if ch.isalpha():
                    x0, y0, x1, y1 = tp.get_charbox(i)
                    box = (x0, y0, x1, y1) if box is None else (min(box[0], x0), min(box[1], y0),
                                                                max(box[2], x1), max(box[3], y1))
                    word += ch
                    continue
                if len(word) >= 4 and box:
                    seen.setdefault(word, []).append(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2))
                word, box = "", None
            out.append({w: c[0] for w, c in seen.items() if len(c) == 1})
            tp.close()
            page.close()
        return out
    finally:
        pdf.close()


def layer_offset(reference: Path, scan: Path) -> tuple[float, int]:
    """Median distance (pt) between a word in ``text.pdf`` and the same OCR word in ``scan``.

    Proves the OCR text layer lies over the right place of the page image (the scan's rotation
    moves words by up to ~3 pt). Returns (median distance, number of words compared)."""
    dists = []
    for ref, got in zip(pdf_words(reference), pdf_words(scan), strict=True):
        for w, (x, y) in ref.items():
            if w in got:
                gx, gy = got[w]
                dists.append(((x - gx) ** 2 + (y - gy) ** 2) ** 0.5)
    return (statistics.median(dists) if dists else float("inf")), len(dists)


# --------------------------------------------------------------------------- scans


def _run(cmd: list[str], **kw) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")


def pdf_to_images(pdf: Path, dpi: int, work: Path) -> list[Path]:
    """Rasterise with pdftoppm: one grayscale PNG per page."""
    _run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), str(work / "page")])
    return sorted(work.glob("page-*.png"))


def degrade(img, rng, style: Style, angle: float):
    """A mild office scan: skew, blur, paper tone, sensor noise, specks, JPEG round trip."""
    import numpy as np
    from PIL import Image, ImageFilter

    img = img.convert("L").rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(style.blur))
    a = np.asarray(img, dtype=np.float32) * (246.0 / 255.0) + 4.0     # slightly grey paper
    a += rng.normal(0.0, style.noise, a.shape).astype(np.float32)
    specks = rng.random(a.shape) < 0.0002
    a[specks] = rng.uniform(60.0, 180.0, int(specks.sum()))
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=SCAN_JPEG_QUALITY)
    return Image.open(io.BytesIO(buf.getvalue()))


def ocr_textonly(images: list[Path], lang: str, dpi: int, work: Path) -> Path:
    """Tesseract's own PDF renderer, text layer only (no image), one page per image."""
    listing = work / f"pages-{lang}.txt"
    listing.write_text("".join(f"{p}\n" for p in images), encoding="utf-8")
    base = work / f"ocr-{lang}"
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    _run(["tesseract", str(listing), str(base), "-l", lang, "--dpi", str(dpi),
          "-c", "textonly_pdf=1", "pdf"], env=env)
    return base.with_suffix(".pdf")


def archive_image(page, dpi: int):
    """The page as an archive keeps it: downsampled to ARCHIVE_DPI and thresholded to 1 bit."""
    from PIL import Image

    w, h = page.size
    if dpi != ARCHIVE_DPI:
        page = page.resize((round(w * ARCHIVE_DPI / dpi), round(h * ARCHIVE_DPI / dpi)), Image.LANCZOS)
    return page.point(lambda v: 255 if v >= ARCHIVE_THRESHOLD else 0).convert("1", dither=Image.NONE)


def image_pdf(pages: list, out: Path) -> None:
    """Image-only PDF, one page per 1-bit image (Pillow writes them CCITT G4 compressed)."""
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=float(ARCHIVE_DPI))


def overlay(image: Path, text: Path, out: Path, title: str, keywords: str) -> None:
    """Lay Tesseract's invisible text pages over the image pages."""
    from pypdf import PdfReader, PdfWriter

    writer, txt = PdfWriter(clone_from=image), PdfReader(text)
    if len(writer.pages) != len(txt.pages):
        raise RuntimeError(f"{text.name}: {len(txt.pages)} OCR pages for {len(writer.pages)} images")
    for page, ocr in zip(writer.pages, txt.pages, strict=True):
        page.merge_page(ocr)
        page.compress_content_streams()
    writer.metadata = {"/Title": title, "/Keywords": keywords,
                       "/Producer": "Tesseract (text), Pillow (image), pypdf"}
    with open(out, "wb") as fh:
        writer.write(fh)


def make_scans(text_pdf: Path, doc_id: str, style: Style, work: Path, outs: dict[str, Path]) -> dict:
    """Rasterise, degrade, OCR in each language; write one scan PDF per language."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(scan_seed(doc_id))
    full, small = [], []
    for n, png in enumerate(pdf_to_images(text_pdf, style.dpi, work), 1):
        page = degrade(Image.open(png), rng, style, style.angles[(n - 1) % len(style.angles)])
        path = work / f"scan-{n:02d}.png"           # what the scanner delivered: the OCR input
        page.save(path, "PNG", dpi=(style.dpi, style.dpi))
        full.append(path)
        small.append(archive_image(page, style.dpi))
    images = work / "images.pdf"
    image_pdf(small, images)
    info = {}
    for lang in OCR_LANGS:
        textonly = ocr_textonly(full, lang, style.dpi, work)
        tmp = work / f"scan-{lang}.pdf"
        overlay(images, textonly, tmp, f"{doc_id} (scan, OCR {lang})", _built_from(text_pdf))
        offset, words = layer_offset(text_pdf, tmp)
        if words < 10 or offset > 8.0:
            raise RuntimeError(f"scan-{lang}.pdf: text layer misplaced or unreadable "
                               f"({words} words matched, median offset {offset:.1f} pt)")
        _install(tmp, outs[lang])
        info[lang] = (offset, words)
    return info


# --------------------------------------------------------------------------- one document


@dataclass
class Result:
    doc_id: str
    status: str                  # built|up to date|skipped|failed
    pages: int = 0
    seconds: float = 0.0
    detail: str = ""


def _install(src: Path, dst: Path) -> None:
    """Copy into the corpus atomically, so an interrupted build never leaves a half file."""
    tmp = dst.with_name(f".{dst.name}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def _built_from(path: Path) -> str:
    """The stamp an output carries in its PDF keywords: the name and SHA-256 of the file it was built from."""
    return f"built from {path.name} sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}"


def _stale(target: Path, source: Path) -> bool:
    """Missing, or older than its input and not stamped as built from the input's present content.

    The stamp keeps a fresh git checkout (which gives files arbitrary mtimes) from rebuilding everything.
    """
    if not target.exists():
        return True
    if target.stat().st_mtime >= source.stat().st_mtime:
        return False
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(target))
        try:
            stamp = pdf.get_metadata_dict().get("Keywords", "")
        finally:
            pdf.close()
    except pdfium.PdfiumError:
        return True
    return stamp != _built_from(source)


def build_document(doc_dir: Path, force: bool = False, skip_ocr: bool = False) -> Result:
    """Build whatever of one document's outputs is missing or older than its input.

    text.pdf and clean.txt are built together from source.txt, the scans from text.pdf.
    """
    doc_id = doc_dir.name
    t0 = time.monotonic()
    source = doc_dir / "source.txt"
    text_pdf, clean = doc_dir / "text.pdf", doc_dir / "clean.txt"
    scans = {lang: doc_dir / f"scan-{lang}.pdf" for lang in OCR_LANGS}
    try:
        style = doc_style(doc_id)
        did = []
        with tempfile.TemporaryDirectory(prefix=f"corpus-{doc_id}-") as tmpdir:
            work = Path(tmpdir)
            if force or not clean.exists() or _stale(text_pdf, source):
                blocks = source_to_blocks(source.read_text(encoding="utf-8"))
                tmp_pdf = work / "text.pdf"
                blocks_to_pdf(blocks, style, tmp_pdf, keywords=_built_from(source))
                tmp_clean = work / "clean.txt"
                tmp_clean.write_text(pdf_to_text(tmp_pdf), encoding="utf-8", newline="\n")
                _install(tmp_pdf, text_pdf)
                _install(tmp_clean, clean)
                did.append(f"{style.font.name} {style.font.size:g}pt")
            if not skip_ocr and (force or any(_stale(p, text_pdf) for p in scans.values())):
                info = make_scans(text_pdf, doc_id, style, work, scans)
                did.append(f"{style.dpi} dpi, blur {style.blur}, OCR layer offset "
                           + "/".join(f"{info[lang][0]:.1f}" for lang in OCR_LANGS) + " pt")
        pages = pdf_to_text(text_pdf).count("\f") + 1
        status = "built" if did else "up to date"
        return Result(doc_id, status, pages, time.monotonic() - t0, "; ".join(did))
    except Exception as exc:  # one line per failed document, the batch goes on
        return Result(doc_id, "failed", 0, time.monotonic() - t0, f"{type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------- CLI


def discover(corpus: Path, only: list[str] | None) -> tuple[list[Path], list[Result]]:
    """Documents with both source.txt and gold.json; the rest is reported as skipped."""
    dirs = sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("."))
    if only:
        wanted = set(only)
        missing = wanted - {p.name for p in dirs}
        dirs = [p for p in dirs if p.name in wanted]
        skipped = [Result(m, "skipped", detail="no such document") for m in sorted(missing)]
    else:
        skipped = []
    ready = []
    for d in dirs:
        if (d / "source.txt").is_file() and (d / "gold.json").is_file():
            ready.append(d)
        else:
            skipped.append(Result(d.name, "skipped", detail="needs source.txt and gold.json"))
    return ready, skipped


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _print(r: Result, width: int) -> None:
    pages = f"{r.pages} p" if r.pages else ""
    detail = f"  {r.detail}" if r.detail else ""
    print(f"{r.doc_id:<{width}}  {r.status:<10} {pages:>4} {r.seconds:6.1f} s{detail}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", metavar="ID", help="build only these document ids")
    ap.add_argument("--jobs", type=int, default=2, help="documents built in parallel (default 2)")
    ap.add_argument("--skip-ocr", action="store_true", help="only text.pdf and clean.txt")
    ap.add_argument("--force", action="store_true", help="rebuild even if up to date")
    ap.add_argument("--corpus", type=Path, default=CORPUS, help=f"corpus folder (default {CORPUS})")
    args = ap.parse_args(argv)

    missing = [t for t in ("pdftoppm", "tesseract") if not shutil.which(t)]
    if missing and not args.skip_ocr:
        print(f"error: {', '.join(missing)} not found (see the system packages in this script's "
              "docstring), or use --skip-ocr", file=sys.stderr)
        return 2
    if not args.corpus.is_dir():
        print(f"error: no corpus folder {args.corpus}", file=sys.stderr)
        return 2

    t0 = time.monotonic()
    ready, skipped = discover(args.corpus, args.only)
    width = max([len(d.name) for d in ready] + [len(r.doc_id) for r in skipped] + [10])
    for r in skipped:
        _print(r, width)
    results: list[Result] = []
    work = functools.partial(build_document, force=args.force, skip_ocr=args.skip_ocr)
    if args.jobs <= 1 or len(ready) <= 1:
        for d in ready:
            results.append(work(d))
            _print(results[-1], width)
    else:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(work, d) for d in ready]
            for fut in as_completed(futures):
                results.append(fut.result())
                _print(results[-1], width)

    count = {s: sum(r.status == s for r in results) for s in ("built", "up to date", "failed")}
    print(f"{count['built']} built, {count['up to date']} up to date, {count['failed']} failed, "
          f"{len(skipped)} skipped; {time.monotonic() - t0:.1f} s; "
          f"corpus {_size(args.corpus) / 1e6:.1f} MB", flush=True)
    return 1 if count["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
