"""Lines of a document with their page, and page furniture (page numbers, running headers) marked."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import regex

# 'Seite 2 von 5', '- 3 -', '2/5' at a line start: a footer (text extraction may glue the running header to it).
PAGE_NUMBER = regex.compile(r"^\s*(?:Seite\s*\d+(?:\s*(?:von|/)\s*\d+)?|-\s*\d+\s*-|\d{1,3}\s*/\s*\d{1,3}\s*$)", regex.IGNORECASE)
DIGITS = regex.compile(r"\d+")


@dataclass(frozen=True)
class Line:
    """One line of the text: offsets in the text the structure was read from, its page (1-based)."""

    start: int
    end: int
    page: int
    text: str
    furniture: bool = False

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def split_lines(text: str) -> list[Line]:
    """The lines of a text whose pages are separated by form feeds; furniture marked."""
    lines: list[Line] = []
    page, start = 1, 0
    for match in regex.finditer(r"[\n\f]", text + "\n"):
        end = match.start()
        lines.append(Line(start, end, page, text[start:end]))
        if match.group() == "\f":
            page += 1
        start = match.end()
    return _mark_furniture(lines)


def _mark_furniture(lines: list[Line]) -> list[Line]:
    """Page numbers, and lines that repeat at the top or bottom of several pages (running headers, footers)."""
    edges = Counter()
    for index, line in enumerate(lines):
        if _at_page_edge(lines, index):
            edges[_shape(line.text)] += 1
    marked = []
    for index, line in enumerate(lines):
        # the letterhead at the top of page 1 is no furniture, even when later pages repeat it
        repeated = (_at_page_edge(lines, index) and edges[_shape(line.text)] >= 2 and len(line.text.strip()) > 3
                    and (line.page > 1 or _at_page_edge(lines, index, top=False)))
        if PAGE_NUMBER.match(line.text) or repeated:
            line = Line(line.start, line.end, line.page, line.text, furniture=True)
        marked.append(line)
    return marked


def _at_page_edge(lines: list[Line], index: int, top: bool = True) -> bool:
    """The first or last non-blank line of its page (only the last with ``top=False``)."""
    page = lines[index].page
    before = [line for line in lines[max(0, index - 2):index] if line.page == page and not line.blank]
    after = [line for line in lines[index + 1:index + 3] if line.page == page and not line.blank]
    return (top and not before) or not after


def _shape(text: str) -> str:
    return DIGITS.sub("#", " ".join(text.split()))
