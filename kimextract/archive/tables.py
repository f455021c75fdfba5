"""Document records as flat tables, one per list, joined by ``document_id``: the shape of the archive's
database, its Parquet files and its CSV files.

Types are those a data tool loads as they are: dates as dates, money and position shares as decimals of a
fixed scale, versions and codes as text, every period as ``period_start``/``period_end``, a grant's
``positions_by`` as rows of ``grant_positions``, its ``evidence`` as rows of ``grant_evidence``, every provenance as ``page``, ``start``, ``end`` and a box
(``x0``, ``top``, ``x1``, ``bottom``). Building them needs pyarrow (the ``archive`` extra).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Iterable, Optional, Union

import pyarrow as pa

from ..records import DocumentRecord, ErrorRecord, Evidence, Finding, Provenance

AnyRecord = Union[DocumentRecord, ErrorRecord]

MONEY = pa.decimal128(18, 2)  # euros to the cent
SHARE = pa.decimal128(12, 4)  # position shares (FTE) and fractions of a grant
PLACE = [("page", pa.int32()), ("start", pa.int64()), ("end", pa.int64()),
         ("x0", pa.float64()), ("top", pa.float64()), ("x1", pa.float64()), ("bottom", pa.float64())]
TEXT = pa.string()


def _schema(*columns: tuple[str, pa.DataType], place: bool = True) -> pa.Schema:
    return pa.schema(list(columns) + (PLACE if place else []))


SCHEMAS: dict[str, pa.Schema] = {
    "documents": _schema(
        ("document_id", TEXT), ("path", TEXT), ("sha256", TEXT), ("status", TEXT), ("error", TEXT),
        ("schema_version", TEXT), ("kind", TEXT), ("paper_type", TEXT), ("reference", TEXT), ("authority", TEXT),
        ("date", pa.date32()), ("meeting_date", pa.date32()), ("subject", TEXT), ("pages", pa.int32()),
        ("media_type", TEXT), ("ocr", pa.bool_()), ("encoding", TEXT), ("kimextract_version", TEXT), place=False),
    "amounts": _schema(
        ("document_id", TEXT), ("amount_index", pa.int32()), ("value", MONEY), ("currency", TEXT), ("qualifier", TEXT),
        ("per", TEXT), ("module", pa.int32()), ("in_words", TEXT), ("words_value", MONEY), ("text", TEXT)),
    "dates": _schema(
        ("document_id", TEXT), ("date_index", pa.int32()), ("value", pa.date32()), ("derived", pa.bool_()),
        ("year_from_context", pa.bool_()), ("text", TEXT)),
    "periods": _schema(
        ("document_id", TEXT), ("period_index", pa.int32()), ("period_start", pa.date32()), ("period_end", pa.date32()),
        ("text", TEXT)),
    "positions": _schema(
        ("document_id", TEXT), ("position_index", pa.int32()), ("fte", SHARE), ("authority", TEXT), ("role", TEXT),
        ("status", TEXT), ("module", pa.int32()), ("text", TEXT)),
    "grants": _schema(
        ("document_id", TEXT), ("grant_index", pa.int32()), ("kind", TEXT), ("reference", TEXT), ("programme", TEXT),
        ("authority", TEXT), ("decision_date", pa.date32()), ("recipient", TEXT), ("module", pa.int32()),
        ("amount", MONEY), ("positions", SHARE), ("period_start", pa.date32()), ("period_end", pa.date32()),
        ("rate_per_fte", MONEY), ("text", TEXT)),
    "grant_evidence": _schema(("document_id", TEXT), ("grant_index", pa.int32()), ("field", TEXT)),
    "grant_positions": _schema(
        ("document_id", TEXT), ("grant_index", pa.int32()), ("held_by", TEXT), ("fte", SHARE), place=False),
    "instalments": _schema(
        ("document_id", TEXT), ("grant_index", pa.int32()), ("instalment_index", pa.int32()), ("amount", MONEY),
        ("fraction", SHARE), ("date", pa.date32()), ("paid", pa.bool_()), ("text", TEXT)),
    "findings": _schema(
        ("finding_id", TEXT), ("document_id", TEXT), ("scope", TEXT), ("rule", TEXT), ("severity", TEXT),
        ("message", TEXT), ("module", pa.int32()), ("decision", TEXT), place=False),
    "evidence": _schema(
        ("finding_id", TEXT), ("evidence_index", pa.int32()), ("document_id", TEXT), ("path", TEXT), ("label", TEXT),
        ("value", TEXT), ("text", TEXT)),
    "repairs": _schema(
        ("document_id", TEXT), ("repair_index", pa.int32()), ("original", TEXT), ("repaired", TEXT),
        ("confidence", pa.float64()), ("reason", TEXT), ("text", TEXT)),
}
TABLES = list(SCHEMAS)


def document_id(record: AnyRecord) -> str:
    """What identifies a document in the archive: its content's sha256, else its path."""
    return record.source.sha256 or f"path:{record.source.path or ''}"


# Decimals travel to Arrow as text and are cast there: many times faster than converting Decimal objects.
def _money(value: Optional[Decimal]) -> Optional[str]:
    return None if value is None else format(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN), "f")


def _share(value: Optional[Decimal]) -> Optional[str]:
    return None if value is None else format(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN), "f")


def _staging(schema: pa.Schema) -> pa.Schema:
    """The schema with decimal columns as text, as the rows hold them."""
    return pa.schema([pa.field(f.name, pa.string() if pa.types.is_decimal(f.type) else f.type) for f in schema])


def _place(provenance: Optional[Provenance]) -> dict:
    if provenance is None:
        return {"page": None, "start": None, "end": None, "x0": None, "top": None, "x1": None, "bottom": None}
    box = provenance.bbox or (None, None, None, None)
    return {"page": provenance.page, "start": provenance.start, "end": provenance.end,
            "x0": box[0], "top": box[1], "x1": box[2], "bottom": box[3]}


class Rows:
    """Rows per table, gathered record by record and turned into Arrow tables of the documented types."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {name: [] for name in TABLES}

    def add_record(self, record: AnyRecord) -> None:
        key = document_id(record)
        self.rows["documents"].append(_document_row(key, record))
        if isinstance(record, DocumentRecord):
            self._add_values(key, record)
            for index, finding in enumerate(record.findings):
                self.add_finding(f"{key}:{index}", key, "document", finding, record.source.path)

    def add_finding(self, finding_id: str, key: Optional[str], scope: str, finding: Finding, path: Optional[str],
                    decision: Optional[str] = None) -> None:
        self.rows["findings"].append({"finding_id": finding_id, "document_id": key, "scope": scope, "rule": finding.rule,
                                      "severity": finding.severity, "message": finding.message, "module": finding.module,
                                      "decision": decision})
        for index, evidence in enumerate(finding.evidence):
            self.rows["evidence"].append(_evidence_row(finding_id, index, key, path, evidence))

    def _add_values(self, key: str, record: DocumentRecord) -> None:
        rows = self.rows
        for i, a in enumerate(record.amounts):
            rows["amounts"].append({"document_id": key, "amount_index": i, "value": _money(a.value), "currency": a.currency,
                                    "qualifier": a.qualifier, "per": a.per, "module": a.module, "in_words": a.in_words,
                                    "words_value": _money(a.words_value), "text": a.text, **_place(a.provenance)})
        for i, d in enumerate(record.dates):
            rows["dates"].append({"document_id": key, "date_index": i, "value": d.value, "derived": d.derived,
                                  "year_from_context": d.year_from_context, "text": d.text, **_place(d.provenance)})
        for i, p in enumerate(record.periods):
            rows["periods"].append({"document_id": key, "period_index": i, "period_start": p.start, "period_end": p.end,
                                    "text": p.text, **_place(p.provenance)})
        for i, p in enumerate(record.positions):
            rows["positions"].append({"document_id": key, "position_index": i, "fte": _share(p.fte), "authority": p.authority,
                                      "role": p.role, "status": p.status, "module": p.module, "text": p.text,
                                      **_place(p.provenance)})
        for i, g in enumerate(record.grants):
            start, end = g.period or (None, None)
            rows["grants"].append({"document_id": key, "grant_index": i, "kind": g.kind, "reference": g.reference,
                                   "programme": g.programme, "authority": g.authority, "decision_date": g.decision_date,
                                   "recipient": g.recipient, "module": g.module, "amount": _money(g.amount),
                                   "positions": _share(g.positions), "period_start": start, "period_end": end,
                                   "rate_per_fte": _money(g.rate_per_fte), "text": g.text, **_place(g.provenance)})
            for field, provenance in g.evidence.items():
                rows["grant_evidence"].append({"document_id": key, "grant_index": i, "field": field, **_place(provenance)})
            for held_by, fte in g.positions_by.items():
                rows["grant_positions"].append({"document_id": key, "grant_index": i, "held_by": held_by, "fte": _share(fte)})
            for j, s in enumerate(g.instalments):
                rows["instalments"].append({"document_id": key, "grant_index": i, "instalment_index": j,
                                            "amount": _money(s.amount), "fraction": _share(s.fraction), "date": s.date,
                                            "paid": s.paid, "text": s.text, **_place(s.provenance)})
        for i, r in enumerate(record.repairs):
            rows["repairs"].append({"document_id": key, "repair_index": i, "original": r.original, "repaired": r.repaired,
                                    "confidence": r.confidence, "reason": r.reason, "text": r.text, **_place(r.provenance)})

    def tables(self, names: Iterable[str] = TABLES) -> dict[str, pa.Table]:
        return {name: pa.Table.from_pylist(self.rows[name], schema=_staging(SCHEMAS[name])).cast(SCHEMAS[name]) for name in names}


def _document_row(key: str, record: AnyRecord) -> dict:
    source = record.source
    row = {"document_id": key, "path": source.path, "sha256": source.sha256, "status": record.status, "error": None,
           "schema_version": record.schema_version, "pages": source.pages, "media_type": source.media_type,
           "ocr": source.ocr, "encoding": source.encoding, "kind": None, "paper_type": None, "reference": None,
           "authority": None, "date": None, "meeting_date": None, "subject": None, "kimextract_version": None}
    if isinstance(record, ErrorRecord):
        row["error"] = record.error
        return row
    header = record.document
    row.update(kind=header.kind, paper_type=header.paperType, reference=header.reference, authority=header.authority,
               date=header.date, meeting_date=header.meeting_date, subject=header.subject,
               kimextract_version=record.engine.kimextract if record.engine else None)
    return row


def _evidence_row(finding_id: str, index: int, key: Optional[str], path: Optional[str], evidence: Evidence) -> dict:
    return {"finding_id": finding_id, "evidence_index": index, "document_id": evidence.sha256 or key,
            "path": evidence.path or path, "label": evidence.label, "value": evidence.value, "text": evidence.text,
            **_place(evidence.provenance)}


def records_to_tables(records: Iterable[AnyRecord]) -> dict[str, pa.Table]:
    rows = Rows()
    for record in records:
        rows.add_record(record)
    return rows.tables()

