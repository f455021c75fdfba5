"""One document: read → repair → extract → link → check, into a :class:`DocumentRecord`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .errors import InputError
from .read import Document, read_document, text_to_document
from .records import DocumentRecord, Provenance, RepairRecord, Source, source_path


@dataclass
class Options:
    """How a document is processed.

    ``timeout``: seconds a document may take (None: no limit). With a limit, :func:`extract_file` and
    :func:`extract_text` run in a worker process (started on the first such call and kept), which is killed,
    Tesseract and all, when the time is up: they raise :class:`~kimextract.errors.ExtractionTimeout`. ``batch``
    takes its limit from ``--timeout`` instead."""

    repair: bool = True
    disabled_rules: frozenset[str] = field(default_factory=frozenset)
    max_pages: Optional[int] = None
    ocr: str = "auto"  # auto | always | never: OCR pages without a text layer
    verify: bool = True  # re-read the numbers of error findings from the page image (PDF, with Tesseract)
    timeout: Optional[float] = None


def extract_file(path: Path | str, options: Optional[Options] = None) -> DocumentRecord:
    """Read a PDF or text file and extract everything from it.

    Raises, all of them :class:`~kimextract.errors.KimextractError`:

    - :class:`~kimextract.errors.InputError` for a file that cannot be read as a document (missing, empty,
      encrypted, corrupt, not UTF-8: its ``status`` says which) and for options that are no :class:`Options`;
    - :class:`~kimextract.errors.TooLargeError`, an InputError, for one over a size limit (``max_pages``, a file
      over 512 MiB, the caps on inflated streams and characters in :mod:`kimextract.read`);
    - :class:`~kimextract.errors.ExtractionTimeout`, also a builtin TimeoutError, when ``options.timeout`` runs
      out."""
    options = _checked(options)
    if options.timeout:
        from .pool import extract_in_worker

        return extract_in_worker("extract_file", str(path), options)
    with read_document(path, max_pages=options.max_pages) as document:
        if options.ocr != "never" and document.media_type == "application/pdf":
            from .ocr import ocr_missing_pages

            ocr_missing_pages(document, force=options.ocr == "always")
        return process_document(document, options)


def extract_text(text: str, options: Optional[Options] = None) -> DocumentRecord:
    """Extract everything from a text (pages separated by form feeds). Characters a text cannot hold in UTF-8
    (lone surrogates) are read as U+FFFD.

    Raises :class:`~kimextract.errors.InputError` for a ``text`` that is no ``str``, and otherwise what
    :func:`extract_file` raises; never spaCy's length error."""
    if not isinstance(text, str):
        raise InputError(f"extract_text takes a str, not {type(text).__name__}; use extract_file for a file")
    options = _checked(options)
    if options.timeout:
        from .pool import extract_in_worker

        return extract_in_worker("extract_text", text, options)
    text = LONE_SURROGATE.sub("\ufffd", text)  # one character for one: offsets hold
    return process_document(text_to_document(text), options)


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _checked(options: Optional[Options]) -> Options:
    if options is None:
        return Options()
    if not isinstance(options, Options):
        raise InputError(f"options must be kimextract.Options, not {type(options).__name__}")
    timeout = options.timeout
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0):
        raise InputError(f"options.timeout must be a number of seconds above 0 or None, not {timeout!r}")
    return options


def process_document(document: Document, options: Options) -> DocumentRecord:
    from .checks import grants_to_findings
    from .extract import View, doc_to_mentions
    from .link import mentions_to_grants
    from .nlp import text_to_doc
    from .repair import repair_text

    repaired = repair_text(document.text) if options.repair else None
    view = View(document.text, document) if repaired is None else View(repaired.text, document, repaired.to_original)
    doc = text_to_doc(view.text)
    mentions = doc_to_mentions(doc, view)
    grants = mentions_to_grants(doc, view, mentions)
    findings = grants_to_findings(view, mentions, grants, disabled=options.disabled_rules)
    if options.verify:
        from .verify import verify_findings

        findings = verify_findings(document, findings)
    return DocumentRecord(
        source=Source(
            **source_path(str(document.path) if document.path else None),
            sha256=document.sha256,
            pages=len(document.pages),
            media_type=document.media_type,
            pages_without_text=document.pages_without_text,
            ocr=document.ocr,
        ),
        document=mentions.header,
        amounts=mentions.amounts,
        dates=mentions.dates,
        periods=mentions.periods,
        positions=mentions.positions,
        modules=mentions.modules,
        grants=grants,
        findings=findings,
        repairs=_repair_records(view, repaired),
    )


def _repair_records(view, repaired) -> list[RepairRecord]:
    if repaired is None:
        return []
    records = []
    for repair in repaired.repairs:
        page = view.document.page_of(repair.start)
        provenance = Provenance(page=page, start=repair.start, end=repair.end, bbox=view.document.bbox(repair.start, repair.end))
        records.append(
            RepairRecord(
                original=repair.original,
                repaired=repair.repaired,
                confidence=repair.confidence,
                reason=repair.reason,
                text=view.document.text[repair.start:repair.end],
                provenance=provenance,
            )
        )
    return records
