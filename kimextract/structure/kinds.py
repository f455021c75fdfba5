"""The paper's kind (Bescheid, Vorlage, Niederschrift, Rede, Urteil …) from its title line or, without one,
from cue words of its body; the cue that decided is kept for the record."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import regex

from ..resources import load_json
from .lines import Line

TITLE_LINES = 40  # a title stands near the top
BODY_CHARS = 6000  # body cues are looked for in the first pages
SALUTATION = regex.compile(r"(?i)^\s*(?:sehr\s+geehrte|liebe\s)")
LABEL_VALUE = regex.compile(r"^[^:]{1,40}:[ \t]*\S")  # 'Vorlage-Nr.: 231/2020' is a label, not a title


@dataclass(frozen=True)
class Kind:
    kind: str
    cue: Optional[str] = None  # the words that decided
    title: Optional[Line] = None  # the title line, where the kind came from one


@lru_cache(maxsize=1)
def _patterns() -> tuple[list[tuple[str, regex.Pattern]], list[tuple[str, regex.Pattern]]]:
    data = load_json("structure.json")
    title = [(k["kind"], regex.compile(rf"(?i)^[ \t#]*(?:{k['title']})")) for k in data["kinds"]]
    body = [(k["kind"], regex.compile(rf"(?i)(?:{k['body']})")) for k in data["kind_body"]]
    return title, body


def classify(lines: list[Line], text: str) -> Kind:
    """The first title line near the top decides; else the first kind whose body cue the text holds."""
    title_patterns, body_patterns = _patterns()
    for line in _title_candidates(lines):
        for kind, pattern in title_patterns:
            match = pattern.match(line.text)
            if match:
                return Kind(kind, match.group().strip(" #\t"), line)
    head = text[:BODY_CHARS]
    for kind, pattern in body_patterns:
        match = pattern.search(head)
        if match:
            return Kind(kind, match.group())
    return Kind("other")


def classify_line(text: str) -> Optional[str]:
    """The kind a line names as a title, if any."""
    return next((kind for kind, pattern in _patterns()[0] if pattern.match(text)), None)


def _title_candidates(lines: list[Line]):
    seen = 0
    for line in lines:
        if line.blank or line.furniture:
            continue
        seen += 1
        if seen > TITLE_LINES or SALUTATION.match(line.text):
            return  # a title stands above the letter's text
        text = line.text.strip()
        if len(text) <= 90 and not LABEL_VALUE.match(text) and not text.endswith((",", ";")):
            yield line

