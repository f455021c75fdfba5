"""Consistency checks: named rules with stable codes, one small function each, findings with evidence."""

from __future__ import annotations

from decimal import Decimal
from typing import Callable, Iterable, Optional

import regex

from .extract import Mentions, View, _line_end, is_table_cell
from .records import Amount, Evidence, Finding, Grant
from .rules import SEVERITY, Rule
from .resources import domain_terms
from .values import plain

CENT = Decimal("0.01")
FTE_TOLERANCE = Decimal("0.005")


def euro(value: Decimal) -> str:
    """German money format: euro(Decimal('137250')) -> '137.250 €'.

    >>> euro(Decimal("137250")), euro(Decimal("1234.5"))
    ('137.250 €', '1.234,50 €')
    """
    if value == value.to_integral_value():
        text = f"{int(value):,}".replace(",", ".")
    else:
        text = f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{text} €"


def fte(value: Decimal) -> str:
    return format(plain(value), "f").replace(".", ",")


def _evidence(label: str, item, value: str) -> Evidence:
    return Evidence(label=label, value=value, text=item.text, provenance=item.provenance)


def _finding(rule: Rule, message: str, evidence: list[Evidence], module: Optional[int] = None) -> Finding:
    return Finding(rule=rule.value, severity=SEVERITY[rule], message=message, evidence=evidence, module=module)


# ---------------------------------------------------------------------------------------------------------
# rules


def check_words_digits(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    for amount in mentions.amounts:
        if amount.words_value is not None and amount.words_value != amount.value:
            yield _finding(
                Rule.WORDS_DIGITS,
                f"Betrag in Ziffern ({euro(amount.value)}) und in Worten ({euro(amount.words_value)}) weichen ab.",
                [_evidence("Ziffern", amount, str(amount.value)),
                 Evidence(label="Worten", value=str(amount.words_value), text=amount.in_words or "", provenance=amount.provenance)],
                amount.module,
            )


TOTAL_CUE = regex.compile(
    r"(?i)(?:(?:insgesamt|zusammen|gesamt|in\s+Summe|Summe|somit|ergibt|=)\s*(?:von\s+|also\s+|rund\s+|mithin\s+)?"
    r"|(?:Summe|Gesamt\w*|Insgesamt)\b[^\n.:]{0,60}:\s*)$"
)
# Words that announce a complete breakdown of the amount before them (not 'davon', which may list a few).
COMPLETE_PARTS_CUE = regex.compile(
    r"(?i)[^.;]{0,60}?(?:setzt\s+sich\s+(?:\w+\s+){0,3}zusammen(?:\s+aus)?|verteilt\s+sich|aufgeteilt|besteht\s+aus|wie\s+folgt)\s*:?"
    r"|\s*(?:Stellen|VZ(?:Ä|A|E)|Vollzeit\w*|€|EUR|Euro)?\s*:(?!\d)"
)
# A sentence ends at a full stop before a capital, unless it closes an abbreviation; list items do not end it.
PART_BREAK = regex.compile(r"(?<!\b(?:ca|rd|Nr|bzw|z\.\s?B|Mio|Mrd|Tsd))\.\s+(?![-•–]\s)[A-ZÄÖÜ]|\n\s*\n")
ROUNDED = {"rund", "ca.", "etwa", "gut", "knapp"}
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
            yield _sum_finding(Rule.AMOUNT_SUM, parts, total, euro)
    for index, total in enumerate(prose):
        parts = _parts_after(view, prose, index, COMPLETE_PARTS_CUE)
        if len(parts) >= 2 and abs(sum(p.value for p in parts) - total.value) >= CENT + _rounding_slack(parts):
            yield _sum_finding(Rule.AMOUNT_SUM, parts, total, euro)
    for grant in grants:
        parts = _grant_parts(view, mentions, grant)
        if len(parts) >= 2 and sum(p.value for p in parts) != grant.amount:
            total = next(a for a in mentions.amounts if a.provenance.start >= grant.provenance.start and a.value == grant.amount)
            yield _sum_finding(Rule.AMOUNT_SUM, parts, total, euro)


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
                yield _sum_finding(Rule.FTE_SUM, parts, total, fte, value=lambda p: p.fte, unit=" Stellen")
        parts = _parts_after(view, positions, index, COMPLETE_PARTS_CUE)
        if len(parts) >= 2 and abs(sum(p.fte for p in parts) - total.fte) > FTE_TOLERANCE:
            yield _sum_finding(Rule.FTE_SUM, parts, total, fte, value=lambda p: p.fte, unit=" Stellen")
        start = back(total.provenance.start)
        if TOTAL_CUE.search(text[max(0, start - 60):start]):
            parts = _parts_before(view, positions, index)
        elif SUMMING_SENTENCE.search(text[max(0, start - 60):start]):
            parts = _parts_of_previous_sentences(view, positions, index)
        else:
            continue
        if len(parts) >= 2 and abs(sum(p.fte for p in parts) - total.fte) > FTE_TOLERANCE:
            yield _sum_finding(Rule.FTE_SUM, parts, total, fte, value=lambda p: p.fte, unit=" Stellen")


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


def _sum_finding(rule: Rule, parts, total, fmt: Callable[[Decimal], str], value=lambda a: a.value, unit: str = "") -> Finding:
    summed = sum((value(p) for p in parts), Decimal(0))
    shown = " + ".join(fmt(value(p)) for p in parts)
    message = f"Die Teile ergeben {shown} = {fmt(summed)}{unit}, genannt ist als Summe {fmt(value(total))}{unit}."
    evidence = [_evidence("Teil", p, str(value(p))) for p in parts] + [_evidence("Summe", total, str(value(total)))]
    return _finding(rule, message, evidence, getattr(total, "module", None))


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
                    yield _sum_finding(Rule.TABLE_SUM, cells[:-1], cells[-1], _fmt(cells[-1]), value=_cell_value)
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
                        yield _sum_finding(Rule.TABLE_SUM, parts, total, _fmt(total), value=_cell_value)
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


def check_instalments(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    for grant in grants:
        amounts = [i for i in grant.instalments if i.amount is not None and i.fraction is None]
        if len(amounts) >= 2 and grant.amount is not None and sum(i.amount for i in amounts) != grant.amount:
            summed = sum(i.amount for i in amounts)
            message = (f"Die Raten ergeben {' + '.join(euro(i.amount) for i in amounts)} = {euro(summed)}, "
                       f"bewilligt sind {euro(grant.amount)}.")
            evidence = [Evidence(label="Rate", value=str(i.amount), text=i.text, provenance=i.provenance) for i in amounts]
            evidence.append(Evidence(label="Zuwendung", value=str(grant.amount), text=grant.text, provenance=grant.provenance))
            yield _finding(Rule.INSTALMENTS_SUM, message, evidence, grant.module)


def check_dates_in_period(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    for grant in grants:
        if grant.period is None:
            continue
        start, end = grant.period
        for instalment in grant.instalments:
            if instalment.date and not start <= instalment.date <= end:
                yield _finding(
                    Rule.DATE_OUTSIDE_PERIOD,
                    f"Zahlung am {instalment.date:%d.%m.%Y} liegt außerhalb des Förderzeitraums "
                    f"{start:%d.%m.%Y} bis {end:%d.%m.%Y}.",
                    [Evidence(label="Zahlung", value=instalment.date.isoformat(), text=instalment.text, provenance=instalment.provenance),
                     Evidence(label="Zeitraum", value=f"{start}/{end}", text=grant.text, provenance=grant.evidence.get("period", grant.provenance))],
                    grant.module,
                )


def check_decision_before_payment(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    for grant in grants:
        if grant.decision_date is None or grant.kind != "decision":
            continue  # a change is dated after the payments it adjusts
        for instalment in grant.instalments:
            if instalment.date and instalment.date < grant.decision_date:
                yield _finding(
                    Rule.DECISION_AFTER_PAYMENT,
                    f"Zahlung am {instalment.date:%d.%m.%Y} liegt vor dem Bescheid vom {grant.decision_date:%d.%m.%Y}.",
                    [Evidence(label="Zahlung", value=instalment.date.isoformat(), text=instalment.text, provenance=instalment.provenance),
                     Evidence(label="Bescheid", value=grant.decision_date.isoformat(), text=grant.text,
                              provenance=grant.evidence.get("decision_date", grant.provenance))],
                    grant.module,
                )


def check_periods(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    for period in mentions.periods:
        if period.end < period.start:
            yield _finding(Rule.PERIOD_REVERSED, f"Der Zeitraum {period.text} endet vor seinem Beginn.",
                           [_evidence("Zeitraum", period, f"{period.start}/{period.end}")])


def check_rates(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    """A grant's amount per FTE against the one rate per post the document states for its module.

    A grant made of several parts (posts at that rate plus lump sums, or posts at other rates named beside
    it) is left alone when its parts explain its amount.
    """
    for grant in grants:
        if grant.rate_per_fte is None or grant._scope is None or grant.amount is None or grant.kind == "change":
            continue  # a fixing after the audit of expenses follows the expenses, not the rate
        start, end = grant._scope
        back = view.from_original
        stated = [a for a in mentions.amounts if a.per == "Stelle" and start <= back(a.provenance.start) < end]
        alone_in_module = sum(1 for g in grants if g.module == grant.module) == 1
        if not stated and alone_in_module:  # a rate stated elsewhere for the module, e.g. in its section's rules
            stated = [a for a in mentions.amounts if a.per == "Stelle" and a.module in (grant.module, None)]
        if len({a.value for a in stated}) != 1:
            continue
        rate = stated[0]
        if _rate_agrees(grant.rate_per_fte, rate) or _parts_explain(view, mentions, grant, rate):
            continue
        composition = _near_composition(view, mentions, grant, rate)
        if composition is not None:  # posts at the rate plus lump sums, which miss the grant: the parts do not add up
            count, others = composition
            parts_sum = rate.value * count + sum(o.value for o in others)
            yield _finding(
                Rule.AMOUNT_SUM,
                f"Die Teile ergeben {fte(count)} × {euro(rate.value)} + {' + '.join(euro(o.value) for o in others)} = "
                f"{euro(parts_sum)}, bewilligt sind {euro(grant.amount)}.",
                [_evidence("Satz", rate, str(rate.value))] + [_evidence("Teil", o, str(o.value)) for o in others]
                + [Evidence(label="Zuwendung", value=str(grant.amount), text=grant.text, provenance=grant.evidence.get("amount", grant.provenance))],
                grant.module,
            )
            continue
        yield _finding(
            Rule.RATE,
            f"Die Zuwendung von {euro(grant.amount)} für {fte(grant.positions)} Stellen ergibt "
            f"{euro(grant.rate_per_fte)} je Stelle; genannt ist {euro(rate.value)} je Stelle.",
            [_evidence("Satz", rate, str(rate.value)),
             Evidence(label="Zuwendung", value=str(grant.amount), text=grant.text, provenance=grant.evidence.get("amount", grant.provenance))],
            grant.module,
        )
    by_module: dict[int, list[Grant]] = {}
    for grant in grants:
        if grant.rate_per_fte is not None and grant.module is not None:
            by_module.setdefault(grant.module, []).append(grant)
    for module, group in by_module.items():
        rates = {g.rate_per_fte for g in group}
        if len(rates) > 1:
            yield _finding(
                Rule.RATE_ACROSS_YEARS,
                f"Modul {module}: die Beträge je Stelle unterscheiden sich ({', '.join(euro(r) for r in sorted(rates))}).",
                [Evidence(label="Zuwendung", value=str(g.rate_per_fte), text=g.text, provenance=g.provenance) for g in group],
                module,
            )


def _parts_explain(view: View, mentions: Mentions, grant: Grant, rate: Amount) -> bool:
    """Some posts of the grant at the rate plus up to three other amounts of its text give the grant."""
    from itertools import combinations

    back = view.from_original
    start, end = grant._scope
    others = [a.value for a in _grant_others(view, mentions, grant, rate)]
    counts = {p.fte for p in mentions.positions if start <= back(p.provenance.start) < end} | {grant.positions}
    for size in range(1, min(3, len(others)) + 1):
        for extra in combinations(others, size):
            if any(abs(rate.value * count + sum(extra) - grant.amount) < CENT for count in counts):
                return True
    return False


def _grant_others(view: View, mentions: Mentions, grant: Grant, rate: Amount) -> list[Amount]:
    """Amounts in a grant's text besides the grant, the rate, its payments and table cells."""
    back = view.from_original
    start, end = grant._scope
    instalments = {i.amount for i in grant.instalments}
    return [a for a in mentions.amounts if start <= back(a.provenance.start) < end and a.per is None
            and a.value not in (grant.amount, rate.value) and a.value not in instalments and not is_table_cell(a)]


def _near_composition(view: View, mentions: Mentions, grant: Grant, rate: Amount):
    """(posts, lump sums) when posts at the rate plus all other amounts of the grant's text come within a
    tenth of the grant: a breakdown of the grant that misses it."""
    others = _grant_others(view, mentions, grant, rate)
    if not others:
        return None
    back = view.from_original
    start, end = grant._scope
    counts = {p.fte for p in mentions.positions if start <= back(p.provenance.start) < end} | {grant.positions}
    best = min(counts, key=lambda c: abs(rate.value * c + sum(o.value for o in others) - grant.amount))
    total = rate.value * best + sum(o.value for o in others)
    return (best, others) if abs(total - grant.amount) <= grant.amount / 10 else None


def _rate_agrees(rate: Decimal, stated: Amount) -> bool:
    if stated.qualifier in ("bis zu", "maximal", "höchstens"):
        return rate <= stated.value + CENT
    return abs(rate - stated.value) < Decimal("1")


def check_not_filled(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    """Funded posts stated as not set up: a warning with the money at risk."""
    back = view.from_original
    for position in mentions.positions:
        if position.status != "not_set_up":
            continue
        start = back(position.provenance.start)
        grant = _grant_before(view, grants, start)
        at_risk = plain((position.fte * grant.rate_per_fte).quantize(CENT)) if grant and grant.rate_per_fte else None
        where = f" in der {position.authority}" if position.authority else ""
        message = f"{fte(position.fte)} geförderte Stelle{where} ist nicht eingerichtet oder nicht besetzt"
        evidence = [_evidence("Stelle", position, str(position.fte))]
        if at_risk is not None and grant is not None:
            message += f"; {euro(at_risk)} von {euro(grant.amount)} werden möglicherweise nicht verwendet."
            evidence.append(Evidence(label="Zuwendung", value=str(grant.amount), text=grant.text, provenance=grant.provenance))
        else:
            message += "."
        yield _finding(Rule.NOT_FILLED, message, evidence, position.module)


def check_unnumbered_not_filled(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    """'Die weitergeleitete Stelle … wird nicht eingerichtet': one post, named without a number."""
    text, back = view.text, view.from_original
    not_set_up = regex.compile(domain_terms()["position_status"]["not_set_up"], regex.IGNORECASE)
    numbered = [(back(p.provenance.start), back(p.provenance.end)) for p in mentions.positions]
    for match in not_set_up.finditer(text):
        start, end = _sentence_span(text, match.start())
        sentence = text[start:end]
        post = regex.search(r"\b(?:Die|Diese|Eine|Der|Einer)\s+(?:[a-zäöüß]\w*\s+){0,2}Stelle\b", sentence)
        if not post or any(start <= s < end for s, _ in numbered):
            continue
        grant = _grant_before(view, grants, start)
        message = "Eine geförderte Stelle ist nicht eingerichtet oder nicht besetzt"
        original, provenance = view.provenance(start + post.start(), start + post.end())
        evidence = [Evidence(label="Stelle", value="1", text=original, provenance=provenance)]
        if grant is not None and grant.rate_per_fte:
            message += f"; {euro(grant.rate_per_fte)} von {euro(grant.amount)} werden möglicherweise nicht verwendet."
            evidence.append(Evidence(label="Zuwendung", value=str(grant.amount), text=grant.text, provenance=grant.provenance))
        else:
            message += "."
        yield _finding(Rule.NOT_FILLED, message, evidence, grant.module if grant else None)


def _sentence_span(text: str, offset: int) -> tuple[int, int]:
    starts = [m.end() for m in PART_BREAK.finditer(text, max(0, offset - 600), offset)]
    start = starts[-1] - 1 if starts else max(0, text.rfind("\n\n", 0, offset))
    stop = PART_BREAK.search(text, offset)
    return start, stop.start() + 1 if stop else len(text)


def _grant_before(view: View, grants: list[Grant], offset: int) -> Optional[Grant]:
    back = view.from_original
    before = [g for g in grants if back(g.provenance.start) <= offset]
    return before[-1] if before else None


RULES: dict[Rule, Callable[[View, Mentions, list[Grant]], Iterable[Finding]]] = {
    Rule.WORDS_DIGITS: check_words_digits,
    Rule.AMOUNT_SUM: check_amount_sums,
    Rule.FTE_SUM: check_fte_sums,
    Rule.TABLE_SUM: check_table_sums,
    Rule.INSTALMENTS_SUM: check_instalments,
    Rule.DATE_OUTSIDE_PERIOD: check_dates_in_period,
    Rule.DECISION_AFTER_PAYMENT: check_decision_before_payment,
    Rule.PERIOD_REVERSED: check_periods,
    Rule.RATE: check_rates,
    Rule.NOT_FILLED: lambda *args: [*check_not_filled(*args), *check_unnumbered_not_filled(*args)],
}


def grants_to_findings(view: View, mentions: Mentions, grants: list[Grant], disabled: frozenset[str] = frozenset()) -> list[Finding]:
    """Run every rule that is not disabled; findings in rule order, then document order."""
    findings: list[Finding] = []
    for rule, check in RULES.items():
        if rule.value in disabled:
            continue
        for finding in check(view, mentions, grants):
            if finding.rule not in disabled:
                findings.append(finding)
    return findings


# ---------------------------------------------------------------------------------------------------------


