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


def ocr_missing_pages(document: Document, force: bool = False) -> None:
    """Replace the text of image-only pages (or of every page, with ``force``) by Tesseract's OCR text.

    Without Tesseract, a document with no text layer at all raises ``no_text_layer`` with a hint; a
    document with some text keeps its image-only pages listed in ``pages_without_text``.
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
    for page in targets:
        text, words = _tesseract(document.render_page(page.number, OCR_DPI), OCR_DPI)
        document.pages[page.number - 1] = Page(page.number, text, bool(text.strip()), None, ocr=True, words=words)
    document.ocr = True
    document.refresh()


def _tesseract(image, dpi: int) -> tuple[str, list[tuple[int, int, BBox]]]:
    """The page's text and its words' boxes (in points), from Tesseract's TSV: words joined by spaces, lines by a
    line break, paragraphs and blocks by an empty line, as its plain text output joins them."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one thread per worker: 2.5x faster on a busy machine
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "page.png"
        image.save(png)
        result = subprocess.run(["tesseract", str(png), "stdout", "-l", OCR_LANGUAGE, "--dpi", str(dpi), "tsv"],
                                capture_output=True, env=env, timeout=300)
    if result.returncode != 0:
        raise InputError(f"Tesseract failed: {result.stderr.decode(errors='replace').strip()[:200]}", status="unreadable")
    return tsv_to_text(result.stdout.decode("utf-8", errors="replace"), dpi)


def tsv_to_text(tsv: str, dpi: int) -> tuple[str, list[tuple[int, int, BBox]]]:
    """Text and word boxes from Tesseract's TSV (pixels at ``dpi`` to points).

    >>> tsv_to_text("level\\tpage_num\\tblock_num\\tpar_num\\tline_num\\tword_num\\tleft\\ttop\\twidth\\theight\\tconf\\ttext\\n"
    ...             "5\\t1\\t1\\t1\\t1\\t1\\t100\\t50\\t200\\t40\\t96\\t1,5\\n5\\t1\\t1\\t1\\t1\\t2\\t320\\t50\\t300\\t40\\t95\\tStellen\\n", 72)
    ('1,5 Stellen\\n', [(0, 3, (100.0, 50.0, 300.0, 90.0)), (4, 11, (320.0, 50.0, 620.0, 90.0))])
    """
    scale = 72 / dpi
    parts: list[str] = []
    words: list[tuple[int, int, BBox]] = []
    length, last_line, last_paragraph = 0, None, None
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        paragraph, line = tuple(cells[1:4]), tuple(cells[1:5])
        if last_line is not None:
            joint = " " if line == last_line else ("\n" if paragraph == last_paragraph else "\n\n")
            parts.append(joint)
            length += len(joint)
        word = cells[11].strip()
        left, top, width, height = (int(v) for v in cells[6:10])
        words.append((length, length + len(word), (left * scale, top * scale, (left + width) * scale, (top + height) * scale)))
        parts.append(word)
        length += len(word)
        last_line, last_paragraph = line, paragraph
    return "".join(parts) + "\n", words
