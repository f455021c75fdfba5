"""Mentions → grants. Structure decides scope, phrases decide meaning.

A Bescheid with a tenor is linked from its parts (``parts.py``); every other paper, and a Bescheid whose
tenor could not be found, from its decision sentences (``sentences.py``). The paper's kind decides what may
be a grant at all: a directive, a Verordnung or a budget yields none; a proposal (Beschlussvorschlag) is never
one; a paper that only reports decisions yields one where a sentence cites a decision and who made it.
"""

from __future__ import annotations

from functools import lru_cache

import regex
from spacy.tokens import Doc

from ..extract import Mentions, View
from ..records import Grant
from ..resources import load_json
from .parts import bescheid_grants
from .sentences import AUTHORITY, Sentence, decision_sentences, link_context, sentence_grants

__all__ = ["mentions_to_grants"]

# Papers that report decisions: a sentence must say who decided ('Bescheid', an authority, 'das Land').
REPORTS_DECISIONS = frozenset({"berichtsvorlage", "beschlussvorlage", "mitteilungsvorlage", "verwendungsnachweis",
                               "pressemitteilung", "bescheid"})
CITES_DECIDER = regex.compile(r"(?i)\bbescheid\w*|\bbewilligungsbescheid|\bzuwendungsbescheid|\bdas\s+land\b|\bder\s+bund\b|\bgemeinderat|\bstadtrat|\bkreistag|\bausschuss")


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
    return sentence_grants(view, mentions, context, decisions)


def _may_decide(view: View, structure, sentence: Sentence) -> bool:
    """A proposal decides nothing; a paper that is not about funding reports a decision only where the
    sentence names who made it."""
    if structure.role_at(sentence.start) == "proposal":
        return False
    if structure.kind.kind in REPORTS_DECISIONS:
        return True
    body = view.text[sentence.start:sentence.end]
    return bool(AUTHORITY.search(body) or CITES_DECIDER.search(body))
