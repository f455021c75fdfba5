"""Grants of a Bescheid from its parts: the amount from the tenor, the period from the period part, the
instalments from the payment part, the decision date from the date line, the authority from the sender, the
module from the tenor, the Betreff or the file number. Earlier decisions cited before the tenor or in the
reasons are grants of their own (``earlier``), with the fields of their own sentences."""

from __future__ import annotations

from decimal import Decimal
from typing import Optional

import regex

from ..extract import Mentions, View, is_table_cell
from ..records import Amount, Grant, Instalment, Period, Position
from ..structure import AMOUNT_LIKE, Structure, decides_amount
from ..values import scan_modules
from .sentences import (
    FIXES,
    MODULE_IN_REFERENCE,
    PERIOD_WORDS,
    Context,
    Sentence,
    _change,
    _grant,
    _in,
    _instalments,
    _is_rate,
    _sentence_at,
    _total_or_all,
    assign_positions,
    fill_gaps,
    rate_per_post,
    decision_sentences,
    finish,
)
from .tables import EXPENSES_HEAD, GRANTED_HEAD, PAYMENTS_HEADER, module_rows, table_grants

# A sentence outside the tenor that cites an earlier decision: 'mit Bescheid vom …', 'hatte ich … bewilligt'.
CITES_EARLIER = regex.compile(
    r"(?is)bescheid\w*\b.{0,160}?\bvom\b|\b(?:hatte|habe|hatten|haben|wurde|wurden)\b.{0,300}?\b(?:bewilligt|gew(?:ä|a)hrt)\b"
    r"|\bbewilligte\w*\b|\burspr(?:ü|u)nglich\w*\b"
)
# In the tenor, after the decision: only a decision told in the past ('hatten wir … bewilligt', 'mit Bescheid vom').
EARLIER_IN_TENOR = regex.compile(
    r"(?is)bescheid\w*\b.{0,160}?\bvom\b.{0,300}?\b(?:hatte|habe|hatten|haben|wurde|wurden)\b"
    r"|\b(?:hatte|habe|hatten|haben|wurde|wurden)\b.{0,300}?\b(?:bewilligt|gew(?:ä|a)hrt)\b"
)
# What was paid on the earlier decision: 'Die Zuwendung wurde in zwei Raten … ausgezahlt'.
PAID_BEFORE = regex.compile(r"(?is)\b(?:wurde|wurden|ist|sind)\b.{0,200}?\b(?:ausgezahlt|(?:ü|u)berwiesen|gezahlt)\b")
# A change that gives the decision a new wording: 'wird wie folgt geändert', 'Nr. 1 erhält folgende Fassung'.
NEW_VERSION = regex.compile(r"(?i)\bwie\s+folgt\s+ge(?:ä|a)ndert|\berh(?:ä|a)lt\s+folgende\s+Fassung")
# What the grant amounts to after this decision: 'Die Zuwendung beträgt danach 82.500,00 Euro'.
NOW_AMOUNTS = regex.compile(r"(?i)\b(?:betr(?:ä|a)gt|bel(?:ä|a)uft\s+sich)\s+(?:\w+\s+){0,2}?(?:danach|nunmehr)\s+(?:auf\s+)?$")
# Parts of a Bescheid in which the decision's own fields stand, in the order they are searched.
FIELD_PARTS = ("tenor", "period", "purpose", "financing")
NOT_OURS = ("intro", "reasons", "notes", "remedy", "conditions", "head")
TENOR_TEXT = 600  # characters of a tenor kept as the grant's text: a tenor may run on over a whole part
# A refusal decides no funding: 'lehne ich Ihren Antrag … ab', 'wird abgelehnt'.
REFUSAL = regex.compile(r"(?i)\blehne\s+ich\b|\blehnen\s+wir\b|\b(?:wird|werden)\s+(?:[\w,()./-]+\s+){0,12}?abgelehnt\b|\bAblehnung\b")
# A refusal of the rest grants the part asked for that it does not refuse: 'Im Übrigen wird der Antrag abgelehnt'.
PARTLY_REFUSED = regex.compile(r"(?i)\bim\s+(?:ü|u)brigen\b|\bdar(?:ü|u)ber\s+hinaus\b|\bweitergehenden?\s+Antrag")
PART_OF_PERIOD = regex.compile(r"(?i)[^.;]{0,20}?\b(?:zeitanteilig|anteilig)\b")  # 'für den Zeitraum … zeitanteilig mit 27.500 €'
UNCHANGED = regex.compile(r"(?i)unver(?:ä|a)ndert|bleibt|weiterhin")
TOTAL_ROW = regex.compile(r"(?im)^[ \t]*(?:Summe|Gesamt|Insgesamt|Zusammen)\b")


def _refused(text: str, tenor: Sentence) -> bool:
    """The tenor refuses the application as a whole, not only what exceeds the grant."""
    return bool(REFUSAL.search(text, tenor.start, tenor.end)) and not PARTLY_REFUSED.search(text, tenor.start, tenor.end)


def bescheid_grants(view: View, mentions: Mentions, context: Context) -> list[Grant]:
    structure = mentions.structure
    tenor = Sentence(*structure.tenor)
    own = Sentence(_told_before(view, context, tenor), tenor.end)  # past the earlier decision the tenor opens with
    decided = None if _refused(view.text, tenor) else _decided(view, mentions, context, own)
    decisions = decision_sentences(view, mentions, context)
    earlier = _earlier_grants(view, mentions, context, structure, tenor, decided[0] if decided else None, decisions)
    earlier += _earlier_rows(view, mentions, context, earlier)
    if decided is None:
        return finish(view, mentions, context, earlier)
    amount, kind, cited = decided
    grant = _tenor_grant(view, mentions, context, structure, own, amount, kind)
    file_module = _file_module(structure)
    for earlier_grant in earlier:
        if earlier_grant.module is None:  # an earlier decision on the same file
            earlier_grant.module = file_module
    if cited is not None:
        in_tenor = _cited_in_tenor(view, mentions, context, tenor, cited, amount, grant)
        same = next((g for g in earlier if g.amount == cited.value), None)
        if same is None:
            earlier.append(in_tenor)
        else:
            fill_gaps(same, in_tenor)  # cited in the tenor and in the reasons: one decision
    paid = sum((i.amount for i in grant.instalments if i.amount is not None), Decimal(0))
    if kind == "change" and FIXES.search(view.text, tenor.start, tenor.end) and earlier and not earlier[-1].instalments \
            and paid != grant.amount:  # a Festsetzung: paid on the earlier grant, unless the payments make up the new one
        earlier[-1].instalments, grant.instalments = grant.instalments, []
    per_module = _module_decisions(view, mentions, context, own, grant, decisions) or next(
        (rows for table in structure.tables if tenor.start <= table.start < tenor.end
         and not (PAYMENTS_HEADER.search(table.header) and not GRANTED_HEAD.search(table.column_heads))  # rows of instalments
         for rows in [module_rows(view, mentions, context, table, grant)] if rows), [])
    grants = finish(view, mentions, context, earlier + (per_module or [grant]))  # earlier ones first: a change inherits
    return sorted(grants, key=lambda g: g.provenance.start)


def _earlier_rows(view: View, mentions: Mentions, context: Context, earlier: list[Grant]) -> list[Grant]:
    """The rows of a table of earlier decisions in the reasons ('Programmjahr | Bescheid vom | … | Zuwendung')."""
    told = {e.amount for e in earlier}
    rows = [g for g in table_grants(view, mentions, context, roles=("reasons", "intro")) if g.amount not in told]
    for row in rows:
        row.kind = "earlier"
    return rows


def _module_decisions(view: View, mentions: Mentions, context: Context, tenor: Sentence, grant: Grant,
                      decision_sents: list[Sentence]) -> list[Grant]:
    """A tenor that decides per module in sentences of their own ('Für 2,0 Vollzeitstellen … wird eine Zuwendung
    in Höhe von 110.000,00 € bewilligt.' under '1. Baustein 1', the same under '2. Baustein 2'): one grant per
    sentence, with the tenor's period where the sentence names none."""
    decisions = [s for s in decision_sents if tenor.start <= s.start < tenor.end]
    grants = []
    for index, sentence in enumerate(decisions):
        limit = decisions[index + 1].start if index + 1 < len(decisions) else tenor.end
        part = _grant(view, mentions, context.starts, context.sents, sentence, limit)
        since = decisions[index - 1].end if index else tenor.start
        named = [h.value for h in mentions.module_hits if since <= h.start < sentence.end]  # '2. Baustein 2 – …' above it
        part.module = part.module or (named[-1] if named else None)
        grants.append(part)
    modules = [g.module for g in grants]
    if len(grants) < 2 or None in modules or len(set(modules)) < len(modules):
        return []
    for part in grants:
        part.period = part.period or grant.period
        part.evidence = {**grant.evidence, **part.evidence}
    return grants


def _cited_in_tenor(view: View, mentions: Mentions, context: Context, tenor: Sentence, cited: Amount,
                    changed: Amount, decision: Grant) -> Grant:
    """The earlier decision a change names in its tenor ('von bisher 224.000 € für 4,0 Stellen auf …'): the
    fields of the tenor before the new amount; the posts and, where the period stays 'unverändert', the period
    of the change where it names none of its own."""
    grant = _grant(view, mentions, context.starts, context.sents, tenor, tenor.start, amount=cited,
                   part=(tenor.start, context.starts[id(changed)]), role="earlier")
    grant.instalments = []
    if grant.positions is None:
        grant.positions, grant.rate_per_fte = decision.positions, rate_per_post(grant.amount, decision.positions)
    period = decision.evidence.get("period")
    if grant.period is None and period is not None and UNCHANGED.search(view.text, max(0, view.from_original(period.start) - 80), view.from_original(period.end)):
        grant.period = decision.period
    return grant


def _decided(view: View, mentions: Mentions, context: Context, tenor: Sentence) -> Optional[tuple[Amount, str, Optional[Amount]]]:
    """(amount decided, kind, earlier amount the tenor cites) of the tenor: a change ('von bisher … auf …',
    'wird … auf … festgesetzt') or the first amount that is neither a rate nor a table cell."""
    change = _change(view.text, mentions, context.starts, tenor)
    if change is not None:
        cited, changed = change
        return changed, "change", cited
    labelled = _labelled_grant(mentions, context, tenor)
    if labelled is not None:
        return labelled, "change" if NEW_VERSION.search(view.text, tenor.start, tenor.end) else "decision", None
    amounts = [a for a in _in(mentions.amounts, context.starts, tenor.start, tenor.end)
               if a.per is None and not is_table_cell(a) and not _is_rate(view.text, context.starts, a)]
    if not amounts:  # 'erhält … eine Zuwendung … setzt sich wie folgt zusammen:' and a table whose total is the grant
        total = _table_total(view, mentions, context, tenor)
        return (total, "decision", None) if total is not None else None
    now = [a for a in amounts if NOW_AMOUNTS.search(view.text, max(tenor.start, context.starts[id(a)] - 50), context.starts[id(a)])]
    if now:  # 'widerrufe ich … teilweise … Die Zuwendung beträgt danach 82.500,00 Euro'
        return now[0], "change", None
    return amounts[0], "change" if NEW_VERSION.search(view.text, tenor.start, tenor.end) else "decision", None


GRANTED_LABEL = regex.compile(r"(?i)\s*(?:(?:H(?:ö|o)he\s+der|bewilligte\w*|gew(?:ä|a)hrte\w*)\s+)?(?:Zuwendung|Zuschuss|F(?:ö|o)rderbetrag|Zuwendungsbetrag|F(?:ö|o)rdersumme)\b")


def _labelled_grant(mentions: Mentions, context: Context, tenor: Sentence) -> Optional[Amount]:
    """The grant a table of the decision's terms names in a row of its own ('Gesamtausgaben | 648.900,00 EUR',
    'Zuwendung (Höchstbetrag) | 459.300,00 EUR')."""
    for table in mentions.structure.tables:
        if tenor.start <= table.start < tenor.end:
            labelled = [row for row in table.rows if GRANTED_LABEL.match(row.label) and not EXPENSES_HEAD.search(row.label)]
            cells = _in(mentions.amounts, context.starts, labelled[0].line.start, labelled[0].line.end) if labelled else []
            if len(labelled) == 1 and cells:
                return cells[-1]
    return None


def _table_total(view: View, mentions: Mentions, context: Context, tenor: Sentence) -> Optional[Amount]:
    """The grant of a tenor that states it only as a table's total: the total row's cell under the grant's
    column ('Zuwendung in €'), the last where the heads name expenses before it."""
    for table in mentions.structure.tables:
        if not tenor.start <= table.start < tenor.end or not GRANTED_HEAD.search(table.column_heads):
            continue
        totals = [row for row in table.rows if row.total]
        if totals:
            cells = _in(mentions.amounts, context.starts, totals[-1].line.start, totals[-1].line.end)
            if cells:
                return cells[-1] if EXPENSES_HEAD.search(table.column_heads) else cells[0]
    return None


def _told_before(view: View, context: Context, tenor: Sentence) -> int:
    """Where the tenor's own decision begins: after the sentences that open it by telling an earlier one in
    the past, if a sentence after them decides."""
    offset = tenor.start
    for sentence in (s for s in context.sents if s.end > tenor.start and s.start < tenor.end):
        start = max(sentence.start, tenor.start)
        if EARLIER_IN_TENOR.search(view.text, start, sentence.end) or PAID_BEFORE.search(view.text, start, sentence.end):
            offset = sentence.end
        elif AMOUNT_LIKE.search(view.text, start, sentence.end):
            break  # the first sentence with an amount that tells nothing earlier; headings go by
    return offset if decides_amount(view.text[offset:tenor.end]) else tenor.start


def _earlier_grants(view: View, mentions: Mentions, context: Context, structure: Structure, tenor: Sentence,
                    decided: Optional[Amount], decisions: list[Sentence]) -> list[Grant]:
    """Decisions cited before the tenor, in the reasons, or in the tenor after the decision ('Mit Bescheid vom
    20.02.2023 hatten wir Ihnen 17.600,- Euro bewilligt.'), each with the fields of its own part of the text."""
    grants = []
    after = context.starts[id(decided)] if decided is not None else tenor.end
    cited = [s for s in decisions
             if structure.role_at(s.start) in ("intro", "reasons", "head") and CITES_EARLIER.search(view.text, s.start, s.end)
             or structure.role_at(s.start) == "tenor" and (s.start > after or s.end <= after)
             and EARLIER_IN_TENOR.search(view.text, s.start, s.end)]
    for index, sentence in enumerate(cited):
        section_end = tenor.start if sentence.start < tenor.start else structure.section_at(sentence.start).end
        limit = min(section_end, cited[index + 1].start) if index + 1 < len(cited) else section_end
        grant = _grant(view, mentions, context.starts, context.sents, sentence, limit, role="earlier")
        grant.instalments = _instalments(view, mentions, context.starts, context.sents, sentence, limit, grant)
        same = next((g for g in grants if g.amount == grant.amount and g.decision_date == grant.decision_date), None)
        if same is None:
            grants.append(grant)
        else:
            fill_gaps(same, grant)  # told in the tenor and again in the reasons: one decision
    return grants


def _tenor_grant(view: View, mentions: Mentions, context: Context, structure: Structure, tenor: Sentence,
                 amount: Amount, kind: str) -> Grant:
    starts = context.starts
    text, provenance = view.provenance(tenor.start, min(tenor.end, tenor.start + TENOR_TEXT))
    grant = Grant(text=text, provenance=provenance, kind=kind, amount=amount.value,
                  authority=structure.letter.sender, decision_date=structure.letter.date)
    evidence = {"amount": amount.provenance}
    if structure.letter.date_span:
        evidence["decision_date"] = view.provenance(*structure.letter.date_span)[1]
    grant.module = _module(structure, mentions, tenor, amount)
    period = _period(view, mentions, context, structure, tenor)
    if period is not None and kind == "change" and (not _named_as_period(view, context, period) or PART_OF_PERIOD.match(
            view.text, view.from_original(period.provenance.end), view.from_original(period.provenance.end) + 40)):
        period = None  # 'für die Zeit vom 01.01. bis 30.06.2022 … nicht förderfähig', '… zeitanteilig': the earlier grant's stays
    if period is not None:
        grant.period = (period.start, period.end)
        evidence["period"] = period.provenance
    # a change names its posts after its new amount ('von bisher … für 4,0 Stellen auf 280.000 € für 5,0 Stellen')
    own = Sentence(starts[id(amount)], max(tenor.end, structure.section_at(tenor.start).end)) if kind == "change" else tenor
    changed_posts = _posts_changed(view, mentions, context, structure, tenor) if kind == "change" else []
    assign_positions(grant, changed_posts or _positions(view, mentions, context, structure, own), evidence)
    grant.evidence = evidence
    grant.instalments = _table_instalments(view, mentions, context, structure)
    payment_parts = structure.spans("payment", "tenor")
    if len(payment_parts) == 1:  # no payment part found: what follows the tenor, up to parts about other things
        later = [s for s in structure.sections if s.start >= tenor.end and s.role not in NOT_OURS]
        payment_parts += [(s.start, s.end) for s in later]
    if not grant.instalments:
        for start, end in payment_parts:
            part = Sentence(start, end)
            grant.instalments += _instalments(view, mentions, starts, context.sents, part, end, grant,
                                              payment_part=structure.role_at(start) == "payment")
    scope_end = max([tenor.end] + [end for _, end in structure.spans("financing", "purpose")])
    grant._scope = (tenor.start, scope_end)
    return grant


PAYMENTS_CAPTION = regex.compile(rf"{PAYMENTS_HEADER.pattern}|(?i:ausgezahlt|kassenmittel)")  # '… ausgezahlt. Kassenmittel stehen …:'


def _table_instalments(view: View, mentions: Mentions, context: Context, structure: Structure) -> list[Instalment]:
    """A payment part's table of instalments: one per row with an amount ('1. Abschlag | 15.08.2023 | 126.000,00');
    in the tenor, a table whose heads or caption name the payments ('Haushaltsjahr | Festbetrag | Auszahlung zum')."""
    payments, tenor = structure.spans("payment"), structure.spans("tenor", "period")  # '3. Bewilligungszeitraum: …' / '4. … ausgezahlt:'
    found = []
    for table in structure.tables:
        if not any(start <= table.start < end for start, end in payments) and not (
                any(start <= table.start < end for start, end in tenor) and PAYMENTS_CAPTION.search(table.header)):
            continue
        for row in table.rows:
            if row.total:
                continue
            amounts = _in(mentions.amounts, context.starts, row.line.start, row.line.end)
            dates = [d for d in _in(mentions.dates, context.starts, row.line.start, row.line.end) if not d.derived]
            if amounts:
                text, provenance = view.provenance(row.line.start, row.line.end)
                found.append(Instalment(amount=amounts[-1].value, date=dates[0].value if dates else None,
                                        paid=False if dates else None, text=text, provenance=provenance))
    return found


def _module(structure: Structure, mentions: Mentions, tenor: Sentence, amount: Amount) -> Optional[int]:
    """The module the tenor names, else the Betreff's, else the file number's, else the one module of the paper."""
    named = {h.value for h in mentions.module_hits if tenor.start <= h.start < tenor.end and not h.details.get("split")}
    if len(named) == 1:
        return named.pop()
    if structure.letter.subject:
        in_subject = {h.value for h in scan_modules(structure.letter.subject)}
        if len(in_subject) == 1:
            return in_subject.pop()
    file_module = _file_module(structure)
    if file_module is not None:
        return file_module
    numbers = {m.number for m in mentions.modules}
    return numbers.pop() if len(numbers) == 1 else amount.module


def _file_module(structure: Structure) -> Optional[int]:
    """The module a file number names ('36.08.20-KIM-B2-117/23'): the file is the whole funding case's."""
    match = MODULE_IN_REFERENCE.search(structure.letter.reference or "")
    return int(match.group(1)) if match and regex.search(r"(?i)KIM|Modul|Baustein", structure.text) else None


def _period(view: View, mentions: Mentions, context: Context, structure: Structure, tenor: Sentence) -> Optional[Period]:
    """The first period of the tenor, else of the period, purpose and financing parts, else the first two dates
    of the period part; else one named as the Bewilligungszeitraum anywhere but in the parts about other
    decisions."""
    for role in FIELD_PARTS:
        for start, end in ([(tenor.start, tenor.end)] if role == "tenor" else structure.spans(role)):
            found = _in(mentions.periods, context.starts, start, end)
            if found:
                return found[0]
    if structure.intro and not CITES_EARLIER.search(view.text, *structure.intro):  # 'werden … für den Zeitraum … gewährt'
        found = _in(mentions.periods, context.starts, *structure.intro)
        if found:
            return found[0]
    for start, end in structure.spans("period"):  # 'beginnt am 01.01.2021 und endet am 31.12.2021'
        dates = [d for d in _in(mentions.dates, context.starts, start, end) if not d.derived]
        if len(dates) >= 2 and dates[0].value < dates[1].value:
            text, provenance = view.provenance(context.starts[id(dates[0])], view.from_original(dates[1].provenance.end))
            return Period(text=text, provenance=provenance, start=dates[0].value, end=dates[1].value)
    for period in mentions.periods:
        offset = context.starts[id(period)]
        if structure.role_at(offset) not in NOT_OURS and regex.search(
                r"(?i)zeitraum|laufzeit|f(?:ö|o)rderjahr", view.text[max(0, offset - 80):offset]):
            return period
    return None


def _named_as_period(view: View, context: Context, period: Period) -> bool:
    offset = context.starts[id(period)]
    return PERIOD_WORDS.search(view.text, max(0, offset - 60), offset) is not None


def _posts_changed(view: View, mentions: Mentions, context: Context, structure: Structure, tenor: Sentence) -> list[Position]:
    """The posts a change sets in its decision: 'Die Zahl der geförderten Vollzeitstellen wird von bisher 3,0
    auf 4,5 erhöht' (a part of their own, before or after the part with the new amount)."""
    start = structure.intro[0] if structure.intro else tenor.start
    decision_parts = [(s.start, s.end) for s in structure.sections if s.role == "tenor"] + [(start, tenor.end)]
    begin, end = min(a for a, _ in decision_parts), max(b for _, b in decision_parts)
    return [p for p in _in(mentions.positions, context.starts, begin, end)
            if regex.search(r"(?i)\bvon\s+(?:bisher\s+)?\d+(?:,\d+)?\s*(?:\w+\s+)?auf\s+$",
                            view.text[max(0, context.starts[id(p)] - 40):context.starts[id(p)]])][:1]


def _positions(view: View, mentions: Mentions, context: Context, structure: Structure, tenor: Sentence) -> list[Position]:
    """The posts the decision funds, looked for in the tenor, the purpose part, the financing part, then the
    parts after the tenor: the total row of a Stellen column, else the posts of the first sentence that names
    some (its total where it gives one: 'insgesamt 2,75 Stellen: …')."""
    starts = context.starts
    later = [(s.start, s.end) for s in structure.sections if s.start >= tenor.end and s.role not in ("notes", "remedy", "payment")]
    for spans in ([(tenor.start, tenor.end)], structure.spans("purpose"), structure.spans("financing"), later):
        found = [p for start, end in spans for p in _in(mentions.positions, starts, start, end)]
        cells = [p for p in found if is_table_cell(p) and structure.in_table(starts[id(p)])]
        totals = [p for p in cells if TOTAL_ROW.match(view.text, view.text.rfind("\n", 0, starts[id(p)]) + 1)]
        if totals:
            return totals[-1:]
        prose = [p for p in found if p not in cells]
        if prose:
            sentence = _sentence_at(context.sents, starts[id(prose[0])])
            return _total_or_all(view, starts, [p for p in prose if sentence.start <= starts[id(p)] < sentence.end])
        if cells:
            return cells
    return []
