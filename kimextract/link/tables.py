"""Grants from a table that lists decisions: one grant per row ('Baustein | Bescheid vom | Zeitraum | Betrag |
Stellen'), its fields from the row and the lines of its label above it."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import regex

from ..extract import Mentions, View
from ..records import Amount, Grant, Instalment
from ..structure import Table
from ..structure.lines import PAGE_NUMBER
from ..structure.tables import NUMBER_LINE, YEAR
from ..structure.authority import find_authority, rank_of, resolve_bare
from ..structure.letter import CITES_A_DECISION
from .sentences import Context, _in, assign_positions, cited_dates, decision_dates

DECISIONS_HEADER = regex.compile(r"(?i)bescheid|bewillig|zuwendung|zuschuss|pauschale|förder|forder")
SESSION_DECIDES = regex.compile(r"(?i)bewillig|gew(?:ä|a)hr|beschlie(?:ß|ss)t|zuerkannt")  # 'beschließt, … folgende Zuschüsse zu gewähren:'
DECIDED_CUE = regex.compile(r"(?i)bescheid|bewillig|zuerkannt")
PAYMENTS_HEADER = regex.compile(r"(?i)abschlag|abschläge|rate\b|raten\b|auszahlung|zahlung|teilbetr|mittelabruf|ausgezahlt\s+am")
MODULE_HEADER = regex.compile(r"(?i)\b(?:Baustein|Modul|Förderbaustein)")
LETTER_DATED = regex.compile(r"(?i)\b(?:Schreiben|Antrag|Anfrage|Mail|E-Mail|Nachricht|Stellungnahme)\w*\s+vom\s*$")
PROGRAMME_YEAR = regex.compile(r"(?i)\b(?:Programmjahr|Förderjahr|Bewilligungsjahr)")  # a year's own allocation
YEAR_HEADER = regex.compile(r"(?im)^(?:\w+\s+){0,2}(?:Jahr|Haushaltsjahr|Förderjahr|Programmjahr|Bewilligungsjahr)\b")
# '– Region Hannover: 312.000 Euro für 5,0 Stellen', '• Stadt Osnabrück 124.800 €'
# '- Region Hannover: 312.000 Euro …'; without its bullet (an OCR text layer drops it) only with the colon
# ('TuS Halverbrück 1921 e. V., …: 2.400,00 €': the year in a club's name is no amount); the amount may stand on
# the next line ('… Ersatzbeschaffung von Instrumenten:' / '1.400,00 €')
RECIPIENT_ITEM = regex.compile(
    r"(?m)^[ \t]*(?:[–•\-*][ \t]+(?P<name>[A-ZÄÖÜ][^:\n]{2,90}?)(?::|[ \t]+(?=[\d.]+(?:,\d\d)?[ \t]*(?:€|EUR|Euro)))"
    r"|(?P<bare>[A-ZÄÖÜ][^:\n]{2,70}?):)"
    # the number on the item's line, or on the line its text wrapped into (not the next item's: no bullet there)
    r"(?:[^\n]*\d[^\n]*|[^\n]*\n(?![ \t]*[–•\-*][ \t]+[A-ZÄÖÜ])[ \t]*[–-]?[ \t]*\d[^\n]*)$")
# 'Der Rat bewilligt … folgende Zuschüsse:': every item of the list that follows is a grant, whoever receives it
ANNOUNCES_GRANTS = regex.compile(r"(?i)\bfolgende\w*\s+(?:\w+\s+)?(?:Zusch(?:ü|u)ss\w*|Zuwendung\w*|F(?:ö|o)rder\w*|Beihilfe\w*)[^\n.]{0,60}:[ \t]*$")
STANDALONE_MODULE = regex.compile(r"(?<![\w.,–-])(?:[1-3]|I{1,3})(?![\w.,–-])")  # a cell '2', not '2,0' or '01.02.'
NUMBER_HEAD = regex.compile(r"(?i)\b(?:Nr|lfd|Pos)\b")
# a Kreis, Stadt or Gemeinde ('Ortenaukreis', 'Stadtkreis Heilbronn'); a recipient may also be an association or firm
PUBLIC_BODY = regex.compile(r"(?:Region|Landkreis|Kreis|Stadt|Stadtkreis|Gemeinde|Markt|Samtgemeinde|Verbandsgemeinde|Städteregion"
                           r"|Hansestadt|Landeshauptstadt|[A-ZÄÖÜ][\w-]*kreis)\b")
RECIPIENT = regex.compile(rf"{PUBLIC_BODY.pattern}|.*\b(?:e\.\s?V\.|gGmbH|GmbH|Verein|Stiftung|Kreis)\b")
FUNDED_HEAD = regex.compile(r"(?i)\b(?:gef(?:ö|o)rdert|bewilligt|lt\.\s*Bescheid)\w*")
FILLED_HEAD = regex.compile(r"(?i)\b(?:besetzt|tats(?:ä|a)chlich|Ist)\w*")
TOTAL_HEAD = regex.compile(r"(?i)\b(?:gesamt|insgesamt|Summe)\b")
LEADING_MODULE = regex.compile(r"\s*(?:(?:Baustein|Modul)\s*)?([1-3])\b(?![.,]\d)")


def table_grants(view: View, mentions: Mentions, context: Context, roles: Optional[tuple[str, ...]] = None) -> list[Grant]:
    """Grants from the tables that list decisions; with ``roles``, only from tables in parts of those roles."""
    grants = []
    for table in mentions.structure.tables:
        if roles is not None and mentions.structure.role_at(table.start) not in roles:
            continue
        # a table whose column heads name payments lists no decisions; one whose heads are decisions
        # ('Bescheid vom 27.01.2023 | Änderungsbescheid vom 06.06.2023') has their fields as rows
        if DECISIONS_HEADER.search(table.header) and not PAYMENTS_HEADER.search(table.column_heads) \
                and len(CITES_A_DECISION.findall(table.column_heads)) < 2:
            grants += _rows(view, mentions, context, table)
    return grants


def _rows(view: View, mentions: Mentions, context: Context, table: Table) -> list[Grant]:
    """A row with a decision date and an amount is a decision; its label may stand in the lines above it. In
    minutes, the rows under 'Der Ausschuss bewilligt … folgende Zuschüsse:' are decided in the session."""
    starts = context.starts
    caption = view.text[max(0, table.start - 300):table.start]
    funder = find_authority(caption)  # 'Für das Jahr 2022 hat die Bezirksregierung Düsseldorf … wie folgt bewilligt:'
    in_session = mentions.structure.kind.kind == "niederschrift" and SESSION_DECIDES.search(caption) is not None \
        and (funder is None or rank_of(funder[0]) > 0)
    authority = None if in_session else _authority_before(view, table)  # minutes: the council, filled in later
    # rows per module without dates of their own split the decision the caption names, rows per Kreis or Stadt
    # are the decisions an authority's caption names ('Die Bewilligungsbescheide datieren vom …'); rows per
    # Träger without dates are a distribution, no decisions
    per_recipient = _per_public_body(table) and authority is not None and rank_of(authority) == 0
    per_decision = _per_module(view, table) or per_recipient
    decided_on = _decision_date_before(view, mentions, context, table) if per_decision else None
    # 'Die Bezirksregierung Münster hat den Kreisen … folgende Zuwendungen bewilligt:' decides the rows, undated
    announced = per_decision and DECIDED_CUE.search(view.text, max(0, table.start - 1000), table.start) is not None
    module_before = _module_before(mentions, context, table.start) if per_recipient else None
    period_around = _period_around(mentions, context, table) if decided_on or announced or in_session else None
    # 'Sämtliche Bescheide hat die Bezirksregierung Arnsberg erlassen; der Bewilligungszeitraum umfasst jeweils …'
    said_after = _said_after(view, mentions, context, table.end)
    if said_after is not None:
        named = find_authority(view.text[said_after[0]:said_after[1]])
        if authority is None and named and rank_of(named[0]) == 0 and not in_session:
            authority = resolve_bare(named[0], view.text, said_after[0])
        period_around = period_around or next(((p.start, p.end) for p in _in(mentions.periods, context.starts, *said_after)), None)
    grants = []
    for row, span in row_spans(table, view.text):
        amounts = [a for a in _in(mentions.amounts, starts, row.line.start, row.line.end) if a.per is None]
        periods = _in(mentions.periods, starts, *span)
        dates = decision_dates(mentions, starts, *span)
        if not amounts or not (dates or decided_on or announced or in_session):
            continue
        amount = _granted(table, amounts)
        decision = dates[0] if dates else decided_on  # a row without a date: the decision the caption names
        text, provenance = view.provenance(*span)
        grant = Grant(text=text, provenance=provenance, amount=amount.value, authority=authority,
                      decision_date=decision.value if decision else None)
        grant.evidence = {"amount": amount.provenance}
        if decision is not None:
            grant.evidence["decision_date"] = decision.provenance
        if periods:
            grant.period = (periods[0].start, periods[0].end)
            grant.evidence["period"] = periods[0].provenance
        else:
            grant.period = _year_period(view, table, span) or period_around
        assign_positions(grant, _row_posts(table, _in(mentions.positions, starts, row.line.start, row.line.end)), grant.evidence)
        grant.module = _module(view, table, span, amount) or module_before or _module_in_caption(mentions, context, table)
        grants.append(grant)
    return grants


def _module_in_caption(mentions: Mentions, context: Context, table: Table) -> Optional[int]:
    """The one module the table's caption and heads name ('folgende Bescheide für den Baustein 2 erlassen:')."""
    header_start = max(0, table.start - len(table.header) - 1)
    before = mentions.structure.text[max(0, header_start - 300):header_start]  # the caption may begin a line above
    ends = list(SENTENCE_END.finditer(before))
    caption_start = header_start - len(before) + (ends[-1].end() if ends else 0)
    numbers = {h.value for h in mentions.module_hits if caption_start <= h.start < table.start}
    return numbers.pop() if len(numbers) == 1 else None


LINE = regex.compile(r"[^\n]*\n")


GRANTED_HEAD = regex.compile(r"(?i)\b(?:Zuwendung|Zuschuss|F(?:ö|o)rderung|F(?:ö|o)rderbetrag|bewilligt\w*)\b")
EXPENSES_HEAD = regex.compile(r"(?i)\b\w*(?:Ausgaben|Kosten|Aus-)")


def _granted(table: Table, amounts: list[Amount]) -> Amount:
    """The amount granted of a row with several ('2022 | 11.02.2022 | 1,0 | 71.400 | 49.980' under 'zuwendungsfähige
    Ausgaben in €' and 'Zuwendung in €'): the last where the heads name the expenses before the grant."""
    granted, expenses = GRANTED_HEAD.search(table.column_heads), EXPENSES_HEAD.search(table.column_heads)
    if len(amounts) > 1 and granted and expenses and expenses.start() < granted.start():
        return amounts[-1]
    return amounts[0]


def row_spans(table: Table, text: str):
    """The rows of a table that are no total, each with its text from the end of the row above (a label the
    layout wrapped stands in the lines above its numbers)."""
    previous_end = table.start
    above = table.header.split("\n")[-2:]
    while above and NUMBER_LINE.fullmatch(above[-1]):  # the first row's label: '01.07.2021–31.12.20' / '21'
        previous_end -= len(above.pop()) + 1
    label_lines = _first_label_in_header(table, text)
    previous_end -= sum(len(line) + 1 for line in label_lines)
    heads = {line.strip() for line in table.column_heads.split("\n") if line.strip()} - {line.strip() for line in label_lines}
    for row in table.rows:
        if not row.label and len(row.cells) == 1 and len(row.cells[0].text) <= 2:
            continue  # '21': the end of a year the layout wrapped, part of the next row's label
        for line in LINE.finditer(text, previous_end, max(previous_end, row.line.start)):
            if PAGE_NUMBER.match(line.group()) or line.group().strip() in heads:
                previous_end = line.end()  # a page break with its footer and repeated heads
        span = (previous_end, row.line.end)
        previous_end = row.line.end + 1
        if not row.total:
            yield row, span


ROW_NUMBER = regex.compile(r"\s*(?:\d{1,2}|[IVX]{1,4})\.?[ \t]+[^\d\s]")  # '2 Rechtskreisübergreifendes'


def _first_label_in_header(table: Table, text: str) -> list[str]:
    """The lines of the first row's label where the layout put every row's numbered label above its numbers
    and the first one fell into the header ('1 Strategisches Management' / '/ Koordinierungsstelle' above
    '1,5 97.500,00 …', as '2 Rechtskreisübergreifendes' / 'Case Management' above '6,0 330.000,00 …')."""
    rows = table.rows
    if len(rows) < 2 or rows[0].label:
        return []
    labels = [text[above.line.end + 1:row.line.start] for above, row in zip(rows, rows[1:]) if not row.total]
    if not labels or not all(ROW_NUMBER.match(label) for label in labels):
        return []
    lines = table.header.split("\n")
    for index in range(len(lines) - 1, max(-1, len(lines) - 5), -1):
        if ROW_NUMBER.match(lines[index]):
            return lines[index:]
    return []


def module_rows(view: View, mentions: Mentions, context: Context, table: Table, decision: Grant) -> list[Grant]:
    """A decision made per module in a table ('Baustein | VZÄ | Festbetrag je VZÄ | Zuwendung in €') or per
    programme year ('Programmjahr | … | Zuwendung in €'): one grant per row, its amount the row's last, with the
    decision's date, authority and period. A table by Haushaltsjahr spreads one grant over the budgets."""
    if not (_per_module(view, table) or _per_programme_year(table)):
        return []
    grants = []
    payment_dates = _payment_dates_in_heads(view, mentions, context, table)
    for row, span in row_spans(table, view.text):
        amounts = [a for a in _in(mentions.amounts, context.starts, row.line.start, row.line.end) if a.per is None]
        if not amounts:
            continue
        granted, payments = _row_payments(amounts)
        text, provenance = view.provenance(*span)
        grant = Grant(text=text, provenance=provenance, kind=decision.kind, amount=granted.value,
                      authority=decision.authority, decision_date=decision.decision_date, period=decision.period,
                      module=_module(view, table, span, granted))
        grant.evidence = {**decision.evidence, "amount": granted.provenance}
        assign_positions(grant, _row_posts(table, _in(mentions.positions, context.starts, row.line.start, row.line.end)), grant.evidence)
        dates = payment_dates if len(payment_dates) == len(payments) else [None] * len(payments)
        grant.instalments = [Instalment(amount=paid.value, date=date, paid=False if date else None, text=paid.text,
                                        provenance=paid.provenance) for paid, date in zip(payments, dates)]
        grant._scope = decision._scope
        grants.append(grant)
    return grants if len(grants) > 1 else []


def _row_payments(amounts: list[Amount]) -> tuple[Amount, list[Amount]]:
    """The grant of a row and the payments it is made in: where the cells after one add up to it ('97.500,00 |
    48.750,00 | 48.750,00' under 'Zuwendung | 1. Rate … | 2. Rate …'), that one and those; else the last cell."""
    for index, amount in enumerate(amounts[:-2]):
        if sum(a.value for a in amounts[index + 1:]) == amount.value:
            return amount, amounts[index + 1:]
    return amounts[-1], []


def _payment_dates_in_heads(view: View, mentions: Mentions, context: Context, table: Table) -> list[dt.date]:
    """The dates the heads of payment columns name, in order ('1. Rate zum 15.03.2025 | 2. Rate zum 15.09.2025')."""
    header_start = max(0, table.start - len(table.header) - 1)
    return [d.value for d in decision_dates(mentions, context.starts, header_start, table.start)
            if PAYMENTS_HEADER.search(view.text, max(header_start, context.starts[id(d)] - 40), context.starts[id(d)])]


def list_grants(view: View, mentions: Mentions, context: Context) -> list[Grant]:
    """A list of recipients after a decision ('Die Bewilligungsbescheide hat das Landesamt … am 10. Mai 2024
    erlassen … – Region Hannover: 312.000 Euro für 5,0 Stellen'): one grant per item, the authority, date and
    period from the text before the list."""
    starts, text, grants = context.starts, view.text, []
    deciders: dict[int, Optional[str]] = {}  # by the list's first item: who decided, named once for the list
    items = list(RECIPIENT_ITEM.finditer(text))
    for index, item in enumerate(items):
        name = item["name"] or item["bare"]
        if mentions.structure.role_at(item.start()) == "proposal" or item["bare"] and not _in_a_list(text, items, index):
            continue
        first = _list_start(text, items, index)  # the text before the list, not the items above this one
        if not RECIPIENT.match(name) and not ANNOUNCES_GRANTS.search(text, max(0, first - 200), first):
            continue
        amounts = [a for a in _in(mentions.amounts, starts, item.start(), item.end()) if a.per is None]
        if len(amounts) != 1:
            continue
        if first not in deciders:
            deciders[first] = _decider_before(text, first)
        if deciders[first] is None:
            continue
        periods = _in(mentions.periods, starts, max(0, item.start() - 1500), item.start()) or _period_after_list(
            view, mentions, context, _list_end(text, items, index))
        decided = _list_decision_dates(mentions, context, text, first)
        item_text, provenance = view.provenance(item.start(), item.end())
        grant = Grant(text=item_text, provenance=provenance, amount=amounts[0].value,
                      authority=deciders[first] or None,
                      decision_date=decided[-1].value if decided else None)
        grant.evidence = {"amount": amounts[0].provenance}
        if periods:
            grant.period = (periods[-1].start, periods[-1].end)
        assign_positions(grant, _in(mentions.positions, starts, item.start(), item.end())[:1], grant.evidence)
        grant.module = amounts[0].module or _module_before(mentions, context, first)
        grants.append(grant)
    return grants


def _list_start(text: str, items: list, index: int) -> int:
    """Where the list an item belongs to begins: its first item, past the items just above."""
    first = items[index].start()
    while index > 0 and len(gap := text[items[index - 1].end():first]) <= 30 and gap.count("\n") <= 2:
        index -= 1  # items one below the other, an item's last word wrapped between them ('850,00' / '€')
        first = items[index].start()
    return first


def _list_end(text: str, items: list, index: int) -> int:
    """Where the list an item belongs to ends: its last item, past the items just below."""
    while index + 1 < len(items) and len(gap := text[items[index].end():items[index + 1].start()]) <= 30 and gap.count("\n") <= 2:
        index += 1
    return items[index].end()


def _said_after(view: View, mentions: Mentions, context: Context, end: int) -> Optional[tuple[int, int]]:
    """The sentence right after a list or table, where it names no amount of its own: it speaks of all the
    decisions above ('Die Vorhaben laufen vom 01.01.2026 bis zum 31.12.2027.')."""
    stop = STATEMENT_END.search(view.text, end + 1)
    sentence_end = stop.end() if stop else len(view.text)
    return None if _in(mentions.amounts, context.starts, end, sentence_end) else (end, sentence_end)


def _period_after_list(view: View, mentions: Mentions, context: Context, end: int) -> list:
    said = _said_after(view, mentions, context, end)
    return _in(mentions.periods, context.starts, *said) if said else []


def _in_a_list(text: str, items: list, index: int) -> bool:
    """An item without a bullet counts where the line above or below is an item too."""
    return any(0 <= other < len(items) and "\n" not in text[min(items[index].end(), items[other].end()) + 1:
                                                              max(items[index].start(), items[other].start())]
               for other in (index - 1, index + 1))


STATEMENT_END = regex.compile(r"(?<!\b\d{1,2}|\b\w)[.!?](?=\s)|\n\s*\n")  # after '31.12.2024.', not '01.01.'
SENTENCE_END = regex.compile(r"(?<!\d|\b\w)[.!?:]\s|\n\s*\n")  # not '8. August', 'e. V.'


def _list_decision_dates(mentions: Mentions, context: Context, text: str, first: int) -> list:
    """The dates of the last sentence before a list that names a decision and dates it ('hat am 8. August
    2023 die Förderbescheide … verschickt'); not the date of an earlier session the minutes approve."""
    offset = max(0, first - 1500)
    before = text[offset:first]
    for cue in reversed(_decision_cues(before)):
        opening = list(SENTENCE_END.finditer(before[:cue.start()]))
        closing = SENTENCE_END.search(before, pos=cue.end())
        start = offset + (opening[-1].end() if opening else 0)
        dates = decision_dates(mentions, context.starts, start, offset + closing.end() if closing else first)
        if dates:
            return dates
    return []


def _decision_cues(before: str) -> list:
    """The words of the text before a list that name a decision ('Bescheid', 'bewilligt'), else those of a funder's
    table head ('Zuwendung', 'Förderung')."""
    return list(DECIDED_CUE.finditer(before)) or list(DECISIONS_HEADER.finditer(before))


def _decider_before(text: str, first: int) -> Optional[str]:
    """Who decided, as the text before a list names it closest to its decision cue: '' where the text names a
    decision but no body, None where it names no decision (then the list is no list of grants)."""
    before = text[max(0, first - 1500):first]
    cues = _decision_cues(before)
    if not cues:
        return None
    found = find_authority(before, near=cues[-1].start())
    return resolve_bare(found[0], text, first) if found else ""


def _module(view: View, table: Table, span: tuple[int, int], amount: Amount) -> Optional[int]:
    """The module of a row: under a 'Baustein'/'Modul' column head, the row's standalone number 1–3 or I–III
    (after the one of a 'Nr.' column before it: '2 04.03.2022 3 01.01.–31.12.2022 …'), else a module number
    that opens the label."""
    heads = table.column_heads
    column = MODULE_HEADER.search(heads)
    if column is not None:
        numbered = NUMBER_HEAD.search(heads, 0, column.start()) is not None
        cells = STANDALONE_MODULE.findall(view.text, span[0], span[1])
        if len(cells) > numbered:
            cell = cells[int(numbered)]
            return {"I": 1, "II": 2, "III": 3}.get(cell) or int(cell)
    if MODULE_HEADER.search(table.header):
        match = LEADING_MODULE.match(view.text, span[0], span[1])
        if match:
            return int(match.group(1))
    return amount.module


def _year_period(view: View, table: Table, span: tuple[int, int]) -> Optional[tuple]:
    """A row under a 'Jahr' column head that names a year is a decision for that calendar year; a Programmjahr
    names the programme's allocation, not the period its measures run for."""
    head = YEAR_HEADER.search(table.column_heads)
    if not head or regex.search(r"(?i)Programmjahr", head.group()):
        return None
    year = regex.search(r"\b(?:19|20)\d\d\b(?![.,]\d)", view.text[span[0]:span[1]])
    if year is None:
        return None
    return dt.date(int(year.group()), 1, 1), dt.date(int(year.group()), 12, 31)


def _period_around(mentions: Mentions, context: Context, table: Table) -> Optional[tuple]:
    """The funding period of a table of one decision's rows, for rows that give none: the one its caption
    names ('bewilligt für den Förderzeitraum 01.01.–31.12.2024 folgende Zuschüsse:'), else the one the text
    around it names ('Der Bewilligungszeitraum reicht vom 01.01.2024 bis zum 31.12.2024')."""
    caption = _in(mentions.periods, context.starts, max(0, table.start - 300), table.start)
    if caption:
        return caption[-1].start, caption[-1].end
    periods = {(p.start, p.end) for p in _in(mentions.periods, context.starts, max(0, table.start - 800), table.end + 800)}
    return periods.pop() if len(periods) == 1 else None


def _per_module(view: View, table: Table) -> bool:
    """Rows per module: under a 'Baustein'/'Modul' head, or each labelled by a module number (not under a 'Nr.'
    head, whose numbers count the rows)."""
    labels = [row.label for row in table.rows if not row.total]
    return bool(MODULE_HEADER.search(table.column_heads)) or bool(labels) and all(LEADING_MODULE.match(label) for label in labels) \
        and not NUMBER_HEAD.match(table.column_heads.strip())


def _per_programme_year(table: Table) -> bool:
    rows = [row for row in table.rows if not row.total]
    return bool(PROGRAMME_YEAR.search(table.column_heads)) and bool(rows) and all(YEAR.match(row.cells[0].text) for row in rows)


def _per_public_body(table: Table) -> bool:
    labels = [row.label for row in table.rows if not row.total and row.label]
    return bool(labels) and all(PUBLIC_BODY.match(label) for label in labels)


def _module_before(mentions: Mentions, context: Context, offset: int) -> Optional[int]:
    """The one module the text before a table or list names ('Zuwendungen aus dem Baustein 3 bewilligt')."""
    numbers = {m.number for m in _in(mentions.modules, context.starts, max(0, offset - 1500), offset)}
    return numbers.pop() if len(numbers) == 1 else None


def _row_posts(table: Table, posts: list) -> list:
    """A row's posts: its total column where the heads name one ('VZÄ gesamt'), else all its post cells
    ('VZÄ Ausländerbehörde | VZÄ Einbürgerungsbehörde')."""
    if len(posts) > 1 and TOTAL_HEAD.search(table.column_heads):
        return posts[-1:]
    funded, filled = FUNDED_HEAD.search(table.column_heads), FILLED_HEAD.search(table.column_heads)
    if len(posts) == 2 and funded and filled:  # 'geförderte Stellen | besetzte Stellen': the grant covers the first
        return posts[:1] if funded.start() < filled.start() else posts[1:]
    return posts


def _decision_date_before(view: View, mentions: Mentions, context: Context, table: Table):
    """The date of the decision the text just before a table names ('Mit Bescheid vom 14.02.2023 hat die
    Bezirksregierung … bewilligt; die Mittel verteilen sich wie folgt:'), for rows that give none."""
    window = (max(0, table.start - 1000), table.start)
    if not DECIDED_CUE.search(view.text, *window):
        return None
    cited = [d for d in cited_dates(view.text, mentions, context.starts, *window)  # not 'mit Schreiben vom 2. Juni'
             if not LETTER_DATED.search(view.text, max(0, context.starts[id(d)] - 40), context.starts[id(d)])]
    return cited[-1] if cited else None


def _authority_before(view: View, table: Table) -> Optional[str]:
    """The body the caption or the sentence before the table names ('hat die Bezirksregierung … folgende
    Zuwendungen bewilligt'), else the one the paper named last before it."""
    heads_start = table.start + max(0, len(table.header) - len(table.column_heads))  # the caption, not 'Kreis VZÄ …'
    found = find_authority(view.text[max(0, table.start - 500):heads_start])
    if found is None or rank_of(found[0]) > 0:  # a Kreis or council near the table; an authority named before
        found = find_authority(view.text[:heads_start], near=heads_start) or found
    return resolve_bare(found[0], view.text, table.start) if found else None
