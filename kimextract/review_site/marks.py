"""What a document's review page shows, taken from its record: the marks on the page (a value, a piece of
evidence, a grant's field, a repair, each with its box and offsets) and the entries of the side panel.

Every entry of the side panel has an id (``finding-3``, ``amount-2``, ``grant-1-amount``); the marks that
belong to it carry the same id, so that selecting the entry highlights its marks. Numbers are 1-based, as
the links users paste (``doc-12.html#finding-3``) read best.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..records import DocumentRecord, Finding, Grant, Provenance
from ..report import german

BBox = tuple[float, float, float, float]

# The kinds of values outlined on the page, in the order of the legend, with the name the panel gives them.
VALUE_KINDS = {"amount": "Amount", "date": "Date", "period": "Period", "position": "Position", "module": "Module"}
HIDDEN_KINDS = ("grant", "field")  # marks shown only while their entry is selected
GRANT_FIELDS = ("kind", "module", "programme", "authority", "decision_date", "amount", "positions", "positions_by",
                "period", "rate_per_fte")


@dataclass(frozen=True)
class Mark:
    """A span of the document shown on its page: a box on a page image, or marked characters of a text."""

    id: str  # the id of its entry in the side panel
    kind: str  # a key of VALUE_KINDS, or evidence, repair; grant and field (a grant's) show only when selected
    page: int
    start: int
    end: int
    bbox: Optional[BBox]
    title: str  # what hovering shows: the value and the characters it was read from
    severity: Optional[str] = None  # evidence: its finding's severity


@dataclass
class Entry:
    """One line of the side panel: a value, a finding, a grant field or a repair."""

    id: str
    kind: str
    page: Optional[int]  # the page its first mark stands on (None: no provenance)
    boxed: bool  # it has a box or offsets to show
    label: str = ""
    value: str = ""
    text: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class Review:
    """Everything the document page shows of one record."""

    marks: list[Mark]
    findings: list[Entry]
    grants: list[Entry]  # one per grant, its fields in extra["fields"] (Entries)
    values: dict[str, list[Entry]]  # kind -> entries
    repairs: list[Entry]


def record_review(record: DocumentRecord) -> Review:
    marks: list[Mark] = []
    values = {kind: _value_entries(kind, items, marks) for kind, items in _values_of(record).items()}
    findings = [_finding_entry(number, finding, marks) for number, finding in enumerate(record.findings, 1)]
    grants = [_grant_entry(number, grant, marks) for number, grant in enumerate(record.grants, 1)]
    repairs = [_repair_entry(number, repair, marks) for number, repair in enumerate(record.repairs, 1)]
    return Review(marks, findings, grants, values, repairs)


def _values_of(record: DocumentRecord) -> dict[str, list]:
    return {"amount": record.amounts, "date": record.dates, "period": record.periods, "position": record.positions,
            "module": record.modules}


def _value_entries(kind: str, items: list, marks: list[Mark]) -> list[Entry]:
    entries = []
    for number, item in enumerate(items, 1):
        entry_id, shown = f"{kind}-{number}", value_shown(kind, item)
        _add_mark(marks, entry_id, kind, item.provenance, f"{VALUE_KINDS[kind]} {shown} — read “{_flat(item.text)}”")
        entries.append(Entry(entry_id, kind, item.provenance.page, True, VALUE_KINDS[kind], shown, item.text))
    return entries


def value_shown(kind: str, item) -> str:
    """A value as the panel and the hover text show it, numbers and dates the German way."""
    if kind == "amount":
        per = f" per {item.per}" if item.per else ""
        words = f" (in words {german(format(item.words_value, 'f'))})" if item.words_value is not None else ""
        return f"{german(format(item.value, 'f'))} {_currency(item.currency)}{per}{words}"
    if kind == "date":
        return german(item.value.isoformat()) + (" (derived)" if item.derived else "")
    if kind == "period":
        return f"{german(item.start.isoformat())} – {german(item.end.isoformat())}"
    if kind == "position":
        return f"{german(format(item.fte, 'f'))} FTE" + (f", {item.role or item.authority}" if item.role or item.authority else "")
    return f"Modul {item.number}"


def _currency(code: str) -> str:
    return "€" if code == "EUR" else code


def _finding_entry(number: int, finding: Finding, marks: list[Mark]) -> Entry:
    entry_id = f"finding-{number}"
    evidence = []
    for item in finding.evidence:
        title = f"{finding.rule}: {item.label} {german(item.value)} — “{_flat(item.text)}”"
        boxed = _add_mark(marks, entry_id, "evidence", item.provenance, title, finding.severity)
        evidence.append({"label": item.label, "value": german(item.value), "text": item.text, "boxed": boxed,
                         "page": item.provenance.page if item.provenance else None})
    first = next((item.provenance.page for item in finding.evidence if item.provenance), None)
    return Entry(entry_id, "finding", first, any(e["boxed"] for e in evidence), finding.rule, finding.severity,
                 finding.message, {"module": finding.module, "evidence": evidence})


def _grant_entry(number: int, grant: Grant, marks: list[Mark]) -> Entry:
    grant_id = f"grant-{number}"
    _add_mark(marks, grant_id, "grant", grant.provenance, f"grant {number} — “{_flat(grant.text)}”")
    fields = []
    for name in GRANT_FIELDS:
        shown = _grant_field(grant, name)
        if shown is None:
            continue
        provenance = grant.evidence.get(name)
        field_id = f"{grant_id}-{name}"
        boxed = _add_mark(marks, field_id, "field", provenance, f"grant {number}, {name}: {shown}")
        fields.append(Entry(field_id, "field", provenance.page if provenance else None, boxed, name, shown))
    for index, instalment in enumerate(grant.instalments, 1):
        field_id = f"{grant_id}-instalment-{index}"
        shown = _instalment(instalment)
        boxed = _add_mark(marks, field_id, "field", instalment.provenance, f"grant {number}, instalment {index}: {shown}")
        fields.append(Entry(field_id, "field", instalment.provenance.page, boxed, f"instalment {index}", shown))
    return Entry(grant_id, "grant", grant.provenance.page, True, grant.kind, "", grant.text, {"fields": fields})


def _grant_field(grant: Grant, name: str) -> Optional[str]:
    value = getattr(grant, name)
    if value is None or value == {}:
        return None
    if name in ("amount", "rate_per_fte"):
        return f"{german(format(value, 'f'))} €"
    if name in ("positions",):
        return f"{german(format(value, 'f'))} FTE"
    if name == "positions_by":
        return ", ".join(f"{who}: {german(format(fte, 'f'))}" for who, fte in value.items())
    if name == "period":
        return f"{german(value[0].isoformat())} – {german(value[1].isoformat())}"
    if name == "decision_date":
        return german(value.isoformat())
    return str(value)


def _instalment(instalment) -> str:
    parts = []
    if instalment.amount is not None:
        parts.append(f"{german(format(instalment.amount, 'f'))} €")
    if instalment.fraction is not None:
        parts.append(f"share {german(format(instalment.fraction, 'f'))}")
    if instalment.date is not None:
        parts.append(german(instalment.date.isoformat()))
    if instalment.paid is not None:
        parts.append("paid" if instalment.paid else "due")
    return ", ".join(parts) or _flat(instalment.text)


def _repair_entry(number: int, repair, marks: list[Mark]) -> Entry:
    entry_id = f"repair-{number}"
    title = f"repaired {_flat(repair.original)!r} → {_flat(repair.repaired)!r} ({repair.reason}, {repair.confidence:.2f})"
    _add_mark(marks, entry_id, "repair", repair.provenance, title)
    return Entry(entry_id, "repair", repair.provenance.page, True, repair.reason, _visible(repair.repaired),
                 _visible(repair.original), {"confidence": repair.confidence})


def _visible(text: str) -> str:
    """A repair's characters with line breaks and an empty result made visible."""
    return text.replace("\n", "⏎").replace("\f", "⇟") or "∅"


def _add_mark(marks: list[Mark], entry_id: str, kind: str, provenance: Optional[Provenance], title: str,
              severity: Optional[str] = None) -> bool:
    """Add the mark of a provenance; False when there is none to show (no provenance, or an empty span)."""
    if provenance is None or (provenance.bbox is None and provenance.end <= provenance.start):
        return False
    marks.append(Mark(entry_id, kind, provenance.page, provenance.start, provenance.end, provenance.bbox, title, severity))
    return True


def _flat(text: str, limit: int = 160) -> str:
    """Text on one line for a hover, shortened."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
