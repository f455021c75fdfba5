"""The structure layer: what part of the paper each line belongs to.

Between repair and linking: lines with their page and furniture, headings and the sections they open with
their roles (tenor, purpose, period, financing, payment, conditions, reasons, notes, remedy; proposal, facts,
finance in a Vorlage), the letter's head (sender, date line, own file number, Betreff, salutation, closing),
and the paper's kind. Cue words are data (``models/structure.json``); offsets are those of the text read.
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

import regex

from ..resources import load_json
from ..values import Hit
from .kinds import Kind, classify
from .letter import Letter, join_lines, names_kind_only, read_letter, subject_from_title
from .lines import Line, split_lines
from .sections import Section, find_sections
from .tables import Cell, Row, Table, find_tables

__all__ = ["Cell", "Kind", "Letter", "Line", "Row", "Section", "Structure", "Table", "join_lines", "read_structure"]

DECIDING_KINDS = frozenset({"bescheid"})


@dataclass
class Structure:
    text: str
    lines: list[Line]
    sections: list[Section]
    kind: Kind
    letter: Letter
    tenor: Optional[tuple[int, int]] = None  # the decision itself, in a Bescheid
    intro: Optional[tuple[int, int]] = None  # between salutation and tenor: what came before ('mit Bescheid vom …')
    tables: list[Table] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._starts = [s.start for s in self.sections]

    @property
    def decides(self) -> bool:
        return self.kind.kind in DECIDING_KINDS

    def section_at(self, offset: int) -> Section:
        return self.sections[max(0, bisect.bisect_right(self._starts, offset) - 1)]

    def in_table(self, offset: int) -> bool:
        return any(table.start <= offset < table.end for table in self.tables)

    def role_at(self, offset: int) -> str:
        """The role of the part an offset lies in; the tenor and the intro of a Bescheid take precedence."""
        if self.tenor and self.tenor[0] <= offset < self.tenor[1]:
            return "tenor"
        if self.intro and self.intro[0] <= offset < self.intro[1]:
            return "intro"
        return self.section_at(offset).role

    def spans(self, *roles: str) -> list[tuple[int, int]]:
        """The stretches of text with one of these roles, in order."""
        found = [(s.start, s.end) for s in self.sections if s.role in roles]
        if "tenor" in roles and self.tenor:
            found.append(self.tenor)
        return sorted(set(found))


def read_structure(text: str, date_hits: list[Hit]) -> Structure:
    lines = split_lines(text)
    sections = find_sections(lines, len(text))
    kind = classify(lines, text)
    letter = read_letter(lines, text, date_hits, kind.title)
    if kind.title is not None and (letter.subject is None or kind.kind == "rede" and SPEECH_TITLE.match(kind.title.text)
                                   or kind.kind in TITLED_KINDS and not names_kind_only(kind.title)):
        # a speech's title line names it (the lines above its salutation name the speaker and the occasion), so
        # does the title of a Satzung, a Richtlinie or a budget (above its preamble)
        subject, span = subject_from_title(kind.title, lines, kind.kind)
        letter = dataclasses.replace(letter, subject=subject, subject_span=span)
    structure = Structure(text, lines, sections, kind, letter, tables=find_tables(lines))
    if structure.decides:
        structure.tenor, structure.intro = _tenor(structure)
    return structure


def _tenor(structure: Structure) -> tuple[Optional[tuple[int, int]], Optional[tuple[int, int]]]:
    """The decision of a Bescheid and what comes before it. The tenor is the first part after the salutation
    that decides an amount in the present ('bewillige ich', 'wird … auf … erhöht'), a part headed as the
    decision ('1. Bewilligung', 'Festsetzung') first; a part that only announces or cites a decision
    ('ergeht folgender Bescheid:', 'mit Bescheid vom … habe ich … bewilligt') is not. What stands between the
    salutation and the tenor is the intro."""
    letter, text = structure.letter, structure.text
    start = letter.salutation.end if letter.salutation else (letter.subject_span[1] if letter.subject_span else 0)
    end_of_letter = letter.closing.start if letter.closing else len(text)
    parts = [s for s in structure.sections if s.heading is not None and start <= s.start < end_of_letter]
    candidates = [(start, parts[0].start if parts else end_of_letter, "intro")] + [(s.start, s.end, s.role) for s in parts]
    deciding = [c for c in candidates if c[1] > c[0] and decides_amount(text[c[0]:c[1]])]
    # a part headed as the decision comes first ('1. Bewilligung'); 'ergeht folgender Bescheid:' only announces it
    chosen = next((c for c in deciding if c[2] == "tenor"), deciding[0] if deciding else None)
    if chosen is None:
        chosen = next((c for c in candidates if c[2] == "tenor"), None)
    if chosen is None:
        return None, None
    tenor = (chosen[0], min(chosen[1], end_of_letter))
    return tenor, ((start, tenor[0]) if tenor[0] > start else None)


TITLED_KINDS = frozenset({"haushalt", "richtlinie", "verordnung"})
SPEECH_TITLE = regex.compile(r"(?i)\s*(?:\w+)?rede\b|\s*ansprache|\s*gru(?:ß|ss)wort")
AMOUNT_LIKE = regex.compile(r"(?<![\d.])(?:\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d+,\d{2})(?![\d.])|\d+(?:,\d+)?\s*(?:Mio|T€|TEUR|€|EUR|Euro)\b")
SENTENCE_BREAK = regex.compile(r"(?<!\b[A-Z]\w{0,3}|\b\d{1,2})[.!?]\s+(?=[A-ZÄÖÜ])|\n\s*\n")  # not after 'Abs.', '1.'


@lru_cache(maxsize=1)
def _tenor_cue() -> regex.Pattern:
    return regex.compile(rf"(?i){load_json('structure.json')['tenor_cues']}")


def decides_amount(text: str) -> bool:
    """A sentence of the text decides an amount now: a cue such as 'bewillige ich' or 'wird … festgesetzt'
    and an amount in the same sentence."""
    bounds = [0] + [m.end() for m in SENTENCE_BREAK.finditer(text)] + [len(text)]
    return any(AMOUNT_LIKE.search(text, start, end) and _tenor_cue().search(text, start, end)
               for start, end in zip(bounds, bounds[1:]))
