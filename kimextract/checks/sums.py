"""Parts that must add up to a stated total: amounts, shares (FTE), and the sum rows and columns of tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Callable, Iterable

import regex

from ..extract import Mentions, View, is_table_cell
from ..structure import Table
from ..structure.tables import row_label_line
from ..records import Amount, Finding, Grant
from ..rules import Rule
from .common import CENT, FTE_TOLERANCE, PART_BREAK, ROUNDED, euro, fte, part_end, sum_finding


TOTAL_CUE = regex.compile(
    r"(?i)(?:(?:insgesamt|zusammen|gesamt|in\s+Summe|Summe|somit|ergibt|=)\s*(?:von\s+|also\s+|rund\s+|mithin\s+)?"
    r"|(?:Summe|Gesamt\w*|Insgesamt)\b[^\n.:]{0,60}:\s*)$"
)
SUB_PART = regex.compile(r"(?i)\b(?:darunter|davon|einschlie(?:ß|ss)lich|inklusive)\b[^.;€]{0,30}$")
MALFORMED_NUMBER = regex.compile(r"\d[\d.,]*[.,]{2}[\d.,]*\d|\d[\d.,]{3,}\s*$")  # '1,.181,75', a number ending a line
PRODUCT = regex.compile(r"\d\s*[×x*·]\s*\d")
# Words that announce a complete breakdown of the amount before them (not 'davon', which may list a few).
COMPLETE_PARTS_CUE = regex.compile(
    r"(?i)[^.;]{0,60}?(?:setzt\s+sich\s+(?:\w+\s+){0,3}zusammen(?:\s+aus)?|verteilt\s+sich|aufgeteilt|besteht\s+aus|wie\s+folgt)\s*:?"
    r"|\s*(?:Stellen|VZ(?:Ä|A|E)|Vollzeit\w*|€|EUR|Euro)?\s*:(?!\d)"
)
# The grant itself split later in the paper: 'Von der Zuwendung entfallen 50.000 € auf 2024 und …'.
GRANT_DISTRIBUTED = regex.compile(r"(?i)\bVon\s+der\s+(?:bewilligten\s+)?Zuwendung\s+entf(?:a|ä)ll\w*|\bDie\s+(?:bewilligte\s+)?Zuwendung\s+verteilt\s+sich\b")
PARTS_CUE = regex.compile(r"(?i)\b(?:davon|Von\s+dieser\s+Summe|Von\s+diesem\s+Betrag|entfallen|aufgeteilt|setzt\s+sich\s+(?:wie\s+folgt\s+)?zusammen|verteilt\s+sich)\b")


def check_amount_sums(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    """'A + B = C', 'A und B, insgesamt C' in one sentence; and a grant split 'davon …' into parts."""
    text = view.text
    back = view.from_original
    tables = [(t.start, t.end) for t in mentions.structure.tables] if mentions.structure else []
    # the amounts of the prose: not a table's cells, nor the money a row's label names in brackets ('(Wert: …)')
    prose = [a for a in mentions.amounts if a.per is None and not is_table_cell(a)
             and not _bracketed_in_table(text, back(a.provenance.start), tables)]
    for index, total in enumerate(prose):
        start = back(total.provenance.start)
        summing = SUMMING_SENTENCE.search(text[max(0, start - 60):start])
        if not (TOTAL_CUE.search(text[max(0, start - 60):start]) or summing) or PRODUCT.search(text[max(0, start - 40):start]):
            continue  # '24 × 5 × 9,50 Euro = 1 140 Euro' multiplies
        parts = [p for p in _parts_before(view, prose, index) if not _is_difference(view, p)]
        if not parts and summing:
            parts = _parts_of_sentence_before(view, prose, index)  # '… und 1,8 Mio. € in …. Zusammen sind das 14,6 Mio. €'
        summed = sum((p.value for p in parts), Decimal(0))
        if len(parts) >= 2 and abs(summed - total.value) >= CENT + _rounding_slack(parts) and not (total.qualifier in ROUNDED and _rounded_equal(summed, total.value)) \
                and not _sum_of_sentence_before(view, prose, index, parts, total):
            yield sum_finding(Rule.AMOUNT_SUM, parts, total, euro)
    for index, total in enumerate(prose):
        parts = _parts_after(view, prose, index, COMPLETE_PARTS_CUE)
        summed = sum((p.value for p in parts), Decimal(0))
        if _is_change_by(view, total):  # 'verringerte sich um 172 T€: … -2.184 T€ … 2.012 T€': the verb carries the sign
            summed = abs(summed)
        if len(parts) >= 2 and abs(summed - total.value) >= CENT + _rounding_slack(parts):
            yield sum_finding(Rule.AMOUNT_SUM, parts, total, euro)
    for index, grant in enumerate(grants):
        following = grants[index + 1].provenance.start if index + 1 < len(grants) else None
        parts = _grant_parts(view, mentions, grant, following)
        if len(parts) >= 2 and sum(p.value for p in parts) != grant.amount:
            total = next(a for a in mentions.amounts if a.provenance.start >= grant.provenance.start and a.value == grant.amount)
            yield sum_finding(Rule.AMOUNT_SUM, parts, total, euro)


def _bracketed_in_table(text: str, offset: int, tables: list[tuple[int, int]]) -> bool:
    if not any(start <= offset < end for start, end in tables):
        return False
    line_start = text.rfind("\n", 0, offset) + 1
    return text.rfind("(", line_start, offset) > text.rfind(")", line_start, offset)


def _sum_of_sentence_before(view: View, prose: list, index: int, parts: list, total: Amount) -> bool:
    """'… entfallen 118.000 € (Ansatz 2023: 96.500 €) auf …, darunter 24.000 € … Für … sind 21.300 € und …
    137.200 € vorgesehen, zusammen 276.500 €': the first part stands in the sentence before, without the
    amounts in brackets and those it contains ('darunter')."""
    text, back = view.text, view.from_original
    first = prose.index(parts[0])
    sentence_start = max(0, back(parts[0].provenance.start) - 400)
    before = [p for p in prose[:first] if back(p.provenance.start) >= sentence_start
              and not SUB_PART.search(text, max(0, back(p.provenance.start) - 40), back(p.provenance.start))
              and text.count("(", sentence_start, back(p.provenance.start)) == text.count(")", sentence_start, back(p.provenance.start))]
    return bool(before) and sum((p.value for p in before[-1:] + parts), Decimal(0)) == total.value


def _is_change_by(view: View, amount: Amount) -> bool:
    """'um 172 T€': a change, its sign in the verb ('verringerte sich', 'stieg')."""
    start = view.from_original(amount.provenance.start)
    return regex.search(r"(?i)\bum\s*$", view.text[max(0, start - 6):start]) is not None


def _is_difference(view: View, amount: Amount) -> bool:
    """'um 25.000 € auf 100.000 €': the first is the change, not a part."""
    end = view.from_original(amount.provenance.end)
    return _is_change_by(view, amount) and regex.match(r"\s*auf\b", view.text[end:end + 8]) is not None


def _grant_parts(view: View, mentions: Mentions, grant: Grant, following: int | None = None) -> list[Amount]:
    """Amounts that split a grant after a cue ('davon', 'Von dieser Summe', 'verteilt sich wie folgt:'),
    to the end of that sentence or list; a cue after the next grant is that grant's."""
    text, back = view.text, view.from_original
    end_of_grant = back(grant.provenance.end)
    limit = min(end_of_grant + 400, len(text), back(following) if following is not None and following > grant.provenance.start else len(text))
    cue = PARTS_CUE.search(text, back(grant.provenance.start), limit)
    named = [a for a in mentions.amounts if cue and back(grant.provenance.start) <= back(a.provenance.start) < cue.start() and a.per is None]
    if cue is None or named and named[-1].value != grant.amount:  # 'insgesamt 265.800 €. Das Land trägt davon …': another's parts
        cue = GRANT_DISTRIBUTED.search(text, end_of_grant, back(following) if following is not None and following > grant.provenance.start else len(text))
    if not cue:
        return []
    stop_at = part_end(text, cue.end())
    return [a for a in mentions.amounts if cue.start() <= back(a.provenance.start) < stop_at and a.per is None
            and a.value < (grant.amount or 0) and not is_table_cell(a) and not _is_factor(view, a)]


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
        start = back(total.provenance.start)
        if not parts and TOTAL_NAMED.search(text, max(0, start - 20), start):
            parts = _whole_davon_list(view, _parts_after(view, positions, index, DAVON))
        if len(parts) >= 2 and abs(sum(p.fte for p in parts) - total.fte) > FTE_TOLERANCE:
            yield sum_finding(Rule.FTE_SUM, parts, total, fte, value=lambda p: p.fte, unit=" Stellen")
        if TOTAL_CUE.search(text[max(0, start - 60):start]):
            parts = _parts_before(view, positions, index)
        elif SUMMING_SENTENCE.search(text[max(0, start - 60):start]):
            parts = _parts_of_previous_sentences(view, positions, index)
        else:
            continue
        if len(parts) >= 2 and abs(sum(p.fte for p in parts) - total.fte) > FTE_TOLERANCE:
            yield sum_finding(Rule.FTE_SUM, parts, total, fte, value=lambda p: p.fte, unit=" Stellen")
    yield from _distributed_posts(view, mentions)


# 'Gefördert werden insgesamt 7,5 Stellen … Die geförderten Stellen verteilen sich wie folgt: 4,0 …': the total
# stands in a sentence before the one that splits it.
POSTS_DISTRIBUTED = regex.compile(r"(?i)\bDie\s+(?:\w+\s+)?Stellen\s+verteil\w*\s+sich\b[^:.;]{0,40}:?")
TOTAL_NAMED = regex.compile(r"(?i)\b(?:insgesamt|gesamt|zusammen)\s+$")
DAVON = regex.compile(r"\s*(?:Stellen|VZ(?:Ä|A|E)|Vollzeit\w*)?\s*,\s*davon\b")


def _whole_davon_list(view: View, parts: list) -> list:
    """'insgesamt 6,5 Stellen, davon 4,5 …, 1,0 … und 1,0 …': a list after 'davon' that closes with 'und' names
    every part of the total; 'davon 2,0 Stellen für …' names one."""
    if len(parts) < 2:
        return []
    back = view.from_original
    between = view.text[back(parts[-2].provenance.end):back(parts[-1].provenance.start)]
    return parts if regex.search(r"\b(?:und|sowie)\b", between) else []


def _distributed_posts(view: View, mentions: Mentions) -> Iterable[Finding]:
    """Posts a sentence distributes, against the total the sentence before names ('insgesamt 7,5 Stellen')."""
    text, back = view.text, view.from_original
    positions = [p for p in mentions.positions if not is_table_cell(p)]
    for cue in POSTS_DISTRIBUTED.finditer(text):
        before = [p for p in positions if cue.start() - 400 <= back(p.provenance.start) < cue.start()]
        totals = [p for p in before if TOTAL_NAMED.search(text, max(0, back(p.provenance.start) - 12), back(p.provenance.start))]
        stop_at = min(part_end(text, cue.end()), _list_end(text, cue.end()))
        parts = [p for p in positions if cue.end() <= back(p.provenance.start) < stop_at]
        if totals and len(parts) >= 2 and abs(sum(p.fte for p in parts) - totals[-1].fte) > FTE_TOLERANCE:
            yield sum_finding(Rule.FTE_SUM, parts, totals[-1], fte, value=lambda p: p.fte, unit=" Stellen")


def _list_end(text: str, offset: int) -> int:
    """The end of a list of bulleted lines that begins right after ``offset``; far away where none does."""
    items = list(regex.finditer(r"\n[ \t]*[-–•*][ \t][^\n]*", text[offset:offset + 2000]))
    if not items or text[offset:offset + items[0].start()].strip():
        return len(text)
    end = items[0].end()
    for item in items[1:]:
        if item.start() != end:
            break
        end = item.end()
    return offset + end


# 'Zusammen ergeben sich 1,5 VZÄ': a sentence that sums up the shares of the sentences before it.
SUMMING_SENTENCE = regex.compile(
    r"(?i)(?:^|[.!?]\s+)(?:(?:Zusammen|Insgesamt|In\s+Summe|Somit|Damit)\s+(?:ergeben\s+sich|ergibt\s+sich|sind\s+(?:das|es)|sind|macht\s+das)"
    r"|(?:Zusammen|Insgesamt|In\s+Summe)\s+werden)\s+(?:\w+\s+)?$"  # 'Damit werden 2,0 Stellen … finanziert' sums nothing
)


def _parts_of_sentence_before(view: View, items: list, index: int) -> list:
    """The amounts of the one sentence before a summing sentence, none of them a change or a factor."""
    text, back = view.text, view.from_original
    start = back(items[index].provenance.start)
    breaks = [m.end() for m in PART_BREAK.finditer(text, max(0, start - 600), start)]
    if start <= 600:
        breaks.insert(0, 1)  # the text's first sentence begins a sentence too (the '- 1' below makes it 0)
    if len(breaks) < 2:
        return []
    return [item for item in items[:index] if breaks[-2] - 1 <= back(item.provenance.start) < breaks[-1] - 1
            and not _is_difference(view, item) and not _is_factor(view, item)]


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
    stop_at = part_end(text, announced.end())
    return [item for item in items[index + 1:] if back(item.provenance.start) < stop_at and getattr(item, "per", None) is None
            and not _is_factor(view, item)]


def _is_factor(view: View, item) -> bool:
    """'12 × 285,00 € = 3.420,00 €': the price multiplied is no part; the product after '=' is."""
    start, end = view.from_original(item.provenance.start), view.from_original(item.provenance.end)
    return bool(regex.search(r"\d\s*[×x*·]\s*$", view.text[max(0, start - 12):start])
                or regex.match(r"\s*[×x*·]\s*\d", view.text[end:end + 12]))


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


def check_table_sums(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    """Total rows against the rows above them, column by column (a 'Zwischensumme' closes a block, a final
    'Summe' after subtotals adds them); a total column ('Summe', 'Gesamt') against the cells of its row. Only
    cells read as amounts or posts count; a dash is zero; rows that do not line up with their total are left
    alone; T€ tables may be off by the rounding of their parts."""
    of_cell = {view.from_original(m.provenance.start): m for m in mentions.amounts + mentions.positions}
    for table in mentions.structure.tables:
        for column in range(table.width):
            yield from _column_sums(table, column, of_cell, view.text)
        if table.total_column:
            yield from _row_sums(table, of_cell)


def _column_sums(table: Table, column: int, of_cell: dict, text: str) -> Iterable[Finding]:
    block: list = []
    subtotals: list = []
    for row, cell in zip(table.rows, table.column(column)):
        if not row.total:
            block.append((row, cell))
            continue
        total = of_cell.get(cell.start) if cell is not None else None
        # a total after subtotals adds them and the rows since the last ('Zwischensumme 2.045,00 · 19 % USt 388,55 ·
        # Summe 2.433,55')
        parts = block if row.subtotal else [(None, s) for s in subtotals] + block
        aligned = all(r is None or _under_its_columns(table, row.columns, r.columns) for r, _ in parts)
        mentioned = [of_cell.get(c.start) for _, c in parts if c is not None and c.value is not None]
        if total is not None and parts and aligned and all(c is not None for _, c in parts) and all(m is not None for m in mentioned) and mentioned \
                and not _unread_row(text, [r for r, _ in parts if r is not None], row):
            if abs(sum(_cell_value(m) for m in mentioned) - _cell_value(total)) > _tolerance(table, column, len(mentioned)):
                rule = Rule.TABLE_SUM if isinstance(total, Amount) else Rule.FTE_SUM  # a column of posts
                yield sum_finding(rule, mentioned, total, _fmt(total), value=_cell_value)
        subtotals = subtotals + [cell] if row.subtotal and cell is not None else []
        block = []


def _under_its_columns(table: Table, total: list[int], row: list[int]) -> bool:
    """A total row lines up with a row above: the same columns, or the rightmost of them ('Summe 13,0 852.000,00'
    under 'Datum | Baustein | Stellen | Betrag'), or all but columns that hold no number ('25 %')."""
    if total == row or total == row[len(row) - len(total):]:
        return True
    missing = set(row) - set(total)
    return set(total) <= set(row) and all(cell is None or cell.value is None for column in missing for cell in table.column(column))


def _unread_row(text: str, rows: list, total) -> bool:
    """A line among the rows above a total that holds a number no row was read from ('Fahrtkosten … 1.200,00
    1,.181,75' in an OCR text layer): the block is not whole, so its sum says nothing."""
    if not rows:
        return False
    read = {row.line.start for row in rows}
    start = rows[0].line.start
    for line in regex.finditer(r"[^\n]*\n?", text[start:total.line.start]):
        if start + line.start() not in read and MALFORMED_NUMBER.search(line.group()) and not row_label_line(line.group()):
            return True  # a row's label the layout wrapped above its numbers ('12.2021') is read with the row
    return False


def _row_sums(table: Table, of_cell: dict) -> Iterable[Finding]:
    for row in table.rows:
        cells = [of_cell.get(c.start) for c in row.cells if c.value is not None]
        if len(row.cells) >= 3 and len(cells) == len(row.cells) and all(isinstance(c, Amount) for c in cells):
            if abs(sum(_cell_value(c) for c in cells[:-1]) - _cell_value(cells[-1])) > _tolerance(table, 0, len(cells) - 1):
                yield sum_finding(Rule.TABLE_SUM, cells[:-1], cells[-1], _fmt(cells[-1]), value=_cell_value)


def _tolerance(table: Table, column: int, parts: int) -> Decimal:
    """Half a unit per part where a table rounds to thousands (T€), a cent elsewhere."""
    factor = table.factors.get(column)
    return Decimal(factor) / 2 * parts if factor and factor > 1 else CENT


def _cell_value(cell) -> Decimal:
    return cell.value if isinstance(cell, Amount) else cell.fte


def _fmt(cell) -> Callable[[Decimal], str]:
    return euro if isinstance(cell, Amount) else fte
