"""The records kimextract writes: pydantic models, money and shares as Decimal, dates as date.

Every extracted value carries a :class:`Provenance` that points at the characters of the original
(unrepaired) text it came from, and at their box on the PDF page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Iterator, Literal, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, PrivateAttr, WithJsonSchema

from .rules import ArchiveRule, Rule

# Three parts, so that no reader takes it for a number ('1.0' loads as a float in pandas).
SCHEMA_VERSION = "2.0.0"
SCHEMA_ID = f"urn:kimextract:schema:record:{SCHEMA_VERSION}"
DECIMAL_PATTERN = r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?$"
RULE_CODES = [rule.value for rule in Rule] + [rule.value for rule in ArchiveRule]
ERROR_STATUSES = ["encrypted", "corrupt", "not_a_pdf", "empty", "no_text_layer", "timeout", "too_large", "unsupported",
                  "unreadable", "unwritable", "crashed", "internal"]


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


# A Decimal in Python, a plain decimal string in JSON ('412000', '0.5'): exact, and never read as a float.
DecimalStr = Annotated[
    Decimal,
    PlainSerializer(_decimal_str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN}, mode="serialization"),
]


class DateSpan(BaseModel):
    """A period as JSON writes it, in grants as in ``periods``: {"start": date, "end": date}."""

    model_config = ConfigDict(extra="forbid")
    start: dt.date
    end: dt.date


def _period_in(value: object) -> object:
    """A period given as {"start", "end"} (this shape) or as [start, end] (records of schema 1.0)."""
    if isinstance(value, dict):
        return (value.get("start"), value.get("end"))
    return value


def _period_out(value: tuple[dt.date, dt.date]) -> DateSpan:
    return DateSpan(start=value[0], end=value[1])


# (start, end) in Python; {"start", "end"} in JSON, the shape of the ``periods`` list.
PeriodTuple = Annotated[tuple[dt.date, dt.date], BeforeValidator(_period_in), PlainSerializer(_period_out, return_type=DateSpan)]


class Amount(Mention):
    value: DecimalStr = Field(description="amount in the currency, a plain decimal string in JSON")
    currency: str = "EUR"
    qualifier: Optional[str] = Field(default=None, description="bis zu, rund, ca., gut, mindestens, höchstens …")
    per: Optional[str] = Field(default=None, description="unit of a rate: Jahr, Tag, Monat, Stelle, Person …")
    module: Optional[int] = Field(default=None, description="the funding module the amount belongs to")
    in_words: Optional[str] = Field(default=None, description="the amount written in words beside it, if any")
    words_value: Optional[DecimalStr] = Field(default=None, description="the value of the words")
    words_provenance: Optional[Provenance] = Field(default=None, description="where the words stand")


class DateMention(Mention):
    value: dt.date
    derived: bool = Field(default=False, description="a deadline derived from a phrase such as 'bis Ende des Jahres 2022'")
    year_from_context: bool = Field(default=False, description="the text gives no year; it was taken from context")


class Period(Mention):
    start: dt.date
    end: dt.date


class Position(Mention):
    fte: DecimalStr = Field(description="position share in full-time equivalents")
    authority: Optional[str] = Field(default=None, description="Ausländerbehörde, Einbürgerungsbehörde …")
    role: Optional[str] = Field(default=None, description="Koordination, Case Management, Verwaltungsassistenz …")
    status: Optional[Literal["funded", "planned", "filled", "not_set_up"]] = None
    module: Optional[int] = None


class Module(Mention):
    number: int
    mentions: int = Field(default=1, description="how often the module is named")


class Instalment(Record):
    amount: Optional[DecimalStr] = None
    fraction: Optional[DecimalStr] = Field(default=None, description="share of the grant, e.g. 0.5 for 'die Hälfte'")
    date: Optional[dt.date] = None
    paid: Optional[bool] = Field(default=None, description="already paid (True) or due (False)")
    text: str
    provenance: Provenance


class Grant(Mention):
    """One funding decision of an authority, with the fields linked from the text around it."""

    kind: Literal["decision", "change", "earlier", "cited"] = Field(
        default="decision",
        description="decision; change: a decision that changes or fixes an earlier one; earlier: that earlier decision "
                    "as the change cites it; cited: a decision a paper that decides nothing reports",
    )
    reference: Optional[str] = Field(
        default=None, description="the file number (Aktenzeichen) the decision bears, or that the paper cites for it")
    module: Optional[int] = None
    programme: Optional[str] = Field(default=None, description="the funding programme, e.g. 'Kommunales Integrationsmanagement'")
    authority: Optional[str] = None
    decision_date: Optional[dt.date] = None
    recipient: Optional[str] = Field(default=None, description="who receives the grant, where the paper names it")
    amount: Optional[DecimalStr] = None
    positions: Optional[DecimalStr] = Field(default=None, description="FTE covered by the grant")
    positions_by: dict[str, DecimalStr] = Field(default_factory=dict, description="FTE per authority or role")
    period: Optional[PeriodTuple] = Field(default=None, description="(start, end); in JSON {start, end} as in periods")
    instalments: list[Instalment] = Field(default_factory=list)
    rate_per_fte: Optional[DecimalStr] = Field(default=None, description="amount / positions")
    evidence: dict[str, Provenance] = Field(default_factory=dict, description="provenance of each field")
    _scope: Optional[tuple[int, int]] = PrivateAttr(default=None)  # the grant's text in the repaired view


class Evidence(Record):
    label: str = Field(description="what the value is in the check, e.g. 'Teil', 'Summe', 'Zahlung'")
    value: str
    text: str
    provenance: Optional[Provenance] = None
    path: Optional[str] = Field(default=None, description="the document the value stands in (cross-document findings)")
    sha256: Optional[str] = Field(default=None, description="that document's sha256 (cross-document findings)")


class Finding(Record):
    rule: str = Field(description="stable code of the rule, e.g. amount_sum_mismatch", json_schema_extra={"enum": RULE_CODES})
    severity: Literal["error", "warning", "info"]
    message: str = Field(description="German, for an auditor")
    module: Optional[int] = None
    evidence: list[Evidence] = Field(default_factory=list)


class ArchiveFinding(Finding):
    """A finding across the documents of an archive; its evidence names the document of every value."""

    decision: Optional[str] = Field(default=None, description="the decision the papers state: its file number, or body, date and module")


class RepairRecord(Record):
    original: str
    repaired: str
    confidence: float
    reason: str
    text: str
    provenance: Provenance


class OcrPage(Record):
    """A page kimextract read with OCR in this run, and what read it."""

    page: int = Field(description="1-based page")
    engine: str = "tesseract"
    version: Optional[str] = None
    language: str = Field(description="Tesseract's language models, e.g. 'deu' or 'deu+eng'")
    dpi: int = Field(description="the resolution the page was rendered at for OCR")


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
    ocr_pages: list[OcrPage] = Field(default_factory=list, description="the pages OCR'd in this run, each with its engine, version, language and resolution")
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
    ocr_language: str = "deu"
    ocr_dpi: int = 300
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

    def located(self) -> Iterator[tuple[str, str, Provenance]]:
        """Every text of this record that points into the document: (what, text, provenance). Each text is the
        original text from the provenance's start to its end, which a reader can check."""
        for what in ("amounts", "dates", "periods", "positions", "modules"):
            for item in getattr(self, what):
                yield what, item.text, item.provenance
        for grant in self.grants:
            if grant.provenance is not None:
                yield "grant", grant.text, grant.provenance
            for instalment in grant.instalments:
                if instalment.provenance is not None:
                    yield "instalment", instalment.text, instalment.provenance
        for finding in self.findings:
            for evidence in finding.evidence:
                if evidence.provenance is not None and evidence.path is None:
                    yield f"evidence of {finding.rule}", evidence.text, evidence.provenance


class ErrorRecord(Record):
    """What a batch writes for an input that could not be processed."""

    schema_version: str = SCHEMA_VERSION
    status: str = Field(
        json_schema_extra={"enum": ERROR_STATUSES},
        description="encrypted, corrupt, not_a_pdf, empty, no_text_layer, timeout, too_large, unsupported (an image or "
        "office file), unreadable, unwritable (its --out-dir file cannot be written); "
        "crashed (the worker process died) or internal (a bug)"
    )
    source: Source
    error: str
    worker: Optional[str] = _worker_field()


class OParlPaper(Record):
    """What the council information system says about a paper (OParl 1.1 Paper)."""

    id: str
    reference: Optional[str] = None
    date: Optional[str] = Field(default=None, description="as the server writes it, normally YYYY-MM-DD")
    paperType: Optional[str] = None
    name: Optional[str] = None
    modified: Optional[str] = None
    deleted: bool = False
    web: Optional[str] = None


class OParlFile(Record):
    """What the council information system says about one file of a paper (OParl 1.1 File)."""

    id: str
    role: Literal["mainFile", "auxiliaryFile"] = "mainFile"
    name: Optional[str] = None
    fileName: Optional[str] = None
    mimeType: Optional[str] = None
    size: Optional[int] = None
    sha1Checksum: Optional[str] = None
    sha512Checksum: Optional[str] = None
    modified: Optional[str] = None
    accessUrl: Optional[str] = None
    downloadUrl: Optional[str] = None


class OParlSource(Record):
    """Where a harvested file comes from: the system, the body, the paper and the file."""

    url: str = Field(description="the System or Body URL the harvest started from")
    body: Optional[str] = Field(default=None, description="the Body's id")
    body_name: Optional[str] = None
    paper: Optional[OParlPaper] = None
    file: Optional[OParlFile] = None
    list_url: Optional[str] = Field(default=None, description="a list page that could not be read (status list_failed)")


class Content(Record):
    """The downloaded bytes, stored once by their sha256 under the harvest folder."""

    sha256: str
    size: int
    path: str = Field(description="relative to the harvest folder")


class HarvestRecord(Record):
    """One file of a council information system: what the system says about it beside what kimextract read."""

    schema_version: str = SCHEMA_VERSION
    status: str = Field(
        description="ok; the read's own error status (corrupt, encrypted …); or why the file was not read: "
        "not_found, http_error, timeout, checksum_mismatch, unsupported (not a PDF or text), too_large, "
        "bad_response, list_failed (a list page that kept failing)"
    )
    withdrawn: bool = Field(default=False, description="the system deleted the paper or file; what was read stays")
    oparl: OParlSource
    content: Optional[Content] = None
    findings: list[Finding] = Field(default_factory=list, description="where the paper's own header and the system disagree")
    error: Optional[str] = None
    read: Optional[DocumentRecord | ErrorRecord] = Field(default=None, description="kimextract's record of the content")
