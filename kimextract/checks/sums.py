"""Parts that must add up to a stated total: amounts, shares (FTE), and the sum rows and columns of tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Callable, Iterable

import regex

from ..extract import Mentions, View, _line_end, is_table_cell
from ..records import Amount, Finding, Grant
from ..rules import Rule
from .common import CENT, FTE_TOLERANCE, PART_BREAK, ROUNDED, euro, fte, sum_finding


TOTAL_CUE = regex.compile(
    r"(?i)(?:(?:insgesamt|zusammen|gesamt|in\s+Summe|Summe|somit|ergibt|=)\s*(?:von\s+|also\s+|rund\s+|mithin\s+)?"
    r"|(?:Summe|Gesamt\w*|Insgesamt)\b[^\n.:]{0,60}:\s*)$"
)
# Words that announce a complete breakdown of the amount before them (not 'davon', which may list a few).
COMPLETE_PARTS_CUE = regex.compile(
    r"(?i)[^.;]{0,60}?(?:setzt\s+sich\s+(?:\w+\s+){0,3}zusammen(?:\s+aus)?|verteilt\s+sich|aufgeteilt|besteht\s+aus|wie\s+folgt)\s*:?"
    r"|\s*(?:Stellen|VZ(?:Ä|A|E)|Vollzeit\w*|€|EUR|Euro)?\s*:(?!\d)"
)
PARTS_CUE = regex.compile(r"(?i)\b(?:davon|Von\s+dieser\s+Summe|Von\s+diesem\s+Betrag|entfallen|aufgeteilt|setzt\s+sich\s+(?:wie\s+folgt\s+)?zusammen|verteilt\s+sich)\b")


def check_amount_sums(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    """'A + B = C', 'A und B, insgesamt C' in one sentence; and a grant split 'davon …' into parts."""
    text = view.text
    back = view.from_original
    prose = [a for a in mentions.amounts if a.per is None and not is_table_cell(a)]
    for index, total in enumerate(prose):
        start = back(total.provenance.start)
        if not TOTAL_CUE.search(text[max(0, start - 60):start]):
            continue
        parts = _parts_before(view, prose, index)
        summed = sum((p.value for p in parts), Decimal(0))
        if len(parts) >= 2 and abs(summed - total.value) >= CENT + _rounding_slack(parts) and not (total.qualifier in ROUNDED and _rounded_equal(summed, total.value)):
            yield sum_finding(Rule.AMOUNT_SUM, parts, total, euro)
    for index, total in enumerate(prose):
        parts = _parts_after(view, prose, index, COMPLETE_PARTS_CUE)
        if len(parts) >= 2 and abs(sum(p.value for p in parts) - total.value) >= CENT + _rounding_slack(parts):
            yield sum_finding(Rule.AMOUNT_SUM, parts, total, euro)
    for grant in grants:
        parts = _grant_parts(view, mentions, grant)
        if len(parts) >= 2 and sum(p.value for p in parts) != grant.amount:
            total = next(a for a in mentions.amounts if a.provenance.start >= grant.provenance.start and a.value == grant.amount)
            yield sum_finding(Rule.AMOUNT_SUM, parts, total, euro)


def _grant_parts(view: View, mentions: Mentions, grant: Grant) -> list[Amount]:
    """Amounts that split a grant after a cue ('davon', 'Von dieser Summe', 'verteilt sich wie folgt:'),
    to the end of that sentence or list."""
    text, back = view.text, view.from_original
    end_of_grant = back(grant.provenance.end)
    cue = PARTS_CUE.search(text, back(grant.provenance.start), min(end_of_grant + 400, len(text)))
    if not cue:
        return []
    stop = PART_BREAK.search(text, cue.end())
    stop_at = stop.start() + 1 if stop else len(text)
    return [a for a in mentions.amounts if cue.start() <= back(a.provenance.start) < stop_at and a.per is None
            and a.value < (grant.amount or 0) and not is_table_cell(a)]


def check_fte_sums(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    """'bis zu 4 Stellen (3,5 Stellen Koordination, 0,5 Assistenz)' and 'A und B, insgesamt C Stellen'."""
    text = view.text
    back = view.from_original
    positions = [p for p in mentions.positions if not is_table_cell(p)]
    for index, total in enumerate(positions):
        end = back(total.provenance.end)
        opening = regex.match(r"[^()\n.]{0,40}\(", text[end:end + 41])
        if opening:
            close = text.find(")", end)
            parts = [p for p in positions[index + 1:] if back(p.provenance.start) < close]
            if len(parts) >= 2 and abs(sum(p.fte for p in parts) - total.fte) > FTE_TOLERANCE:
                yield sum_finding(Rule.FTE_SUM, parts, total, fte, value=lambda p: p.fte, unit=" Stellen")
        parts = _parts_after(view, positions, index, COMPLETE_PARTS_CUE)
        if len(parts) >= 2 and abs(sum(p.fte for p in parts) - total.fte) > FTE_TOLERANCE:
            yield sum_finding(Rule.FTE_SUM, parts, total, fte, value=lambda p: p.fte, unit=" Stellen")
        start = back(total.provenance.start)
        if TOTAL_CUE.search(text[max(0, start - 60):start]):
            parts = _parts_before(view, positions, index)
        elif SUMMING_SENTENCE.search(text[max(0, start - 60):start]):
            parts = _parts_of_previous_sentences(view, positions, index)
        else:
            continue
        if len(parts) >= 2 and abs(sum(p.fte for p in parts) - total.fte) > FTE_TOLERANCE:
            yield sum_finding(Rule.FTE_SUM, parts, total, fte, value=lambda p: p.fte, unit=" Stellen")


# 'Zusammen ergeben sich 1,5 VZÄ': a sentence that sums up the shares of the sentences before it.
SUMMING_SENTENCE = regex.compile(
    r"(?i)(?:^|[.!?]\s+)(?:Zusammen|Insgesamt|In\s+Summe|Somit|Damit)\s+(?:ergeben\s+sich|ergibt\s+sich|sind\s+(?:das|es)|sind|macht\s+das|werden)\s+(?:\w+\s+)?$"
)


def _parts_of_previous_sentences(view: View, items: list, index: int) -> list:
    """The shares of the two sentences before a summing sentence; a sentence that restates one ('Diesen
    Stellenanteil …') adds nothing."""
    text, back = view.text, view.from_original
    start = back(items[index].provenance.start)
    sentence_starts = [m.end() for m in PART_BREAK.finditer(text, max(0, start - 800), start)]
    if len(sentence_starts) < 1:
        return []
    window_start = sentence_starts[-3] - 1 if len(sentence_starts) >= 3 else max(0, start - 800)
    parts = []
    for item in items[:index]:
        offset = back(item.provenance.start)
        if offset < window_start:
            continue
        own_start = max((s - 1 for s in sentence_starts if s - 1 <= offset), default=window_start)
        if regex.match(r"\s*Dies(?:e|en|er|es)?\b", text[own_start:offset]):
            continue
        parts.append(item)
    return parts


def _parts_before(view: View, items: list, index: int) -> list:
    """The mentions just before ``items[index]`` in the same sentence or list, nearest last."""
    text, back = view.text, view.from_original
    start = back(items[index].provenance.start)
    parts: list = []
    for part in reversed(items[:index]):
        between = text[back(part.provenance.end):start]
        if PART_BREAK.search(between) or len(between) > 300:
            break
        parts.insert(0, part)
        start = back(part.provenance.start)
    return parts


def _parts_after(view: View, items: list, index: int, cue: regex.Pattern) -> list:
    """The mentions after ``items[index]`` when a cue right after it announces them as its parts, up to
    the end of the sentence or list."""
    text, back = view.text, view.from_original
    end = back(items[index].provenance.end)
    announced = cue.match(text, end, min(len(text), end + 80))
    if not announced:
        return []
    stop = PART_BREAK.search(text, announced.end())
    stop_at = stop.start() + 1 if stop else len(text)
    return [item for item in items[index + 1:] if back(item.provenance.start) < stop_at and getattr(item, "per", None) is None]


def _rounding_slack(parts: list[Amount]) -> Decimal:
    """How far rounded parts ('rund 1,45 Mio. €') may be from the exact figures."""
    slack = Decimal(0)
    for part in parts:
        if part.qualifier in ROUNDED:
            exponent = part.value.normalize().as_tuple().exponent  # 1450000 -> 145E+4
            slack += Decimal(1).scaleb(max(exponent, 0)) / 2
    return slack


def _rounded_equal(exact: Decimal, stated: Decimal) -> bool:
    """'rund 8,15 Mio. €' for 8.150.963,51 €: equal when the exact value is rounded to the stated precision."""
    exponent = stated.normalize().as_tuple().exponent
    if exponent <= 0:
        return False
    quantum = Decimal(1).scaleb(exponent)
    return exact.quantize(quantum) == stated


SUM_LABEL = regex.compile(r"(?i)^\s*(?:Summe|Gesamt|Insgesamt|Gesamtsumme|Zwischensumme|Gesamtbetrag)\b")
# The cells at the end of a row: numbers, dashes and currency signs only.
CELL_TAIL = regex.compile(r"(?:(?<=\s)(?:[–—-]|\d[\d.,]*)(?:[ \t]*(?:€|EUR))?[ \t]*)+$", regex.MULTILINE)
PAGE_NUMBER = regex.compile(r"(?i)\bSeite\s+\d+(?:\s+von\s+\d+)?")
DASH_CELL = regex.compile(r"(?<=\s)[–—-](?=[ \t]|$)", regex.MULTILINE)


def check_table_sums(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    """Rows labelled Summe/Gesamt against the rows above them, column by column; a Summe column against
    the cells of its row. A dash in a cell counts as zero; rows that do not line up are left alone."""
    for rows, header in _tables(view, mentions):
        if header is not None and regex.search(r"(?i)\b(?:Summe|Gesamt|Insgesamt)\s*$", header):
            for row in rows:
                cells = [c for c in row if c is not None]
                if len(row) >= 3 and len(cells) == len(row) and sum(_cell_value(c) for c in cells[:-1]) != _cell_value(cells[-1]):
                    yield sum_finding(Rule.TABLE_SUM, cells[:-1], cells[-1], _fmt(cells[-1]), value=_cell_value)
        block: list[list] = []
        for row in rows:
            if not SUM_LABEL.match(_line_of(view, row)):
                block.append(row)
                continue
            above = [r for r in block if len(r) == len(row)]
            if above and len(above) == len(block):
                for column, total in enumerate(row):
                    parts = [r[column] for r in above if r[column] is not None]
                    if total is None or not parts:
                        continue
                    if abs(sum(_cell_value(p) for p in parts) - _cell_value(total)) >= CENT:
                        yield sum_finding(Rule.TABLE_SUM, parts, total, _fmt(total), value=_cell_value)
            block = []


def _tables(view: View, mentions: Mentions):
    """Table cells (bare numbers: amounts and shares) grouped into rows (lines) and tables (runs of rows)."""
    text, back = view.text, view.from_original
    cells = [m for m in mentions.amounts + mentions.positions if is_table_cell(m)]
    by_line: dict[int, list] = {}
    for cell in cells:
        start = back(cell.provenance.start)
        by_line.setdefault(text.rfind("\n", 0, start) + 1, []).append((start, cell))
    tables, current, last_end, header = [], [], -1, None
    for line_start in sorted(by_line):
        line_end = _line_end(text, line_start)
        if current and _lines_between(text, last_end, line_start, header) > 1:
            tables.append((current, header))
            current = []
        if not current:
            previous = text.rfind("\n", 0, max(0, line_start - 1)) + 1
            header = text[previous:max(previous, line_start - 1)]
        row = sorted(by_line[line_start], key=lambda item: item[0])
        tail = CELL_TAIL.search(text, line_start, line_end)
        dashes = [(m.start(), None) for m in DASH_CELL.finditer(text, tail.start() if tail else line_end, line_end)]
        current.append([cell for _, cell in sorted(row + dashes, key=lambda item: item[0])])
        last_end = line_end
    if current:
        tables.append((current, header))
    return tables


def _lines_between(text: str, end: int, start: int, header: str | None) -> int:
    """Lines between two rows, not counting page furniture or a header repeated after a page break."""
    lines = [line for line in text[end + 1:start].split("\n") if line.strip()]
    return sum(1 for line in lines if "\f" not in line and not PAGE_NUMBER.search(line) and line.strip() != (header or "").strip())


def _line_of(view: View, row: list) -> str:
    first = next(c for c in row if c is not None)
    start = view.from_original(first.provenance.start)
    line_start = view.text.rfind("\n", 0, start) + 1
    return view.text[line_start:_line_end(view.text, line_start)]


def _cell_value(cell) -> Decimal:
    if cell is None:
        return Decimal(0)
    return cell.value if isinstance(cell, Amount) else cell.fte


def _fmt(cell) -> Callable[[Decimal], str]:
    return euro if isinstance(cell, Amount) else fte
