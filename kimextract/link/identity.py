"""What identifies a grant's decision across papers: the file number it bears or that the paper cites for it,
the programme, and the recipient where the paper names one.

A Bescheid's own decision bears the Bescheid's file number; any other grant carries the number cited in its
own sentence ('Mit Zuwendungsbescheid … vom 14. April 2021 (Az. 36.08.02-KIM1-09/21)'), never a number the
paper cites elsewhere.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple, Optional

import regex

from ..extract import Mentions, View
from ..records import Grant
from ..resources import load_json

CITED_REFERENCE = regex.compile(
    r"(?i)\b(?:Az\.?|Aktenzeichen|Gesch(?:ä|a)ftszeichen|GZ\.?)\s*[:.]?\s*"
    r"(?P<value>[A-Z0-9][\w./-]*\d[\w./-]*)"
)
HEADS = r"(?:Kreis|Landkreis|Stadtkreis|Stadt|Gemeinde|St(?:ä|a)dteregion|Markt|Hansestadt|Kreisstadt)"
LOCAL_BODY = (rf"{HEADS}\s+[A-ZÄÖÜ][\wäöüß-]+"
              r"|(?:[A-ZÄÖÜ][\wäöüß]*-)+Kreis(?:es)?\b|[A-ZÄÖÜ][\wäöüß]+kreis(?:es)?\b|[A-ZÄÖÜ][\wäöüß]*ische[nr]?\s+Kreis(?:es)?")
# 'wurden dem Kreis Soest … bewilligt', 'an die Stadt Hagen', 'für den Rhein-Erft-Kreis'
RECIPIENT = regex.compile(rf"\b(?:dem|der|an\s+den|an\s+die|für\s+den|für\s+die)\s+(?P<body>{LOCAL_BODY})")
BARE_RECIPIENT = regex.compile(r"\b(?:dem|der)\s+(?P<head>Kreis|Stadt|Gemeinde|St(?:ä|a)dteregion)\b(?!\s+[A-ZÄÖÜ])")
LIST_ITEM_RECIPIENT = regex.compile(rf"[\s•*–-]*(?P<body>{HEADS}(?:\s+[A-ZÄÖÜ][\wäöüß.-]*){{1,3}}|{LOCAL_BODY})\s*:")  # '• Landkreis Tübingen: 312.400 Euro'
ADDRESS_LINE = regex.compile(rf"^\s*(?:An\s+(?:den|die)\s+)?(?P<body>{LOCAL_BODY})\s*$")


class Found(NamedTuple):
    """A value and where it stands in the view (None: the span is unknown)."""

    value: str
    span: Optional[tuple[int, int]]


def identify(view: View, mentions: Mentions, grants: list[Grant]) -> None:
    """Fill in each grant's file number, programme and recipient, each with its provenance."""
    structure, header = mentions.structure, mentions.header
    subject = Found(header.subject or "", structure.letter.subject_span)
    # a Bescheid's addressee, else the one local body the Betreff names ('… Case Management im Kreis Lippe')
    addressee = _addressee(structure) if structure.decides else _named_once(subject)
    programme_of_paper = _only_programme(view.text)
    for grant in grants:
        sentence = (view.from_original(grant.provenance.start), view.from_original(grant.provenance.end))
        found = {
            "reference": _reference(view.text, sentence, structure, grant),
            "programme": _programme(view.text, sentence, subject) or programme_of_paper,
            "recipient": _recipient(view.text, sentence, header.authority) or addressee,
        }
        for name, item in found.items():
            if item is not None:
                setattr(grant, name, item.value)
                if item.span is not None:
                    grant.evidence[name] = view.provenance(*item.span)[1]


def _reference(text: str, sentence: tuple[int, int], structure, grant: Grant) -> Optional[Found]:
    """The file number cited in the grant's sentence; else a Bescheid's own for the decision it makes."""
    cited = CITED_REFERENCE.search(text, *sentence)
    if cited is not None:
        value = cited["value"].rstrip(".,")
        return Found(value, (cited.start("value"), cited.start("value") + len(value)))
    if structure.decides and grant.kind != "earlier" and structure.letter.reference:
        span = structure.letter.reference_span
        return Found(structure.letter.reference, span if span and span[1] else None)
    return None


@lru_cache(maxsize=1)
def _programmes() -> list[tuple[str, regex.Pattern]]:
    table = load_json("programmes.json")["programmes"]
    return [(name, regex.compile("(?i)" + "|".join(patterns))) for name, patterns in table.items()]


def _programme(text: str, sentence: tuple[int, int], subject: Found) -> Optional[Found]:
    """The programme named first in the grant's sentence, else in the Betreff (its span as the evidence)."""
    named = [(match.start(), match.end(), name) for name, pattern in _programmes()
             for match in [pattern.search(text, *sentence)] if match]
    if named:
        start, end, name = min(named)
        return Found(name, (start, end))
    named = [(match.start(), name) for name, pattern in _programmes() for match in [pattern.search(subject.value)] if match]
    return Found(min(named)[1], subject.span) if named else None


def _only_programme(text: str) -> Optional[Found]:
    """The programme of a paper that names only one."""
    named = {name: match for name, pattern in _programmes() for match in [pattern.search(text)] if match}
    if len(named) != 1:
        return None
    name, match = named.popitem()
    return Found(name, match.span())


def _recipient(text: str, sentence: tuple[int, int], own_body: Optional[str]) -> Optional[Found]:
    """The local body the sentence grants to, or a list item names first; 'dem Kreis' alone is the paper's own
    body where that is one."""
    match = LIST_ITEM_RECIPIENT.match(text, *sentence) or RECIPIENT.search(text, *sentence)
    if match is not None:
        return Found(_nominative(match["body"]), match.span("body"))
    bare = BARE_RECIPIENT.search(text, *sentence)
    if bare is not None and own_body and regex.match(rf"(?i){bare['head']}\b|.*{bare['head']}$", own_body):
        return Found(own_body, bare.span("head"))
    return None


def _named_once(subject: Found) -> Optional[Found]:
    bodies = {_nominative(match["body"]) for match in regex.finditer(rf"(?P<body>{LOCAL_BODY})", subject.value)}
    return Found(bodies.pop(), subject.span) if len(bodies) == 1 else None


def _addressee(structure) -> Optional[Found]:
    """The local body a Bescheid is addressed to: a line of its address block above the Betreff."""
    limit = structure.letter.subject_span[0] if structure.letter.subject_span else len(structure.text)
    for line in structure.lines[:40]:
        if line.start >= limit:
            break
        match = ADDRESS_LINE.match(line.text)
        if match and match["body"] != structure.letter.sender:
            return Found(_nominative(match["body"]), (line.start + match.start("body"), line.start + match.end("body")))
    return None


def _nominative(name: str) -> str:
    """'Märkischen Kreises' -> 'Märkischer Kreis', 'Rhein-Erft-Kreises' -> 'Rhein-Erft-Kreis'.

    >>> _nominative("Oberbergischen Kreises"), _nominative("Rhein-Erft-Kreises"), _nominative("Kreis Soest")
    ('Oberbergischer Kreis', 'Rhein-Erft-Kreis', 'Kreis Soest')
    """
    name = regex.sub(r"\s+", " ", name)
    name = name[:-2] if name.lower().endswith("kreises") else name
    return regex.sub(r"ische[nr]?(?=\s+Kreis$)", "ischer", name)
