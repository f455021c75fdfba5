"""The paper's header from its structure: kind (and the cue that decided it), own reference, issuing
authority, date, first meeting and subject."""

from __future__ import annotations

from typing import Optional

import regex

from .records import DocumentHeader
from .structure import Structure
from .values import Hit

MEETING_KINDS = frozenset({"niederschrift", "antrag", "rede", "other"})
MEETING_CUE = regex.compile(r"(?i)Beratungsfolge|Sitzung(?:stermin)?|Termin|Beratung\s*:|Gremium")


def read_header(structure: Structure, date_hits: list[Hit]) -> DocumentHeader:
    letter, kind = structure.letter, structure.kind
    meeting_date = _meeting_date(structure, date_hits)
    return DocumentHeader(
        kind=kind.kind,
        kind_cue=kind.cue,
        paperType=kind.cue,
        reference=letter.reference,
        authority=letter.sender,
        date=letter.date or (meeting_date if kind.kind == "niederschrift" else None),  # minutes dated by their session
        meeting_date=meeting_date,
        subject=letter.subject,
        name=letter.subject,
    )


def _meeting_date(structure: Structure, date_hits: list[Hit]) -> Optional[object]:
    """The first date after 'Beratungsfolge', 'Sitzungstag' or 'Sitzung am' in the head of a paper for or of
    a meeting: a Vorlage, minutes, a motion, a speech, an invitation."""
    if structure.kind.kind not in MEETING_KINDS and not structure.kind.kind.endswith("vorlage"):
        return None
    head_end = structure.sections[1].start if len(structure.sections) > 1 else min(len(structure.text), 3000)
    cue = MEETING_CUE.search(structure.text, 0, head_end)
    if not cue:
        return None
    after = [h for h in date_hits if cue.start() <= h.start < head_end and h.start != (structure.letter.date_span or (-1,))[0]]
    return after[0].value if after else None
