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
    """How a document is processed."""

    repair: bool = True
    disabled_rules: frozenset[str] = field(default_factory=frozenset)
    max_pages: Optional[int] = None
    ocr: str = "auto"  # auto | always | never: OCR pages without a text layer
    verify: bool = True  # re-read the numbers of error findings from the page image (PDF, with Tesseract)


def extract_file(path: Path | str, options: Optional[Options] = None) -> DocumentRecord:
    """Read a PDF or text file and extract everything from it.

    Raises :class:`~kimextract.errors.InputError` for a file that cannot be read as a document (missing,
    empty, encrypted, corrupt, not UTF-8, too many pages: its ``status`` says which) and for options that are
    no :class:`Options`."""
    options = _checked(options)
    with read_document(path, max_pages=options.max_pages) as document:
        if options.ocr != "never" and document.media_type == "application/pdf":
            from .ocr import ocr_missing_pages

            ocr_missing_pages(document, force=options.ocr == "always")
        return process_document(document, options)


def extract_text(text: str, options: Optional[Options] = None) -> DocumentRecord:
    """Extract everything from a text (pages separated by form feeds). Characters a text cannot hold in UTF-8
    (lone surrogates) are read as U+FFFD.

    Raises :class:`~kimextract.errors.InputError` for a ``text`` that is no ``str`` and for options that are no
    :class:`Options`; never spaCy's length error (there is no length limit)."""
    if not isinstance(text, str):
        raise InputError(f"extract_text takes a str, not {type(text).__name__}; use extract_file for a file")
    text = LONE_SURROGATE.sub("\ufffd", text)  # one character for one: offsets hold
    return process_document(text_to_document(text), _checked(options))


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _checked(options: Optional[Options]) -> Options:
    if options is None:
        return Options()
    if not isinstance(options, Options):
        raise InputError(f"options must be kimextract.Options, not {type(options).__name__}")
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
