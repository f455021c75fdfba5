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
from .records import DocumentRecord, OcrPage, Provenance, RepairRecord, Source, source_path

# What extract_file reads: a path, the document's bytes, or a file opened for reading.
DocumentSource = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes], IO[str]]
OCR_MODES = ("auto", "always", "never")


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
    ocr_language: str = "deu"  # Tesseract's language models, 'deu' or 'deu+eng'
    ocr_dpi: int = 300  # the resolution pages are rendered at for OCR
    verify: bool = True  # re-read the numbers of error findings from the page image (PDF, with Tesseract)
    timeout: Optional[float] = None


def extract_file(source: DocumentSource, options: Optional[Options] = None, *, name: Optional[str] = None) -> DocumentRecord:
    """Read a PDF or a text (in any encoding) and extract everything from it.

    ``source`` is a path, the document's bytes, or a file opened for reading (binary; a text stream is read as
    the text it gives). ``name`` names bytes and streams in the record's ``source.path`` and messages; a name
    ending in .pdf makes bytes without a PDF header a ``not_a_pdf`` error, as a file of that name would be.

    Raises, all of them :class:`~kimextract.errors.KimextractError`:

    - :class:`~kimextract.errors.InputError` for input that cannot be read as a document (missing, empty,
      encrypted, corrupt, an image or office file, binary: its ``status`` says which), for a ``source`` of
      another type, for a stream that fails to read, and for options that are no :class:`Options`;
    - :class:`~kimextract.errors.TooLargeError`, an InputError, for one over a size limit (``max_pages``, a file
      over 512 MiB, the caps on inflated streams and characters in :mod:`kimextract.read`);
    - :class:`~kimextract.errors.ExtractionTimeout`, also a builtin TimeoutError, when ``options.timeout`` runs
      out.

    Never raises anything else on purpose; a bug may."""
    options = _checked(options)
    if options.timeout:
        from .pool import extract_in_worker

        return extract_in_worker("extract_file", _portable(source, name), options, name)
    with _open_document(source, name, options.max_pages) as document:
        if options.ocr != "never" and (document.media_type == "application/pdf" or document.media_type.startswith("image/")):
            from .ocr import ocr_missing_pages

            ocr_missing_pages(document, force=options.ocr == "always", language=options.ocr_language, dpi=options.ocr_dpi)
        return process_document(document, options)


def extract_text(text: str, options: Optional[Options] = None) -> DocumentRecord:
    """Extract everything from a text (pages separated by form feeds). Characters a text cannot hold in UTF-8
    (lone surrogates) are read as U+FFFD.

    Raises :class:`~kimextract.errors.InputError` for a ``text`` that is no ``str``, and otherwise what
    :func:`extract_file` raises; never spaCy's length error."""
    if not isinstance(text, str):
        raise InputError(f"extract_text takes a str, not {type(text).__name__}; extract_file takes bytes, a path or a file")
    options = _checked(options)
    if options.timeout:
        from .pool import extract_in_worker

        return extract_in_worker("extract_text", text, options)
    text = LONE_SURROGATE.sub("\ufffd", text)  # one character for one: offsets hold
    return process_document(text_to_document(text), options)


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
    content = _read_stream(source, label)
    if isinstance(content, str):
        text = LONE_SURROGATE.sub("\ufffd", content)
        encoding = getattr(source, "encoding", None)
        sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return text_to_document(text, label, sha256, normal_encoding(encoding) if isinstance(encoding, str) else None)
    if isinstance(content, (bytes, bytearray)):
        return bytes_to_document(bytes(content), label, max_pages)
    raise InputError(f"the stream gave {type(content).__name__}, not bytes or str", label)


def _read_stream(source, label: Optional[Path]) -> bytes | str:
    try:
        return source.read()
    except (OSError, ValueError) as exc:  # ValueError: a closed file
        raise InputError(f"cannot read the stream: {exc}", label) from None


@dataclass
class _ReadStream:
    """A stream's content, read in this process, standing in for the stream in a worker process."""

    content: bytes | str
    name: Optional[str]
    encoding: Optional[str]

    def read(self) -> bytes | str:
        return self.content


def _portable(source: DocumentSource, name: Optional[str]):
    """The source as it can travel to a worker process (pickled): a path as str, bytes as bytes, a stream read."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, (bytes, bytearray, memoryview)) or not callable(getattr(source, "read", None)):
        return bytes(source) if isinstance(source, (bytearray, memoryview)) else source
    label = name if name is not None else getattr(source, "name", None)
    encoding = getattr(source, "encoding", None)
    return _ReadStream(_read_stream(source, Path(label) if isinstance(label, str) else None),
                       label if isinstance(label, str) else None, encoding if isinstance(encoding, str) else None)


def _checked(options: Optional[Options]) -> Options:
    if options is None:
        return Options()
    if not isinstance(options, Options):
        raise InputError(f"options must be kimextract.Options, not {type(options).__name__}")
    if options.ocr not in OCR_MODES:
        raise InputError(f"Options.ocr takes {', '.join(OCR_MODES)}, not {options.ocr!r}")
    if not isinstance(options.ocr_language, str) or not re.fullmatch(r"[a-z_]{3,}(?:\+[a-z_]{3,})*", options.ocr_language):
        raise InputError(f"Options.ocr_language takes Tesseract language codes such as 'deu' or 'deu+eng', not {options.ocr_language!r}")
    if isinstance(options.ocr_dpi, bool) or not isinstance(options.ocr_dpi, int) or not 70 <= options.ocr_dpi <= 1200:
        raise InputError(f"Options.ocr_dpi takes a resolution from 70 to 1200, not {options.ocr_dpi!r}")
    timeout = options.timeout
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0):
        raise InputError(f"options.timeout must be a number of seconds above 0 or None, not {timeout!r}")
    return options


def process_document(document: Document, options: Options) -> DocumentRecord:
    from .nlp import text_to_doc  # first: it imports spaCy (see kimextract.spacy_import)
    from .checks import grants_to_findings
    from .info import engine
    from .extract import View, doc_to_mentions
    from .link import mentions_to_grants
    from .link.identity import identify
    from .repair import repair_text

    repaired = repair_text(document.text) if options.repair else None
    view = View(document.text, document) if repaired is None else View(repaired.text, document, repaired.to_original)
    doc = text_to_doc(view.text)
    mentions = doc_to_mentions(doc, view)
    grants = mentions_to_grants(doc, view, mentions)
    identify(view, mentions, grants)  # the file number, programme and recipient that tie a grant to its decision
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
            ocr_pages=[OcrPage(**page) for page in document.ocr_pages],
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
