"""OCR for PDF pages without a text layer, with Tesseract (German model), one thread per process.

Whether Tesseract and its German model are installed is asked once per process (:func:`tesseract`): results
depend on it (scans are OCR'd, the numbers behind error findings re-read), so records and ``kimextract info``
say it.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .errors import InputError
from .read import BBox, Document, Page

log = logging.getLogger(__name__)

TESSERACT_HINT = "install Tesseract with the German model (apt-get install tesseract-ocr tesseract-ocr-deu)"
OCR_LANGUAGE = "deu"
OCR_DPI = 300


@dataclass(frozen=True)
class Tesseract:
    """The Tesseract found on PATH: its version and installed language models (None and () without one)."""

    path: Optional[str]
    version: Optional[str]
    languages: tuple[str, ...]

    @property
    def problem(self) -> Optional[str]:
        """Why OCR and the re-reading of numbers are off, with the command that fixes it; None when they work."""
        if self.path is None:
            return f"Tesseract is not installed: {TESSERACT_HINT}"
        if OCR_LANGUAGE not in self.languages:
            return f"Tesseract has no German model ({OCR_LANGUAGE}): {TESSERACT_HINT}"
        return None


@functools.lru_cache(maxsize=1)
def tesseract() -> Tesseract:
    """The installed Tesseract, asked once per process (two runs of about 10 ms)."""
    path = shutil.which("tesseract")
    if path is None:
        return Tesseract(None, None, ())
    version_words = _tesseract_says(path, "--version")[:1]  # 'tesseract 5.3.0'; 3.x writes it to stderr
    version = version_words[0].split()[-1] if version_words and version_words[0].split() else None
    languages = tuple(sorted(line.strip() for line in _tesseract_says(path, "--list-langs")[1:] if line.strip()))
    return Tesseract(path, version, languages)


def _tesseract_says(path: str, option: str) -> list[str]:
    try:
        result = subprocess.run([path, option], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return (result.stdout + result.stderr).decode("utf-8", errors="replace").splitlines()


def ocr_missing_pages(document: Document, force: bool = False, language: str = OCR_LANGUAGE, dpi: int = OCR_DPI) -> None:
    """Replace the text of image-only pages (or of every page, with ``force``) by Tesseract's OCR text, with the
    words' boxes; ``document.ocr_pages`` records which engine, version, language and resolution read each page.

    Without Tesseract, a document with no text layer at all raises ``no_text_layer`` with a hint; a
    document with some text keeps its image-only pages listed in ``pages_without_text``. A language whose model
    is not installed raises ``unreadable`` with the command that installs it.
    """
    targets = [page for page in document.pages if force or not page.has_text]
    if not targets:
        return
    problem = tesseract().problem
    if problem is not None:
        if all(not page.has_text for page in document.pages):
            raise InputError(f"no text layer on any page; {TESSERACT_HINT} to OCR it", document.path, status="no_text_layer")
        log.warning("%s: %d pages without a text layer are not OCR'd. %s", document.path or "document", len(targets), problem)
        return
    missing = [code for code in language.split("+") if code not in tesseract().languages]
    if missing:
        hint = " ".join(f"tesseract-ocr-{code.replace('_', '-')}" for code in missing)
        raise InputError(f"Tesseract has no model for {'+'.join(missing)}: apt-get install {hint}", document.path, status="unreadable")
    for page in targets:
        text, words = _tesseract(document.render_page(page.number, dpi), dpi, language)
        document.pages[page.number - 1] = Page(page.number, text, bool(text.strip()), None, ocr=True, words=words)
        document.ocr_pages.append({"page": page.number, "engine": "tesseract", "version": tesseract().version,
                                   "language": language, "dpi": dpi})
    document.ocr = True
    document.refresh()


def _tesseract(image, dpi: int, language: str = OCR_LANGUAGE) -> tuple[str, list[tuple[int, int, BBox]]]:
    """The page's text and its words' boxes (in points), from Tesseract's TSV: words joined by spaces, lines by a
    line break, paragraphs and blocks by an empty line, as its plain text output joins them."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one thread per worker: 2.5x faster on a busy machine
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "page.png"
        image.save(png)
        result = subprocess.run(["tesseract", str(png), "stdout", "-l", language, "--dpi", str(dpi), "tsv"],
                                capture_output=True, env=env, timeout=300)
    if result.returncode != 0:
        raise InputError(f"Tesseract failed: {result.stderr.decode(errors='replace').strip()[:200]}", status="unreadable")
    return tsv_to_text(result.stdout.decode("utf-8", errors="replace"), dpi, image)


def tsv_to_text(tsv: str, dpi: int, image=None) -> tuple[str, list[tuple[int, int, BBox]]]:
    """Text and word boxes from Tesseract's TSV (pixels at ``dpi`` to points); with the page ``image`` each box is
    widened to the ink it cuts through (Tesseract boxes some symbols short: '€' loses its right half).

    >>> tsv_to_text("level\\tpage_num\\tblock_num\\tpar_num\\tline_num\\tword_num\\tleft\\ttop\\twidth\\theight\\tconf\\ttext\\n"
    ...             "5\\t1\\t1\\t1\\t1\\t1\\t100\\t50\\t200\\t40\\t96\\t1,5\\n5\\t1\\t1\\t1\\t1\\t2\\t320\\t50\\t300\\t40\\t95\\tStellen\\n", 72)
    ('1,5 Stellen\\n', [(0, 3, (100.0, 50.0, 300.0, 90.0)), (4, 11, (320.0, 50.0, 620.0, 90.0))])
    """
    scale = 72 / dpi
    parts: list[str] = []
    words: list[tuple[int, int, BBox]] = []
    length, last_line, last_paragraph = 0, None, None
    rows = [cells for cells in (row.split("\t") for row in tsv.splitlines()[1:])
            if len(cells) >= 12 and cells[0] == "5" and cells[11].strip()]
    pixels = image.convert("L").load() if image is not None else None
    for index, cells in enumerate(rows):
        paragraph, line = tuple(cells[1:4]), tuple(cells[1:5])
        if last_line is not None:
            joint = " " if line == last_line else ("\n" if paragraph == last_paragraph else "\n\n")
            parts.append(joint)
            length += len(joint)
        word = cells[11].strip()
        left, top, width, height = (int(v) for v in cells[6:10])
        right = left + width
        if pixels is not None:
            following = rows[index + 1] if index + 1 < len(rows) and tuple(rows[index + 1][1:5]) == line else None
            limit = int(following[6]) - 1 if following else image.width - 1
            left, right = _ink_span(pixels, left, right, top, top + height, limit)
        words.append((length, length + len(word), (left * scale, top * scale, right * scale, (top + height) * scale)))
        parts.append(word)
        length += len(word)
        last_line, last_paragraph = line, paragraph
    return "".join(parts) + "\n", words


def _ink_span(pixels, left: int, right: int, top: int, bottom: int, limit: int) -> tuple[int, int]:
    """The box's left and right edges moved out while the column beside them holds ink (a glyph the box cuts
    through), never past ``limit`` (the next word) nor more than a few glyphs' width."""
    def inked(x: int) -> bool:
        return any(pixels[x, y] < 128 for y in range(top, bottom))

    most = max(4, (bottom - top))
    grown = 0
    while right < limit and grown < most and inked(right):
        right, grown = right + 1, grown + 1
    grown = 0
    while left > 0 and grown < most and inked(left - 1):
        left, grown = left - 1, grown + 1
    return left, right
