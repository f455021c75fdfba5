"""The paper's header from its first lines: kind, reference, issuing authority, dates and subject."""

from __future__ import annotations

from typing import Optional

import regex

from .records import DocumentHeader
from .resources import domain_terms
from .values import Hit


HEADER_LINES = 45


def read_header(text: str, date_hits: list[Hit]) -> DocumentHeader:
    """Kind, reference, authority, dates and subject from the first lines of the document."""
    head_end = _nth_line_end(text, HEADER_LINES)
    head = text[:head_end]
    terms = domain_terms()
    kind, paper_type = "other", None
    for name, pattern in terms["document_kinds"].items():
        match = regex.search(rf"(?i)\b(?:{pattern})", head)
        if match and (paper_type is None or match.start() < paper_type[1]):
            kind, paper_type = name, (match.group(), match.start())
    subject = _subject(head)
    return DocumentHeader(
        kind=kind,
        paperType=paper_type[0] if paper_type else None,
        reference=_reference(head),
        authority=_authority(head),
        date=_document_date(head, date_hits),
        meeting_date=_meeting_date(head, date_hits),
        subject=subject,
        name=subject,
    )


def _nth_line_end(text: str, n: int) -> int:
    pos = 0
    for _ in range(n):
        pos = text.find("\n", pos + 1)
        if pos < 0:
            return len(text)
    return pos


def _reference(head: str) -> Optional[str]:
    for pattern in (
        r"(?i)(?:Vorlage(?:n)?[- ]?(?:Nr\.?|Nummer)|Drucksache(?:n)?[- ]?(?:Nr\.?)?|Drs\.)\s*:?\s*(?P<ref>[\w]+(?:[/.-][\w]+)+|\d+)",
        r"(?im)^\s*Nr\.?\s*:?\s*\n?\s*(?P<ref>\d+[/-]\d{2,4}(?:[/-]\w+)?)\s*$",
        r"(?i)\bNr\.\s*(?P<ref>\d+/\d{4})",
        r"(?i)(?:Az\.?|Aktenzeichen|Gesch(?:ä|a)ftszeichen)\s*[:.]?\s*(?P<ref>[\w./-]*\d[\w./-]*)",
    ):
        match = regex.search(pattern, head)
        if match:
            return match["ref"].strip(" .")
    return None


def _authority(head: str) -> Optional[str]:
    bodies = domain_terms()["issuing_bodies"]
    lines = [line.strip() for line in head.splitlines() if line.strip()][:12]
    for index, line in enumerate(lines):
        match = regex.match(rf"(?i)^(?:der\s+|die\s+)?(?P<body>{bodies})\b\s*(?P<rest>.*)$", line)
        if not match:
            continue
        rest = match["rest"].strip(" ,")
        if not rest and index + 1 < len(lines) and regex.fullmatch(r"[\w\s.-]+", lines[index + 1]):
            rest = lines[index + 1]
        elif regex.search(r"(?:\b(?:und|des|der|für|f(?:ü|u)r)|,)$", match["rest"].strip()) and index + 1 < len(lines):
            rest = f"{rest} {lines[index + 1]}"  # a name the letterhead broke after 'und' or 'des'

        name = f"{match['body']} {rest}".strip()
        if name.isupper():
            name = name.title()
        return regex.sub(r"\s+", " ", name)
    return None


def _document_date(head: str, date_hits: list[Hit]) -> Optional[object]:
    """The date after 'Datum:'/'Stand:', or on a line 'Ort, den …' of the header."""
    for pattern in (r"(?i)\b(?:Datum|Stand|Bescheiddatum)\s*:?\s*$", r"^[ \t]*[A-ZÄÖÜ][\w-]+(?:[ \t][\w-]+)?,[ \t]*(?:den[ \t]+)?$"):
        for hit in date_hits:
            line_start = head.rfind("\n", 0, hit.start) + 1
            if hit.start < len(head) and "period" not in hit.details and regex.search(pattern, head[line_start:hit.start]):
                return hit.value
    return None


def _meeting_date(head: str, date_hits: list[Hit]) -> Optional[object]:
    cue = regex.search(r"(?i)Beratungsfolge|Sitzung(?:stermin)?|Termin", head)
    if not cue:
        return None
    after = [h for h in date_hits if h.start >= cue.start() and h.start < len(head)]
    return after[0].value if after else None


def _subject(head: str) -> Optional[str]:
    match = regex.search(r"(?i)\b(?:Betreff|Betr\.|Gegenstand)\s*:?[ \t]*\n*[ \t]*(?P<s>[^\n]+(?:\n(?!\s*\n)[^\n]+)?)", head)
    if not match:
        return None
    subject = match["s"].split("\n")[0].strip()
    return subject or None
