"""spaCy Doc → value records with provenance: amounts, dates, periods, positions, modules, and the header.

The scanners found the values in the (repaired) text; here they are filtered (reference numbers, phone
numbers), completed from context (table cells, amounts in words, what a position is for) and given their
provenance in the original text.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Callable, Optional

import regex
from spacy.tokens import Doc, Span

from . import values
from .header import read_header
from .structure import Structure, Table, read_structure
from .structure.tables import YEAR, looks_like_money
from .nlp import TERMS_KEY
from .read import Document
from .records import (
    Amount,
    DateMention,
    DocumentHeader,
    Module,
    Period,
    Position,
    Provenance,
)
from .resources import domain_terms
from .values import Hit

# Places where digits are references, not values: Aktenzeichen, phone and fax numbers, bank details.
QUIET_ZONE = regex.compile(
    r"""
      (?:\bAz\.?|\bAktenzeichen|\bGesch(?:ä|a)ftszeichen|\bGZ|\bUnser\s+Zeichen|\bIhr\s+Zeichen)\s*[:.]?\s*
      (?:[^\n),;]|,(?!\s)){1,50}?(?=\)|;|,\s|\s+vom\b|[ \t]*\n|$)    # to the end of the reference
    | (?:\bTel(?:efon)?|\bFax|\bTelefax|\bDurchwahl|\bRuf)\.?\s*[:.]?\s*[+\d][\d\s/()-]{4,}\d
    | \bIBAN\s*:?\s*[A-Z]{2}[\d\s]{10,}
    | \b(?:Vorlage(?:n)?[- ]?Nr|Drucksache(?:n)?[- ]?Nr|Drs)\.?\s*:?\s*[\w/.-]+
    | \bNr\.\s*\d+(?:\.\d+)+\b
    | \b(?:Version|Vers\.|Fassung|Release|Stand\s+v)\s*\d+(?:\.\d+)+
    | \b(?:Produkt\w*|Kostenstelle\w*|Sachkont\w*|Haushaltsstelle\w*|Investitionsma(?:ß|ss)nahme\w*|Konto|Kapitel|Titel)
      \s*(?:Nr\.?\s*)?:?\s*[A-Z]?[\d][\d./-]*
    """,
    regex.VERBOSE | regex.IGNORECASE,
)

MONEY_CELL = regex.compile(values.NUMBER, regex.VERBOSE)
IN_WORDS = regex.compile(  # 'in Worten: …', or the words in brackets right after the digits
    r"(?:\(?\s*in\s+(?:Wor-?\s*ten|Buch-?\s*staben)\s*[:]?|(?<=(?:€|EUR|Euro)\s*)\()\s*(?P<words>[\wäöüß\s-]+?)\s+(?:Euro|EUR)\b"
    r"(?:\s*(?:und|,)\s*(?P<cents>[\wäöüß]+)\s+Cent)?",
    regex.IGNORECASE,
)


@dataclass
class View:
    """The text the extractors read (repaired), and the way back to the original document."""

    text: str
    document: Document
    to_original: Callable[[int], int] = lambda pos: pos

    def from_original(self, pos: int) -> int:
        """Offset in the view of an offset in the original text (the first view offset that maps there)."""
        if self.text is self.document.text:
            return pos
        # to_original is monotone: bisect over the view's offsets, mapping only the ones it looks at
        return bisect.bisect_left(range(len(self.text) + 1), pos, key=self.to_original)

    def provenance(self, start: int, end: int) -> tuple[str, Provenance]:
        """The original text of the view's span, without the whitespace around it, and where it stands."""
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        original_start, original_end = self.to_original(start), self.to_original(end)
        original_text = self.document.text[original_start:original_end]
        page = self.document.page_of(original_start)
        bbox = self.document.bbox(original_start, original_end)
        return original_text, Provenance(page=page, start=original_start, end=original_end, bbox=bbox)


@dataclass
class Mentions:
    header: DocumentHeader
    amounts: list[Amount] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)
    module_hits: list[Hit] = field(default_factory=list)
    structure: Optional[Structure] = None
    period_dates: set[int] = field(default_factory=set)  # ids of the dates that stand inside a period ('01.01.–31.12.')


def doc_to_mentions(doc: Doc, view: View) -> Mentions:
    """All value records of a document, in document order."""
    text = view.text
    quiet = [m.span() for m in QUIET_ZONE.finditer(text)]
    hits = {kind: _outside(_hits(doc, kind), quiet) for kind in ("amounts", "dates", "derived_dates", "positions", "modules")}
    structure = read_structure(text, hits["dates"])
    table_amounts, table_positions = table_hits(structure.tables, hits["amounts"] + hits["positions"] + hits["dates"])
    amount_hits = sorted(hits["amounts"] + table_amounts, key=lambda h: h.start)
    position_hits = sorted(hits["positions"] + table_positions, key=lambda h: h.start)
    attach_words(text, amount_hits)
    mentions = Mentions(header=read_header(structure, hits["dates"]), structure=structure)
    mentions.amounts = [_amount(view, h) for h in amount_hits]
    mentions.dates = [_date(view, h) for h in sorted(hits["dates"] + hits["derived_dates"], key=lambda h: h.start)]
    mentions.periods = _periods(view, hits["dates"])
    mentions.period_dates = _inside_periods(mentions.dates, mentions.periods)
    mentions.positions = [_position(doc, view, h) for h in position_hits]
    mentions.module_hits = hits["modules"]
    mentions.modules = _modules(view, hits["modules"])
    return mentions


def _hits(doc: Doc, kind: str) -> list[Hit]:
    return list(doc.user_data.get(f"kim_{kind}", []))


def _outside(hits: list[Hit], zones: list[tuple[int, int]]) -> list[Hit]:
    """The hits that start in none of the zones (zones in order, as a regex finds them)."""
    starts = [s for s, _ in zones]
    def inside(offset: int) -> bool:
        index = bisect.bisect_right(starts, offset) - 1
        return index >= 0 and offset < zones[index][1]
    return [h for h in hits if not inside(h.start)]


def table_hits(tables: list[Table], taken: list[Hit]) -> tuple[list[Hit], list[Hit]]:
    """Bare numbers in tables: euros in a column whose header or caption names the unit ('(Beträge in €)',
    'T€'), posts in a Stellen/VZÄ column. Cells the scanners read already (with their currency) stay theirs."""
    amounts, positions = [], []
    occupied = sorted((h.start, h.end) for h in taken)
    starts = [s for s, _ in occupied]
    for table in tables:
        for row in table.rows:
            for cell, column in zip(row.cells, row.columns):
                if cell.value is None or _overlaps(occupied, starts, cell.start, cell.end) or YEAR.match(cell.text):
                    continue
                factor = table.factors.get(column)
                if column in table.stellen:
                    positions.append(Hit("position", cell.start, cell.end, values.plain(cell.value), {"table": True}))
                elif factor is not None and (factor > 1 or looks_like_money(cell)):
                    amounts.append(Hit("amount", cell.start, cell.end, values.plain(cell.value * factor), {"table": True}))
    return amounts, positions


def _overlaps(spans: list[tuple[int, int]], starts: list[int], start: int, end: int) -> bool:
    index = bisect.bisect_right(starts, start) - 1
    return any(s < end and start < e for s, e in spans[max(0, index):index + 2])


def is_table_cell(mention) -> bool:
    """A bare number, without currency or unit: a cell of a table."""
    return MONEY_CELL.fullmatch(mention.text.strip()) is not None


def _line_end(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end < 0 else end


def attach_words(text: str, amount_hits: list[Hit]) -> None:
    """Attach 'in Worten: … Euro' to the amount in digits just before it."""
    ends = [h.end for h in amount_hits]  # hits in order of their starts, so of their ends too
    for match in IN_WORDS.finditer(text):
        last = bisect.bisect_right(ends, match.start())
        before = [h for h in amount_hits[max(0, last - 3):last] if match.start() - h.end <= 60]
        if not before:
            continue
        words_value = values.parse_number_words(match["words"])
        if words_value is None:
            continue
        value = Decimal(words_value)
        if match["cents"]:
            cents = values.parse_number_words(match["cents"]) if not match["cents"].isdigit() else int(match["cents"])
            value += Decimal(cents or 0) / 100
        target = before[-1]
        words = match.group()
        target.details["in_words"] = words.strip(" (")
        target.details["in_words_span"] = (match.start() + len(words) - len(words.lstrip(" (")),
                                           match.end() - len(words) + len(words.rstrip(" (")))
        target.details["words_value"] = values.plain(value)


def _amount(view: View, hit: Hit) -> Amount:
    text, provenance = view.provenance(hit.start, hit.end)
    return Amount(
        text=text,
        provenance=provenance,
        value=hit.value,
        qualifier=hit.details.get("qualifier"),
        per=hit.details.get("per"),
        in_words=hit.details.get("in_words"),
        words_value=hit.details.get("words_value"),
        words_provenance=view.provenance(*hit.details["in_words_span"])[1] if "in_words_span" in hit.details else None,
    )


def _date(view: View, hit: Hit) -> DateMention:
    text, provenance = view.provenance(hit.start, hit.end)
    return DateMention(
        text=text,
        provenance=provenance,
        value=hit.value,
        derived=bool(hit.details.get("derived")),
        year_from_context=bool(hit.details.get("year_from_context")),
    )


def _periods(view: View, date_hits: list[Hit]) -> list[Period]:
    periods, seen = [], set()
    for hit in date_hits:
        span = hit.details.get("period")
        if span is None or span in seen:
            continue
        seen.add(span)
        ends = [h for h in date_hits if h.details.get("period") == span]
        text, provenance = view.provenance(*span)
        periods.append(Period(text=text, provenance=provenance, start=ends[0].value, end=ends[-1].value))
    return periods


def _inside_periods(dates: list[DateMention], periods: list[Period]) -> set[int]:
    """The dates that are the ends of a period, not dates of their own (a decision's, a payment's)."""
    starts = [p.provenance.start for p in periods]
    inside = set()
    for date in dates:
        index = bisect.bisect_right(starts, date.provenance.start) - 1
        if index >= 0 and date.provenance.start < periods[index].provenance.end:
            inside.add(id(date))
    return inside


def _position(doc: Doc, view: View, hit: Hit) -> Position:
    text, provenance = view.provenance(hit.start, hit.end)
    authority, role = _position_terms(doc, hit)
    return Position(
        text=text,
        provenance=provenance,
        fte=hit.value,
        authority=authority,
        role=role or hit.details.get("role"),
        status=_position_status(view.text, doc, hit),
    )


def _sentence(doc: Doc, hit: Hit) -> Optional[Span]:
    span = doc.char_span(hit.start, hit.end, alignment_mode="expand")
    return span.sent if span is not None else None


def _position_terms(doc: Doc, hit: Hit) -> tuple[Optional[str], Optional[str]]:
    """Authority and role named in the position's sentence: the nearest one after it, else before it."""
    sentence = _sentence(doc, hit)
    if sentence is None:
        return None, None
    terms = _terms(doc)
    low = bisect.bisect_left(terms, (sentence.start_char,))
    high = bisect.bisect_left(terms, (sentence.end_char,))
    found: dict[str, Optional[str]] = {"AUTHORITY": None, "ROLE": None}
    for label in found:
        candidates = [t for t in terms[low:high] if t[1] == label]
        after = [t for t in candidates if t[0] >= hit.end]
        chosen = after[0] if after else (candidates[-1] if candidates else None)
        if chosen is not None:
            found[label] = chosen[2]
    return found["AUTHORITY"], found["ROLE"]


def _terms(doc: Doc) -> list[tuple[int, str, str]]:
    """The span ruler's terms of a document as (start, label, name), sorted, made once per document."""
    if "kim_sorted_terms" not in doc.user_data:
        doc.user_data["kim_sorted_terms"] = sorted((s.start_char, s.label_, s.id_ or s.text) for s in doc.spans.get(TERMS_KEY, []))
    return doc.user_data["kim_sorted_terms"]


def _position_status(text: str, doc: Doc, hit: Hit) -> Optional[str]:
    """Funded, planned, filled or not set up, as the sentence says; for a table cell, as its row says."""
    if hit.details.get("table"):
        line_start = text.rfind("\n", 0, hit.start) + 1
        window = text[line_start:_line_end(text, hit.start)].lower()
    else:
        sentence = _sentence(doc, hit)
        if sentence is None:
            return None
        window = text[sentence.start_char:sentence.end_char].lower()
    for status, pattern in _status_patterns():
        if pattern.search(window):
            return status
    return None


@lru_cache(maxsize=1)
def _status_patterns() -> tuple[tuple[str, regex.Pattern], ...]:
    return tuple((status, regex.compile(pattern)) for status, pattern in domain_terms()["position_status"].items())


def _modules(view: View, hits: list[Hit]) -> list[Module]:
    first: dict[int, Hit] = {}
    counts: dict[int, int] = {}
    for hit in hits:
        first.setdefault(hit.value, hit)
        counts[hit.value] = counts.get(hit.value, 0) + 1
    modules = []
    for number in sorted(first):
        text, provenance = view.provenance(first[number].start, first[number].end)
        modules.append(Module(text=text, provenance=provenance, number=number, mentions=counts[number]))
    return modules
