"""The records kimextract writes: pydantic models, money and shares as Decimal, dates as date.

Every extracted value carries a :class:`Provenance` that points at the characters of the original
(unrepaired) text it came from, and at their box on the PDF page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_serializer

SCHEMA_VERSION = "1.0"


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Provenance(Record):
    """Where a value stands: page (1-based), offsets into the original document text, box on the page."""

    page: int = Field(description="1-based page number")
    start: int = Field(description="offset of the first character in the original document text")
    end: int = Field(description="offset after the last character in the original document text")
    bbox: Optional[tuple[float, float, float, float]] = Field(
        default=None, description="x0, top, x1, bottom in PDF points, origin at the page's top left"
    )


class Mention(Record):
    """A value found in the text: the original text and its provenance."""

    text: str = Field(description="the characters of the original text the value was read from")
    provenance: Provenance


def _decimal_str(value: Decimal | None) -> str | None:
    """Plain decimal string without exponent or trailing zeros: Decimal('412000.00') -> '412000'."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text


class Amount(Mention):
    value: Decimal = Field(description="amount in the currency, a plain decimal string in JSON")
    currency: str = "EUR"
    qualifier: Optional[str] = Field(default=None, description="bis zu, rund, ca., gut, mindestens, höchstens …")
    per: Optional[str] = Field(default=None, description="unit of a rate: Jahr, Tag, Monat, Stelle, Person …")
    module: Optional[int] = Field(default=None, description="the funding module the amount belongs to")
    in_words: Optional[str] = Field(default=None, description="the amount written in words beside it, if any")
    words_value: Optional[Decimal] = Field(default=None, description="the value of the words")

    @field_serializer("value", "words_value")
    def _ser(self, v: Decimal | None) -> str | None:
        return _decimal_str(v)


class DateMention(Mention):
    value: dt.date
    derived: bool = Field(default=False, description="a deadline derived from a phrase such as 'bis Ende des Jahres 2022'")
    year_from_context: bool = Field(default=False, description="the text gives no year; it was taken from context")


class Period(Mention):
    start: dt.date
    end: dt.date


class Position(Mention):
    fte: Decimal = Field(description="position share in full-time equivalents")
    authority: Optional[str] = Field(default=None, description="Ausländerbehörde, Einbürgerungsbehörde …")
    role: Optional[str] = Field(default=None, description="Koordination, Case Management, Verwaltungsassistenz …")
    status: Optional[Literal["funded", "planned", "filled", "not_set_up"]] = None
    module: Optional[int] = None

    @field_serializer("fte")
    def _ser(self, v: Decimal) -> str | None:
        return _decimal_str(v)


class Module(Mention):
    number: int
    mentions: int = Field(default=1, description="how often the module is named")


class Instalment(Record):
    amount: Optional[Decimal] = None
    fraction: Optional[Decimal] = Field(default=None, description="share of the grant, e.g. 0.5 for 'die Hälfte'")
    date: Optional[dt.date] = None
    paid: Optional[bool] = Field(default=None, description="already paid (True) or due (False)")
    text: str
    provenance: Provenance

    @field_serializer("amount", "fraction")
    def _ser(self, v: Decimal | None) -> str | None:
        return _decimal_str(v)


class Grant(Mention):
    """One funding decision of an authority, with the fields linked from the text around it."""

    kind: Literal["decision", "change", "earlier"] = Field(
        default="decision",
        description="decision; change: a decision that changes or fixes an earlier one; earlier: that earlier decision as the change cites it",
    )
    module: Optional[int] = None
    programme: Optional[str] = None
    authority: Optional[str] = None
    decision_date: Optional[dt.date] = None
    amount: Optional[Decimal] = None
    positions: Optional[Decimal] = Field(default=None, description="FTE covered by the grant")
    positions_by: dict[str, Decimal] = Field(default_factory=dict, description="FTE per authority or role")
    period: Optional[tuple[dt.date, dt.date]] = None
    instalments: list[Instalment] = Field(default_factory=list)
    rate_per_fte: Optional[Decimal] = Field(default=None, description="amount / positions")
    evidence: dict[str, Provenance] = Field(default_factory=dict, description="provenance of each field")
    _scope: Optional[tuple[int, int]] = PrivateAttr(default=None)  # the grant's text in the repaired view

    @field_serializer("amount", "positions", "rate_per_fte")
    def _ser(self, v: Decimal | None) -> str | None:
        return _decimal_str(v)

    @field_serializer("positions_by")
    def _ser_by(self, v: dict[str, Decimal]) -> dict[str, str | None]:
        return {k: _decimal_str(x) for k, x in v.items()}


class Evidence(Record):
    label: str = Field(description="what the value is in the check, e.g. 'Teil', 'Summe', 'Zahlung'")
    value: str
    text: str
    provenance: Optional[Provenance] = None


class Finding(Record):
    rule: str = Field(description="stable code of the rule, e.g. amount_sum_mismatch")
    severity: Literal["error", "warning", "info"]
    message: str = Field(description="German, for an auditor")
    module: Optional[int] = None
    evidence: list[Evidence] = Field(default_factory=list)


class RepairRecord(Record):
    original: str
    repaired: str
    confidence: float
    reason: str
    text: str
    provenance: Provenance


class Source(Record):
    path: Optional[str] = Field(default=None, description="the input's path as text; bytes that are not UTF-8 shown as U+FFFD")
    path_bytes: Optional[str] = Field(
        default=None, description="the path's bytes in hex, only where they are not UTF-8 (names copied from latin-1 systems)"
    )
    sha256: Optional[str] = None
    pages: int = 0
    media_type: str = "text/plain"
    pages_without_text: list[int] = Field(default_factory=list, description="1-based pages with no text layer")
    ocr: bool = Field(default=False, description="text was produced by OCR in this run")
    encoding: Optional[str] = Field(default=None, description="the encoding a text file was read in (utf-8, cp1252 …); null for a PDF")


def source_path(path: Optional[str]) -> dict[str, Optional[str]]:
    """``path`` and, where the name is no valid UTF-8 (a surrogate-escaped byte from the file system),
    ``path_bytes``: the display name and the exact bytes, so that a record always serializes and loses nothing.

    >>> source_path("caf\\udce9.txt")
    {'path': 'caf�.txt', 'path_bytes': '636166e92e747874'}
    """
    if path is None:
        return {"path": None, "path_bytes": None}
    raw = path.encode("utf-8", "surrogateescape")
    try:
        raw.decode("utf-8")
        return {"path": path, "path_bytes": None}
    except UnicodeDecodeError:
        return {"path": raw.decode("utf-8", "replace"), "path_bytes": raw.hex()}


class DocumentHeader(Record):
    """The paper's header; field names follow OParl 1.1's Paper where one fits."""

    kind: Literal[
        "bescheid", "berichtsvorlage", "beschlussvorlage", "mitteilungsvorlage", "niederschrift", "antrag",
        "stellungnahme", "rede", "bericht", "haushalt", "richtlinie", "verordnung", "gericht", "schreiben",
        "pressemitteilung", "verwendungsnachweis", "other",
    ] = "other"
    kind_cue: Optional[str] = Field(default=None, description="the words that decided the kind (a title line or a cue of the body)")
    paperType: Optional[str] = Field(default=None, description="the kind as written, e.g. 'Zuwendungsbescheid'")
    reference: Optional[str] = None
    name: Optional[str] = Field(default=None, description="title of the paper (OParl); the subject")
    authority: Optional[str] = None
    date: Optional[dt.date] = None
    meeting_date: Optional[dt.date] = None
    subject: Optional[str] = None


class EngineOptions(Record):
    repair: bool = True
    ocr: Literal["auto", "always", "never"] = "auto"
    disabled_rules: list[str] = Field(default_factory=list)
    max_pages: Optional[int] = None


class Engine(Record):
    """What made a record: versions of kimextract and the engines it ran, and the options, for reproducing it."""

    kimextract: str
    python: str
    spacy: str
    pypdfium2: str
    tesseract: Optional[str] = Field(default=None, description="Tesseract's version; null when it is not installed")
    rereading: bool = Field(
        default=False,
        description="numbers behind error findings on scanned pages can be re-read from the page image "
        "(Tesseract with the German model installed)",
    )
    options: EngineOptions = Field(default_factory=EngineOptions)


def _worker_field():
    """``worker``: written only when set, so that a record made on this machine is as it always was."""
    return Field(default=None, exclude_if=lambda worker: worker is None,
                 description="the Dask worker that made this record (its address); only in a batch run on a cluster")


class DocumentRecord(Record):
    """Everything kimextract found in one document."""

    schema_version: str = SCHEMA_VERSION
    status: Literal["ok"] = "ok"
    source: Source
    document: DocumentHeader
    amounts: list[Amount] = Field(default_factory=list)
    dates: list[DateMention] = Field(default_factory=list)
    periods: list[Period] = Field(default_factory=list)
    positions: list[Position] = Field(default_factory=list)
    modules: list[Module] = Field(default_factory=list)
    grants: list[Grant] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    repairs: list[RepairRecord] = Field(default_factory=list)
    engine: Optional[Engine] = Field(default=None, description="the versions and options that made this record")
    worker: Optional[str] = _worker_field()


class ErrorRecord(Record):
    """What a batch writes for an input that could not be processed."""

    schema_version: str = SCHEMA_VERSION
    status: str = Field(
        description="encrypted, corrupt, not_a_pdf, empty, no_text_layer, timeout, too_large, unsupported (an image or "
        "office file), unreadable, unwritable (its --out-dir file cannot be written); "
        "crashed (the worker process died) or internal (a bug)"
    )
    source: Source
    error: str
    worker: Optional[str] = _worker_field()
