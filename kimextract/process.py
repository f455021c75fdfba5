"""One document: read → repair → extract → link → check, into a :class:`DocumentRecord`."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Optional, Union

from .errors import InputError
from .read import Document, bytes_to_document, normal_encoding, read_document, text_to_document
from .records import DocumentRecord, Provenance, RepairRecord, Source, source_path

# What extract_file reads: a path, the document's bytes, or a file opened for reading.
DocumentSource = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes], IO[str]]
OCR_MODES = ("auto", "always", "never")


@dataclass
class Options:
    """How a document is processed."""

    repair: bool = True
    disabled_rules: frozenset[str] = field(default_factory=frozenset)
    max_pages: Optional[int] = None
    ocr: str = "auto"  # auto | always | never: OCR pages without a text layer
    verify: bool = True  # re-read the numbers of error findings from the page image (PDF, with Tesseract)


def extract_file(source: DocumentSource, options: Optional[Options] = None, *, name: Optional[str] = None) -> DocumentRecord:
    """Read a PDF or a text (in any encoding) and extract everything from it.

    ``source`` is a path, the document's bytes, or a file opened for reading (binary; a text stream is read as
    the text it gives). ``name`` names bytes and streams in the record's ``source.path`` and messages; a name
    ending in .pdf makes bytes without a PDF header a ``not_a_pdf`` error, as a file of that name would be.

    Raises :class:`~kimextract.errors.InputError` for input that cannot be read as a document (missing, empty,
    encrypted, corrupt, an image or office file, binary, too many pages: its ``status`` says which), for a
    ``source`` of another type, for a stream that fails to read, and for options that are no :class:`Options`.
    Never raises anything else on purpose; a bug may."""
    options = _checked(options)
    with _open_document(source, name, options.max_pages) as document:
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
        raise InputError(f"extract_text takes a str, not {type(text).__name__}; extract_file takes bytes, a path or a file")
    text = LONE_SURROGATE.sub("\ufffd", text)  # one character for one: offsets hold
    return process_document(text_to_document(text), _checked(options))


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _open_document(source: DocumentSource, name: Optional[str], max_pages: Optional[int]) -> Document:
    if isinstance(source, (str, os.PathLike)):
        return read_document(os.fspath(source), max_pages)
    if name is None and isinstance(getattr(source, "name", None), str):
        name = source.name  # type: ignore[union-attr]  # a file object knows its path
    label = Path(name) if name is not None else None
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes_to_document(bytes(source), label, max_pages)
    if not callable(getattr(source, "read", None)):
        raise InputError(f"extract_file takes a path, bytes or a file opened for reading, not {type(source).__name__}")
    try:
        content = source.read()
    except (OSError, ValueError) as exc:  # ValueError: a closed file
        raise InputError(f"cannot read the stream: {exc}", label) from None
    if isinstance(content, str):
        text = LONE_SURROGATE.sub("\ufffd", content)
        encoding = getattr(source, "encoding", None)
        sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return text_to_document(text, label, sha256, normal_encoding(encoding) if isinstance(encoding, str) else None)
    if isinstance(content, (bytes, bytearray)):
        return bytes_to_document(bytes(content), label, max_pages)
    raise InputError(f"the stream gave {type(content).__name__}, not bytes or str", label)


def _checked(options: Optional[Options]) -> Options:
    if options is None:
        return Options()
    if not isinstance(options, Options):
        raise InputError(f"options must be kimextract.Options, not {type(options).__name__}")
    if options.ocr not in OCR_MODES:
        raise InputError(f"Options.ocr takes {', '.join(OCR_MODES)}, not {options.ocr!r}")
    return options


def process_document(document: Document, options: Options) -> DocumentRecord:
    from .checks import grants_to_findings
    from .info import engine
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
            encoding=document.encoding,
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
        engine=engine(options),
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
