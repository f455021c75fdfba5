"""Headings and the sections they open, each with a role (purpose, period, payment, reasons …) from the cue
words in ``models/structure.json``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import regex

from ..resources import load_json
from .lines import Line

# '1.', '2.3', '3)', 'II.', 'B.', 'a)', '§ 4' before a heading's words.
NUMBERING = regex.compile(r"^[ \t]*(?:(?:\d{1,2}\.){1,3}\d{0,2}|\d{1,2},(?=[ \t]+[A-ZÄÖÜ])|\d{1,2}\)|[IVX]{1,5}\.|[A-H]\.|[a-h]\)|§\s*\d+\w?)[ \t]+")
SENTENCE_END = regex.compile(r"[.;,][ \t]*$")
CELL_NUMBER = regex.compile(r"(?<![\w.,])\d[\d.]*(?:,\d+)?(?![\w.,]*\w)")
DATE_LIKE = regex.compile(r"\d{1,2}\.\d{1,2}\.(?:\d{2}|\d{4})?")
RUNS_ON = regex.compile(r"[\w,–-][ \t]*$")


@dataclass(frozen=True)
class Section:
    """A stretch of the text with one role; ``heading`` is the line that opened it (None for the head)."""

    start: int
    end: int
    role: str
    heading: Optional[Line] = None

    def holds(self, offset: int) -> bool:
        return self.start <= offset < self.end


@lru_cache(maxsize=1)
def role_patterns() -> dict[str, regex.Pattern]:
    return {role: regex.compile(rf"(?i)^(?:{pattern})") for role, pattern in load_json("structure.json")["roles"].items()}


def heading_role(line: Line, previous: Optional[Line]) -> Optional[str]:
    """The role of a heading line, or None when the line is no heading.

    A heading is short and starts with a role's cue word; numbered (``3. Auszahlung``) it may run on after a
    colon (``2. Bewilligungszeitraum: 01.01. bis …``); unnumbered it must stand alone after a finished line."""
    text = line.text.strip().lstrip("#").strip()
    if line.furniture or not text or len(text) > 110:
        return None
    numbered = NUMBERING.match(text)
    words = text[numbered.end():].strip() if numbered else text
    role = next((role for role, pattern in role_patterns().items() if pattern.match(words)), None)
    if role is None:
        return None
    label = words.split(":", 1)[0]
    if len(label) <= 40 and role_patterns()[role].fullmatch(label.strip()) and not words[len(label) + 1:].strip():
        return role  # the line is the heading's words alone: 'Begründung', 'Beschlussvorschlag:'
    if numbered:
        return role if len(label) <= 90 and (":" in words or not SENTENCE_END.search(words) or len(words) <= 40) else None
    if len(label) > 70 or len(label.split()) > 9 or SENTENCE_END.search(label) or (":" in words and len(label) > 40):
        return None
    if previous is not None and _runs_on(previous):
        return None
    return role


def _runs_on(line: Line) -> bool:
    """A long line of prose that does not end a sentence goes on in the next line: that is no heading."""
    return not line.furniture and len(line.text.strip()) >= 60 and RUNS_ON.search(line.text) is not None


def _is_table_header(line: Line, next_line: Optional[Line]) -> bool:
    """'Ausgabenart  Stellen  Zuwendung 2023' above rows of numbers is a table's header, not a heading; a line of
    prose with dates below it is no row ('Begründung' / 'Mit unserem Bescheid vom 04.02.2025 … 01.01.–31.12.2025')."""
    if regex.search(r"\d|€", line.text):
        return True
    if len(line.text.strip().lstrip("#").strip().rstrip(":").split()) == 1:
        return False  # 'Sachverhalt': a table's header names more than one column
    numbers = [n for n in CELL_NUMBER.findall(next_line.text) if not DATE_LIKE.fullmatch(n)] if next_line is not None else []
    return len(numbers) >= 2


def find_sections(lines: list[Line], text_length: int) -> list[Section]:
    """The sections of a text in order; what comes before the first heading is the ``head``."""
    heads: list[tuple[Line, str]] = []
    previous: Optional[Line] = None
    content = [line for line in lines if not line.blank]
    following = {id(line): content[i + 1] if i + 1 < len(content) else None for i, line in enumerate(content)}
    for line in lines:
        role = heading_role(line, previous)
        if role is not None and not NUMBERING.match(line.text) and _is_table_header(line, following.get(id(line))):
            role = None
        if role is not None:
            heads.append((line, role))
        if not line.blank:
            previous = line
    sections = [Section(0, heads[0][0].start if heads else text_length, "head")]
    for index, (line, role) in enumerate(heads):
        end = heads[index + 1][0].start if index + 1 < len(heads) else text_length
        sections.append(Section(line.start, end, role, line))
    return sections
