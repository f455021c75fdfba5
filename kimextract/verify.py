"""Re-read the numbers and dates behind error findings from the page image.

An archived scan's text layer may misread a digit ('1,5' as '15'); an auditor then looks at the paper. Before
kimextract calls an inconsistency an error, it does the same: on pages whose text came from OCR it renders the
box of every number the finding rests on and reads it again with Tesseract. Where the image shows another number than the text layer, the
finding becomes a warning that names both readings, so that a person checks the original.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Optional

import regex

from .ocr import tesseract
from .read import Document
from .records import Evidence, Finding
from .rules import Rule
from .values import NUMBER, parse_number

NUMBER_TEXT = regex.compile(NUMBER, regex.VERBOSE)
DATE_TEXT = regex.compile(r"(?<!\d)\d{1,2}\.\s?\d{1,2}\.\s?(?:19|20)\d\d(?!\d)")  # re-read digit by digit
log = logging.getLogger(__name__)

SHORT_EVIDENCE = 40  # longer evidence is a sentence, not a number to re-read
# Room around a number cut out of the page, in points (beside, above, below): a tight cut-out and one with room
# for a comma's tail. Which one reads a scan's digits right depends on its table rules and neighbours, so both
# are read (in the same Tesseract run).
CUT_OUTS = ((6, 1, 1), (8, 1, 4))


def verify_findings(document: Document, findings: list[Finding]) -> list[Finding]:
    """Findings with error severity whose numbers read otherwise in the page image become warnings."""
    if document.media_type != "application/pdf":
        return findings
    problem = tesseract().problem
    if problem is not None:
        _warn_not_reread(document, findings, problem)
        return findings
    # The numbers of all error findings are read in one Tesseract run (and the few it disputes in a second):
    # starting Tesseract and loading its model costs far more than reading one number.
    asked = [(index, evidence, number) for index, finding in enumerate(findings) if finding.severity == "error"
             for evidence in _scanned_evidence(document, finding) for number in _numbers_of(evidence)]
    images = [_number_image(document, evidence, number, room) for _, evidence, number in asked for room in CUT_OUTS]
    readings = _other_readings(images, [number.group() for _, _, number in asked for _ in CUT_OUTS])
    seen_numbers = [next((seen for seen in readings[i:i + len(CUT_OUTS)] if seen is not None), None)
                    for i in range(0, len(readings), len(CUT_OUTS))]
    misread: dict[int, list[tuple[Evidence, str, str]]] = {}
    for (index, evidence, number), seen in zip(asked, seen_numbers):
        if seen is not None:
            misread.setdefault(index, []).append((evidence, number.group(), seen))
    checked = [_as_warning(finding, misread[index]) if index in misread else finding for index, finding in enumerate(findings)]
    return [_lost_comma_warning(document, finding) for finding in checked]


SUM_RULES = frozenset({Rule.AMOUNT_SUM.value, Rule.FTE_SUM.value, Rule.TABLE_SUM.value})


def _lost_comma_warning(document: Document, finding: Finding) -> Finding:
    """A sum on a scanned page that one part read without its comma explains ('15' among '6,0' and '2,5' over
    'Summe 10,0': 1,5 gives the total): a warning naming both readings, where the page image did not settle it.
    On a born-digital page the text is what the document says, and the error stays."""
    if finding.severity != "error" or finding.rule not in SUM_RULES:
        return finding
    scanned = _scanned_evidence(document, finding)
    parts = [e for e in scanned if e.label == "Teil"]
    totals = [e for e in finding.evidence if e.label == "Summe"]
    if not parts or len(totals) != 1:
        return finding
    values = [Decimal(e.value) for e in finding.evidence if e.label == "Teil"]  # evidence values are plain decimals
    missing = Decimal(totals[0].value) - sum(values)
    lost = [e for e in parts if regex.fullmatch(r"\d{2,}", e.text.strip()) and Decimal(e.value) / 10 - Decimal(e.value) == missing]
    if len(lost) != 1:
        return finding
    read, meant = lost[0].text.strip(), f"{lost[0].text.strip()[:-1]},{lost[0].text.strip()[-1]}"
    message = (f"{finding.message} Hinweis: Mit {meant} statt {read} (S. {lost[0].provenance.page}) stimmt die Summe; "
               "vermutlich fehlt im Textlayer das Komma. Bitte am Original prüfen.")
    return finding.model_copy(update={"severity": "warning", "message": message})


def _warn_not_reread(document: Document, findings: list[Finding], problem: str) -> None:
    """Without Tesseract an error on a scanned page stays an error that a second reading might have made a
    warning: the results differ, so say so."""
    unchecked = [f for f in findings if f.severity == "error" and any(
        e.provenance is not None and document.text_from_ocr(e.provenance.page) for e in f.evidence)]
    if unchecked:
        log.warning("%s: the numbers of %d error findings on scanned pages are not re-read from the page image. %s",
                    document.path or "document", len(unchecked), problem)


def _scanned_evidence(document: Document, finding: Finding) -> list[Evidence]:
    """The evidence on pages whose text came from OCR: a born-digital text layer is what the document says."""
    return [e for e in finding.evidence if e.provenance is not None and document.text_from_ocr(e.provenance.page)]


def _as_warning(finding: Finding, misread: list[tuple[Evidence, str, str]]) -> Finding:
    notes = ", ".join(f"{seen} statt {number} (S. {e.provenance.page})" for e, number, seen in misread)
    message = (f"{finding.message} Hinweis: Eine zweite Texterkennung des Seitenbilds liest {notes}; vermutlich ein Lesefehler im Textlayer. "
               "Bitte am Original prüfen.")
    evidence = finding.evidence + [
        # the value the page image shows, at the place of the text layer's reading
        Evidence(label="Seitenbild", value=seen if DATE_TEXT.fullmatch(seen) else str(parse_number(seen)), text=e.text,
                 provenance=e.provenance) for e, _, seen in misread
    ]
    return finding.model_copy(update={"severity": "warning", "message": message, "evidence": evidence})


def _numbers_of(evidence: Evidence) -> list[regex.Match]:
    """The dates of a short evidence ('01.09.2024 bis 31.08.2023'), else its number."""
    if len(evidence.text) > SHORT_EVIDENCE:
        return []
    dates = list(DATE_TEXT.finditer(evidence.text))
    number = NUMBER_TEXT.search(evidence.text)
    return dates or ([number] if number else [])


def _differs(seen: str, read: str) -> bool:
    """The second reading ``seen`` shows another number than the text layer's ``read``. A second reading with
    the same digits that only lost a separator ('35' for '3,5') or read one as the other ('198,000' for
    '198.000') says nothing: a comma at the edge of a cut-out is what goes first, and a point and a comma are a
    few pixels apart; one that finds a separator the text layer lost ('1,5' for '15') does."""
    if DATE_TEXT.fullmatch(read):
        return _digits(seen) != _digits(read)
    if _digits(seen) == _digits(read) and _separators(seen) <= _separators(read):
        return False
    return parse_number(seen) != parse_number(read)


def _separators(text: str) -> int:
    return sum(ch in ".," for ch in text)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _comparable(seen: str, number: str) -> bool:
    """A second reading counts with as many digits as the first ('1,5' for '15' is a lost comma) or one fewer
    in a well-formed number ('5.875' for '53.875': the text layer read a glyph twice); '1' for '215.625,03' or
    '11,45' for '1,45' (a neighbouring glyph read as a digit) says nothing."""
    seen_digits, digits = len(_digits(seen)), len(_digits(number))
    return seen_digits == digits or seen_digits == digits - 1 and NUMBER_TEXT.fullmatch(seen) is not None and "." in seen


def _number_image(document: Document, evidence: Evidence, number: regex.Match, room: tuple[int, int, int]) -> Optional[bytes]:
    """The PNG of the number's digits in the page image, with some room; None without a box."""
    start = evidence.provenance.start + number.start()
    bbox = document.bbox(start, start + len(number.group()))  # the digits alone, not '… Mio. €'
    if bbox is None:
        return None
    x0, top, x1, bottom = bbox
    beside, above, below = room
    image = document.render_box(evidence.provenance.page, (x0 - beside, top - above, x1 + beside, bottom + below))
    if image is None:
        return None
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _other_readings(images: list[Optional[bytes]], numbers: list[str]) -> list[Optional[str]]:
    """For each number, the other number its image shows: Tesseract reads it otherwise with digits only, as
    a misreading would ('1,5' for '15', see :func:`_comparable`), and a free reading agrees; None elsewhere and
    for no image. The free reading runs only for the numbers the first one disputes."""
    wanted = [i for i, image in enumerate(images) if image is not None]
    digits = dict(zip(wanted, _tesseract_numbers([images[i] for i in wanted], True)))
    disputed = [i for i, seen in digits.items()
                if seen is not None and _differs(seen, numbers[i]) and _comparable(seen, numbers[i])]
    free = dict(zip(disputed, _tesseract_numbers([images[i] for i in disputed], False)))
    return [digits[i] if i in free and free[i] == digits[i] else None for i in range(len(images))]


def _tesseract_numbers(images: list[bytes], digits_only: bool) -> list[Optional[str]]:
    """One Tesseract run over a list of images (one line each); it parts their texts by form feeds."""
    if not images:
        return []
    command = ["tesseract", "list.txt", "stdout", "--psm", "7", "-l", "deu"]
    if digits_only:
        command += ["-c", "tessedit_char_whitelist=0123456789.,-€ "]
    with tempfile.TemporaryDirectory(prefix="kimextract-") as folder:
        names = [f"{number}.png" for number in range(len(images))]
        for name, image in zip(names, images):
            Path(folder, name).write_bytes(image)
        Path(folder, "list.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
        try:
            result = subprocess.run(command, cwd=folder, capture_output=True, env=dict(os.environ, OMP_THREAD_LIMIT="1"),
                                    timeout=60 + len(images))
        except (OSError, subprocess.TimeoutExpired):
            return [None] * len(images)
    texts = result.stdout.decode("utf-8", errors="replace").split("\f")
    if len(texts) != len(images):
        log.warning("Tesseract gave %d texts for %d images of numbers; they are not re-read", len(texts), len(images))
        return [None] * len(images)
    return [_number_in(text) for text in texts]


def _number_in(text: str) -> Optional[str]:
    match = DATE_TEXT.search(text) or NUMBER_TEXT.search(text)
    return match.group() if match else None
