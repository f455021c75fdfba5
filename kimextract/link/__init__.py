"""Mentions → grants. Structure decides scope, phrases decide meaning.

A Bescheid with a tenor is linked from its parts (``parts.py``); every other paper, and a Bescheid whose
tenor could not be found, from its decision sentences (``sentences.py``), its tables of decisions and its
lists of recipients (``tables.py``). The paper's kind decides what may be a grant at all: a directive or a
Verordnung yields none; a proposal (Beschlussvorschlag) is never one; a budget, a speech or accounts report
only a funder's decision; minutes record what the body decided after 'Beschluss:'; any other paper yields a
grant where a sentence cites a decision and who made it.
"""

from __future__ import annotations

from functools import lru_cache

import regex
from spacy.tokens import Doc

from ..extract import Mentions, View
from ..records import Grant
from ..resources import load_json
from ..structure.authority import find_authority, rank_of, resolve_bare
from .parts import bescheid_grants
from .tables import list_grants, table_grants
from .sentences import AUTHORITY, DECISION, Sentence, _in, decision_sentences, fill_gaps, link_context, sentence_grants

__all__ = ["mentions_to_grants"]

# Papers that report decisions: a sentence must say who decided ('Bescheid', an authority, 'das Land').
REPORTS_DECISIONS = frozenset({"berichtsvorlage", "beschlussvorlage", "mitteilungsvorlage", "verwendungsnachweis",
                               "pressemitteilung", "bescheid"})
CITES_DECIDER = regex.compile(r"(?i)bescheid\w*|\bdas\s+land\b|\bder\s+bund\b|\bgemeinderat|\bstadtrat|\bkreistag|\bausschuss")

# Papers about a body's own money: what its council 'festgesetzt' or approved is no grant to it.
OWN_MONEY = frozenset({"haushalt", "rede", "bericht"})
OWN_BODY = regex.compile(r"(?:Stadtrat|Gemeinderat|Kreistag|Kreisausschuss|Rat|Stadt|Gemeinde|Kreis|Landkreis|Markt)\b")
FUNDING = regex.compile(r"(?i)zuwendung|f(?:ö|o)rder|zuschuss|bewillig|bescheid|zugesagt")  # what a funder's decision is about
TOTAL_WORD = regex.compile(r"(?i)\b(?:insgesamt|zusammen|in\s+Summe|somit)\b")
RESOLUTION = regex.compile(r"(?i)\bBeschlu(?:ss|ß)\s*:")
COUNCIL_OF = regex.compile(r"\bRat(?:es)?\s+der\s+((?:Stadt|Gemeinde)\s+[A-ZÄÖÜ][\w-]+)")


def _council_decides(structure, header, grants: list[Grant]) -> None:
    """A grant the minutes record without naming who decided or when is the body's whose session they record,
    decided on the day of the session."""
    council = find_authority(structure.letter.subject, council=True) if structure.letter.subject else None
    named = COUNCIL_OF.search(structure.letter.subject or "")
    if council is None and named:  # 'Sitzung des Rates der Stadt Halverbrück'
        council = (f"Rat der {named[1]}", named.start(), named.end())
    if council is not None:  # 'des Gemeinderates' in the title: the council as the head names it in full
        head_end = (structure.letter.subject_span or (0, 0))[1] + 300  # not 'Gemeinderat Lorenz' speaking later
        council = (resolve_bare(council[0], structure.text, head_end, first=True),) + council[1:]
    for grant in grants:  # 'Stadtrat Hofmann' in the minutes is a member, not the council
        if council is not None and (grant.authority in (None, header.authority) or find_authority(grant.authority, council=True)):
            grant.authority = council[0]
        if grant.decision_date is None:
            grant.decision_date = header.meeting_date or header.date  # decided in the session the minutes record
        if grant.authority == (council[0] if council else None) or grant.decision_date == (header.meeting_date or header.date):
            grant.kind = "decision"  # the council decided it in the session the minutes record


@lru_cache(maxsize=1)
def _no_grant_kinds() -> frozenset[str]:
    return frozenset(load_json("structure.json")["no_grants"])


def mentions_to_grants(doc: Doc, view: View, mentions: Mentions) -> list[Grant]:
    context = link_context(doc, view, mentions)
    structure = mentions.structure
    if structure.kind.kind in _no_grant_kinds():
        return []
    if structure.decides and structure.tenor:
        return bescheid_grants(view, mentions, context)
    decisions = [s for s in decision_sentences(view, mentions, context) if _may_decide(view, structure, s)]
    grants = sentence_grants(view, mentions, context, decisions)
    _filled_by_proposal(view, mentions, context, structure, grants)
    if not structure.decides:
        grants = _without_totals(_merge(grants, table_grants(view, mentions, context) + list_grants(view, mentions, context)))
        for grant in grants:
            if grant.kind == "decision":
                grant.kind = "cited"  # a paper that decides nothing reports the decision
    if structure.kind.kind == "niederschrift":
        _council_decides(structure, mentions.header, grants)
    return _one_per_decision(grants)


def _filled_by_proposal(view: View, mentions: Mentions, context, structure, grants: list[Grant]) -> None:
    """A proposal decides nothing, but where it names a decision the facts report ('Der Kreistag nimmt die mit
    Bescheid … vom 29.01.2024 für den Bewilligungszeitraum … bewilligte Zuwendung … an'), it gives what they
    leave open."""
    proposed = [s for s in context.sents if structure.role_at(s.end - 1) == "proposal" and DECISION.search(view.text, s.start, s.end)
                and _in(mentions.amounts, context.starts, s.start, s.end)]
    if not proposed or not grants:
        return
    for named in sentence_grants(view, mentions, context, proposed):
        for grant in grants:
            if grant.amount == named.amount and named.decision_date in (None, grant.decision_date):
                fill_gaps(grant, named)


def _without_totals(grants: list[Grant]) -> list[Grant]:
    """A sentence that sums up the decisions the paper lists ('Insgesamt sind … 1.457.500 € bewilligt worden')
    reports no decision of its own."""
    return [g for g in grants if not (TOTAL_WORD.search(g.text) and len(grants) > 2 and
                                      sum(o.amount for o in grants if o is not g and o.amount is not None) == g.amount)]


def _one_per_decision(grants: list[Grant]) -> list[Grant]:
    """A decision a paper reports twice ('… hat mit Bescheid vom 19.02.2024 … 186.000 € bewilligt' and, in the
    resolution, 'die mit Bescheid … vom 19.02.2024 bewilligte Zuwendung in Höhe von 186.000 €') is one grant:
    the first mention, with what the second adds."""
    kept: list[Grant] = []
    for grant in grants:
        same = next((k for k in kept if k.amount == grant.amount and k.decision_date is not None
                     and k.decision_date == grant.decision_date and k.authority == grant.authority
                     and all(None in pair or pair[0] == pair[1] for pair in
                             ((k.module, grant.module), (k.positions, grant.positions), (k.period, grant.period)))), None)
        if same is None:
            kept.append(grant)
        else:
            fill_gaps(same, grant)
    return kept


def _merge(grants: list[Grant], rows: list[Grant]) -> list[Grant]:
    """Grants from table rows beside those from sentences: a row that a sentence already reports (same amount
    and date) fills in what the sentence left open."""
    for row in rows:
        same = next((g for g in grants if g.amount == row.amount and g.decision_date in (None, row.decision_date)), None)
        if same is None:
            grants.append(row)
            continue
        if row.authority and same.authority and rank_of(row.authority) < rank_of(same.authority):
            same.authority = row.authority  # the table's decider, not the Stadt or Jobcenter a sentence names
        fill_gaps(same, row)
    return sorted(grants, key=lambda g: g.provenance.start)


def _may_decide(view: View, structure, sentence: Sentence) -> bool:
    """A proposal decides nothing, nor does a table read as text; a paper that is not about funding reports a
    decision only where the sentence names who made it."""
    if structure.role_at(sentence.start) == "proposal" or structure.in_table(sentence.start):
        return False  # a table's rows are read as rows (link/tables.py)
    if structure.kind.kind in REPORTS_DECISIONS or structure.kind.kind == "niederschrift" and RESOLUTION.search(
            view.text, max(0, sentence.start - 20), sentence.start + 1):
        return True  # minutes: what follows 'Beschluss:' the body itself decided
    body = view.text[sentence.start:sentence.end]
    if structure.kind.kind in OWN_MONEY:  # a budget, a speech, accounts: only a funder's decision they report
        funder = find_authority(body)
        return funder is not None and not OWN_BODY.match(funder[0]) and \
            FUNDING.search(body, max(0, funder[1] - 150), funder[2] + 150) is not None  # the funder's own decision
    if AUTHORITY.search(body) or CITES_DECIDER.search(body):
        return True
    # 'ist der Förderbescheid des Amtes … vom 29.09.2025 eingegangen. Bewilligt wurde eine Zuwendung von …'
    before = view.text[max(0, sentence.start - 300):sentence.start]
    named = find_authority(before)
    return CITES_DECIDER.search(before) is not None and named is not None and rank_of(named[0]) == 0
