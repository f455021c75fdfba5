"""Rules about grants and the statements around them: words against digits, instalments, payment dates, rates
per FTE, and funded posts that were not set up."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable, Optional

import regex

from ..extract import Mentions, View, is_table_cell
from ..link.sentences import FIXES
from ..records import Amount, Evidence, Finding, Grant
from ..resources import domain_terms
from ..rules import Rule
from ..values import plain
from .common import CENT, PART_BREAK, ROUNDED, euro, evidence_at, evidence_of, finding, fte, part_end


def check_words_digits(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    for amount in mentions.amounts:
        if amount.words_value is not None and amount.words_value != amount.value:
            yield finding(
                Rule.WORDS_DIGITS,
                f"Betrag in Ziffern ({euro(amount.value)}) und in Worten ({euro(amount.words_value)}) weichen ab.",
                [evidence_of("Ziffern", amount, str(amount.value)),
                 evidence_at(view, "Worten", str(amount.words_value), amount.words_provenance or amount.provenance)],
                amount.module,
            )


def check_instalments(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    """Instalments against the grant they pay; a fixing after the audit ('auf … festgesetzt') differs from what
    was paid as a rule (the difference is repaid or paid on), so it is left alone."""
    for grant in grants:
        if grant.kind == "change" and FIXES.search(grant.text):
            continue
        amounts = [i for i in grant.instalments if i.amount is not None and i.fraction is None]
        if _capped(mentions, grant) and sum(i.amount for i in amounts) < (grant.amount or 0):
            continue  # 'höchstens 450.000 €': what is paid on a cap may stay below it
        if len(amounts) >= 2 and grant.amount is not None and sum(i.amount for i in amounts) != grant.amount:
            summed = sum(i.amount for i in amounts)
            message = (f"Die Raten ergeben {' + '.join(euro(i.amount) for i in amounts)} = {euro(summed)}, "
                       f"bewilligt sind {euro(grant.amount)}.")
            evidence = [Evidence(label="Rate", value=str(i.amount), text=i.text, provenance=i.provenance) for i in amounts]
            evidence.append(Evidence(label="Zuwendung", value=str(grant.amount), text=grant.text, provenance=grant.provenance))
            yield finding(Rule.INSTALMENTS_SUM, message, evidence, grant.module)


CAP = frozenset({"höchstens", "hochstens", "bis zu", "maximal"})


def _capped(mentions: Mentions, grant: Grant) -> bool:
    """The grant's amount is a cap ('höchstens 450.000,00 €'), not the sum to be paid."""
    stated = grant.evidence.get("amount")
    return any(a.provenance == stated and (a.qualifier or "").lower() in CAP for a in mentions.amounts)


def check_dates_in_period(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    for grant in grants:
        if grant.period is None:
            continue
        start, end = grant.period
        period = next((p for p in mentions.periods if p.provenance == grant.evidence.get("period")), None)
        for instalment in grant.instalments:
            if instalment.date and not start <= instalment.date <= end:
                yield finding(
                    Rule.DATE_OUTSIDE_PERIOD,
                    f"Zahlung am {instalment.date:%d.%m.%Y} liegt außerhalb des Förderzeitraums "
                    f"{start:%d.%m.%Y} bis {end:%d.%m.%Y}.",
                    # the dates themselves, so that a reader (and the second reading of a scan) finds them
                    [_payment_evidence(mentions, instalment),
                     evidence_of("Zeitraum", period, f"{start}/{end}") if period else
                     evidence_at(view, "Zeitraum", f"{start}/{end}", grant.evidence.get("period", grant.provenance))],
                    grant.module,
                )


def _payment_evidence(mentions: Mentions, instalment) -> Evidence:
    """The date of a payment as evidence: the date mention itself where the text that names the instalment holds
    it, so that a reader (and the second reading of a scan) finds it, else that text."""
    span = instalment.provenance
    paid_on = next((d for d in mentions.dates if d.value == instalment.date and span.start <= d.provenance.start < span.end), None)
    if paid_on is not None:
        return evidence_of("Zahlung", paid_on, instalment.date.isoformat())
    return Evidence(label="Zahlung", value=instalment.date.isoformat(), text=instalment.text, provenance=instalment.provenance)


def check_decision_before_payment(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    for grant in grants:
        if grant.decision_date is None or grant.kind not in ("decision", "cited"):
            continue  # a change is dated after the payments it adjusts
        for instalment in grant.instalments:
            if instalment.date and instalment.date < grant.decision_date:
                yield finding(
                    Rule.DECISION_AFTER_PAYMENT,
                    f"Zahlung am {instalment.date:%d.%m.%Y} liegt vor dem Bescheid vom {grant.decision_date:%d.%m.%Y}.",
                    [_payment_evidence(mentions, instalment),
                     evidence_at(view, "Bescheid", grant.decision_date.isoformat(), grant.evidence.get("decision_date", grant.provenance))],
                    grant.module,
                )


def check_periods(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    for period in mentions.periods:
        if period.end < period.start:
            yield finding(Rule.PERIOD_REVERSED, f"Der Zeitraum {period.text} endet vor seinem Beginn.",
                           [evidence_of("Zeitraum", period, f"{period.start}/{period.end}")])


PRO_RATA = regex.compile(r"(?i)\b(?:zeitanteilig|anteilig\s+f(?:ü|u)r|pro\s+rata)\b")
ADDED_PARTS = regex.compile(r"(?i)\bhinzu\s+komm|\bzuz(?:ü|u)glich\b|\bzzgl\.|\bsowie\s+(?:eine[rnms]?\s+)?(?:Sach|Overhead|Verwaltungs|Miet)\w*")
PER_YEAR = regex.compile(r"(?i)[^.;]{0,30}?\b(?:und|pro|je|im)\s+(?:Jahr|Kalenderjahr|Haushaltsjahr)\b|\s*j(?:ä|a)hrlich")
YEARLY_BEFORE = regex.compile(r"(?i)\bj(?:ä|a)hrlich(?:\s+(?:je|jeweils|bis\s+zu|rund))?\s*$")  # 'mit jährlich 42.000 € je Stelle'


def check_rates(view: View, mentions: Mentions, grants: list[Grant]) -> Iterable[Finding]:
    """A grant's amount per FTE against the one rate per post the document states for its module.

    A grant made of several parts (posts at that rate plus lump sums, or posts at other rates named beside
    it) is left alone when its parts explain its amount.
    """
    for grant in grants:
        if grant.rate_per_fte is None or grant._scope is None or grant.amount is None or \
                grant.kind == "change" and FIXES.search(grant.text):
            continue  # a fixing after the audit of expenses follows the expenses, not the rate; an increase does
        start, end = grant._scope
        back = view.from_original
        # a rate is stated exactly; 'mit rund 78.000 € je Stelle angesetzt' estimates a cost
        stated = [a for a in mentions.amounts if a.per == "Stelle" and start <= back(a.provenance.start) < end and a.qualifier not in ROUNDED]
        alone_in_module = sum(1 for g in grants if g.module == grant.module) == 1
        # a rate stated elsewhere for the module (a Bescheid's section of rules); a paper that reports decisions
        # states rates of programmes in general, not of the grant it cites
        if not stated and alone_in_module and mentions.structure is not None and mentions.structure.decides:
            stated = [a for a in mentions.amounts if a.per == "Stelle" and a.module in (grant.module, None) and a.qualifier not in ROUNDED]
        if len({a.value for a in stated}) != 1:
            continue
        rate = stated[0]
        if ADDED_PARTS.search(view.text, start, end) and rate.value * grant.positions <= grant.amount:
            continue  # 'hinzu kommen Sachausgaben …': the posts at the rate are one part of the grant
        if PRO_RATA.search(view.text, start, end) and grant.amount < rate.value * grant.positions:
            continue  # 'für die zusätzlichen Stellen zeitanteilig ab dem 01.07.': posts funded for part of the year
        if _rate_agrees(grant.rate_per_fte / _years_at_annual_rate(view, grant, rate), rate) or _parts_explain(view, mentions, grant, rate):
            continue
        composition = _near_composition(view, mentions, grant, rate)
        if composition is not None:  # posts at the rate plus lump sums, which miss the grant: the parts do not add up
            count, others = composition
            parts_sum = rate.value * count + sum(o.value for o in others)
            yield finding(
                Rule.AMOUNT_SUM,
                f"Die Teile ergeben {fte(count)} × {euro(rate.value)} + {' + '.join(euro(o.value) for o in others)} = "
                f"{euro(parts_sum)}, bewilligt sind {euro(grant.amount)}.",
                [evidence_of("Satz", rate, str(rate.value))] + [evidence_of("Teil", o, str(o.value)) for o in others]
                + [evidence_at(view, "Zuwendung", str(grant.amount), grant.evidence.get("amount", grant.provenance))],
                grant.module,
            )
            continue
        yield finding(
            Rule.RATE,
            f"Die Zuwendung von {euro(grant.amount)} für {fte(grant.positions)} Stellen ergibt "
            f"{euro(grant.rate_per_fte)} je Stelle; genannt ist {euro(rate.value)} je Stelle.",
            [evidence_of("Satz", rate, str(rate.value)),
             evidence_at(view, "Zuwendung", str(grant.amount), grant.evidence.get("amount", grant.provenance))],
            grant.module,
        )
    by_module: dict[int, list[Grant]] = {}
    for grant in grants:
        if grant.rate_per_fte is not None and grant.module is not None:
            by_module.setdefault(grant.module, []).append(grant)
    for module, group in by_module.items():
        rates = {g.rate_per_fte for g in group}
        if len(rates) > 1:
            yield finding(
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


def _years_at_annual_rate(view: View, grant: Grant, rate: Amount) -> Decimal:
    """How many years a rate 'je Stelle und Jahr' is paid for over the grant's period (two for 2023–2024,
    0,5 for six months); 1 for a rate without 'Jahr' or a grant without a period."""
    start, end = view.from_original(rate.provenance.start), view.from_original(rate.provenance.end)
    if grant.period is None or not (PER_YEAR.match(view.text, end, end + 50) or YEARLY_BEFORE.search(view.text, max(0, start - 30), start)):
        return Decimal(1)
    start, stop = grant.period
    months = (stop.year - start.year) * 12 + stop.month - start.month + (1 if stop.day >= 28 else 0)
    return Decimal(max(months, 1)) / 12


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
        where = f" in der {position.authority}" if position.authority else ""
        yield _not_filled(f"{fte(position.fte)} geförderte Stelle{where}", position.fte,
                          evidence_of("Stelle", position, str(position.fte)), _grant_before(view, grants, start), position.module)


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
        original, provenance = view.provenance(start + post.start(), start + post.end())
        post_evidence = Evidence(label="Stelle", value="1", text=original, provenance=provenance)
        yield _not_filled("Eine geförderte Stelle", Decimal(1), post_evidence, grant, grant.module if grant else None)


def _not_filled(post: str, share: Decimal, post_evidence: Evidence, grant: Optional[Grant], module: Optional[int]) -> Finding:
    """The warning for a funded post not set up, with the money at risk when the grant's rate per FTE is known."""
    message = f"{post} ist nicht eingerichtet oder nicht besetzt"
    evidence = [post_evidence]
    if grant is not None and grant.rate_per_fte:
        at_risk = plain((share * grant.rate_per_fte).quantize(CENT))
        message += f"; {euro(at_risk)} von {euro(grant.amount)} werden möglicherweise nicht verwendet."
        evidence.append(Evidence(label="Zuwendung", value=str(grant.amount), text=grant.text, provenance=grant.provenance))
    else:
        message += "."
    return finding(Rule.NOT_FILLED, message, evidence, module)


def _sentence_span(text: str, offset: int) -> tuple[int, int]:
    starts = [m.end() for m in PART_BREAK.finditer(text, max(0, offset - 600), offset)]
    start = starts[-1] - 1 if starts else max(0, text.rfind("\n\n", 0, offset))
    return start, part_end(text, offset)


def _grant_before(view: View, grants: list[Grant], offset: int) -> Optional[Grant]:
    back = view.from_original
    before = [g for g in grants if back(g.provenance.start) <= offset]
    return before[-1] if before else None
