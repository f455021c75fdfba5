"""What identifies a grant's decision across papers: the file number it bears or that the paper cites for it,
the programme, and the recipient where the paper names one.

A Bescheid's own decision bears the Bescheid's file number; any other grant carries the number cited in its
own sentence ('Mit Zuwendungsbescheid … vom 14. April 2021 (Az. 36.08.02-KIM1-09/21)'), never a number the
paper cites elsewhere.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

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
LIST_ITEM_RECIPIENT = regex.compile(rf"^[\s•*–-]*(?P<body>{HEADS}(?:\s+[A-ZÄÖÜ][\wäöüß.-]*){{1,3}}|{LOCAL_BODY})\s*:")  # '• Landkreis Tübingen: 312.400 Euro'
ADDRESS_LINE = regex.compile(rf"^\s*(?:An\s+(?:den|die)\s+)?(?P<body>{LOCAL_BODY})\s*$")


def identify(view: View, mentions: Mentions, grants: list[Grant]) -> None:
    """Fill in each grant's file number, programme and recipient, with the provenance of the file number."""
    structure, header = mentions.structure, mentions.header
    # a Bescheid's addressee, else the one local body the Betreff names ('… Case Management im Kreis Lippe')
    addressee = _addressee(structure) if structure.decides else _named_once(header.subject or "")
    for grant in grants:
        start, end = view.from_original(grant.provenance.start), view.from_original(grant.provenance.end)
        cited = CITED_REFERENCE.search(view.text, start, end)
        if cited is not None:
            grant.reference = cited["value"].rstrip(".,")
            grant.evidence["reference"] = view.provenance(cited.start("value"), cited.start("value") + len(grant.reference))[1]
        elif structure.decides and grant.kind != "earlier" and structure.letter.reference:
            grant.reference = structure.letter.reference
            if structure.letter.reference_span and structure.letter.reference_span[1]:
                grant.evidence["reference"] = view.provenance(*structure.letter.reference_span)[1]
        grant.programme = _programme(view.text[start:end], header.subject or "", view.text)
        grant.recipient = _recipient(view.text[start:end], header.authority) or addressee


@lru_cache(maxsize=1)
def _programmes() -> list[tuple[str, regex.Pattern]]:
    table = load_json("programmes.json")["programmes"]
    return [(name, regex.compile("(?i)" + "|".join(patterns))) for name, patterns in table.items()]


def _programme(sentence: str, subject: str, text: str) -> Optional[str]:
    """The programme named in the grant's sentence, else in the Betreff, else the only one the paper names."""
    for part in (sentence, subject):
        named = [(match.start(), name) for name, pattern in _programmes() for match in [pattern.search(part)] if match]
        if named:
            return min(named)[1]
    named = {name for name, pattern in _programmes() if pattern.search(text)}
    return named.pop() if len(named) == 1 else None


def _recipient(sentence: str, own_body: Optional[str]) -> Optional[str]:
    """The local body the sentence grants to, or a list item names first; 'dem Kreis' alone is the paper's own
    body where that is one."""
    match = LIST_ITEM_RECIPIENT.match(sentence) or RECIPIENT.search(sentence)
    if match is not None:
        return _nominative(match["body"])
    bare = BARE_RECIPIENT.search(sentence)
    if bare is not None and own_body and regex.match(rf"(?i){bare['head']}\b|.*{bare['head']}$", own_body):
        return own_body
    return None


def _named_once(text: str) -> Optional[str]:
    bodies = {_nominative(match["body"]) for match in regex.finditer(rf"(?P<body>{LOCAL_BODY})", text)}
    return bodies.pop() if len(bodies) == 1 else None


def _addressee(structure) -> Optional[str]:
    """The local body a Bescheid is addressed to: a line of its address block above the Betreff."""
    limit = structure.letter.subject_span[0] if structure.letter.subject_span else len(structure.text)
    for line in structure.lines[:40]:
        if line.start >= limit:
            break
        match = ADDRESS_LINE.match(line.text)
        if match and match["body"] != structure.letter.sender:
            return _nominative(match["body"])
    return None


def _nominative(name: str) -> str:
    """'Märkischen Kreises' -> 'Märkischer Kreis', 'Rhein-Erft-Kreises' -> 'Rhein-Erft-Kreis'.

    >>> _nominative("Oberbergischen Kreises"), _nominative("Rhein-Erft-Kreises"), _nominative("Kreis Soest")
    ('Oberbergischer Kreis', 'Rhein-Erft-Kreis', 'Kreis Soest')
    """
    name = regex.sub(r"\s+", " ", name)
    name = name[:-2] if name.lower().endswith("kreises") else name
    return regex.sub(r"ische[nr]?(?=\s+Kreis$)", "ischer", name)
