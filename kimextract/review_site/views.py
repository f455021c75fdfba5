"""The report's HTML: the index and the page of one document, made from Jinja2 templates that escape every
value they insert (autoescape), so that text from a document never becomes markup or script."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

from .marks import HIDDEN_KINDS, Mark, Review

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
ASSETS = HERE / "assets"


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)


# ---------------------------------------------------------------------------------------------------------
# a PDF page: its image and the boxes over it


@dataclass
class Box:
    mark: Mark
    style: str  # position and size in percent of the page, so that the boxes scale with the image


@dataclass
class PdfPage:
    number: int
    image: Optional[str]  # path relative to the report folder
    width_px: int
    height_px: int
    width_pt: float
    height_pt: float
    boxes: list[Box] = field(default_factory=list)

    @property
    def boxes_html(self):
        return boxes_html(self.boxes)


# The two loops that run once per box and per piece of text are written here rather than in the template (a
# tenth of the time); every value from a document goes through escape() as the template would send it.


def boxes_html(boxes: list[Box]):
    from markupsafe import Markup, escape

    return Markup("\n".join(
        f'<a class="box k-{escape(box.mark.kind)}{_severity(box.mark)}" href="#{escape(box.mark.id)}" '
        f'data-m="{escape(box.mark.id)}" data-select="{escape(box.mark.id)}" style="{escape(box.style)}" '
        f'title="{escape(box.mark.title)}"></a>' for box in boxes))


def segments_html(pieces: list["Segment"]):
    from markupsafe import Markup, escape

    return Markup("".join(
        f'<span class="{escape(piece.classes)}" data-m="{escape(piece.ids)}" data-select="{escape(piece.ids.split(" ")[0])}" '
        f'title="{escape(piece.title)}">{escape(piece.text)}</span>' if piece.ids else str(escape(piece.text))
        for piece in pieces))


def _severity(mark: Mark) -> str:
    return f" sev-{mark.severity}" if mark.severity else ""


def page_boxes(marks: list[Mark], number: int, width_pt: float, height_pt: float) -> list[Box]:
    """The boxes of the marks on one page, the largest first, so that a small box over a large one (an amount in
    a piece of evidence) stays on top for the pointer."""
    on_page = [mark for mark in marks if mark.page == number and mark.bbox is not None]
    on_page.sort(key=lambda mark: -_area(mark.bbox))
    return [Box(mark, _box_style(mark.bbox, width_pt, height_pt)) for mark in on_page]


def _area(bbox) -> float:
    return (bbox[2] - bbox[0]) * (bbox[3] - bbox[1])


def _box_style(bbox, width_pt: float, height_pt: float) -> str:
    x0, top, x1, bottom = bbox
    return (f"left:{100 * x0 / width_pt:.3f}%;top:{100 * top / height_pt:.3f}%;"
            f"width:{100 * (x1 - x0) / width_pt:.3f}%;height:{100 * (bottom - top) / height_pt:.3f}%")


# ---------------------------------------------------------------------------------------------------------
# a text page: its characters cut where a mark starts or ends


@dataclass
class Segment:
    text: str
    ids: str = ""  # the ids of the marks over it, innermost first
    classes: str = ""
    title: str = ""


@dataclass
class TextPage:
    number: int
    segments: list[Segment]

    @property
    def segments_html(self):
        return segments_html(self.segments)


def text_pages(text: str, marks: list[Mark]) -> list[TextPage]:
    """The pages of a text (split on form feeds), each cut into segments where marks start and end."""
    pages, start = [], 0
    for number, page_text in enumerate(text.split("\f"), 1):
        end = start + len(page_text)
        on_page = [m for m in marks if m.start < end and m.end > start and m.end > m.start]
        pages.append(TextPage(number, segments(page_text, start, on_page)))
        start = end + 1
    return pages


def segments(text: str, offset: int, marks: list[Mark]) -> list[Segment]:
    """``text`` (starting at ``offset`` of the document) cut at every start and end of a mark; each piece
    names the marks over it. A sweep over the cuts keeps this linear in the marks."""
    cuts = sorted({0, len(text)} | {min(max(p - offset, 0), len(text)) for m in marks for p in (m.start, m.end)})
    starts = sorted(marks, key=lambda m: m.start)
    open_marks: list[tuple[int, int, Mark]] = []  # heap of (end, order, mark)
    result, next_start = [], 0
    for left, right in zip(cuts, cuts[1:]):
        while next_start < len(starts) and starts[next_start].start - offset <= left:
            mark = starts[next_start]
            heapq.heappush(open_marks, (mark.end - offset, next_start, mark))
            next_start += 1
        while open_marks and open_marks[0][0] <= left:
            heapq.heappop(open_marks)
        result.append(_segment(text[left:right], [mark for _, _, mark in open_marks]))
    return result


def _segment(text: str, over: list[Mark]) -> Segment:
    if not over:
        return Segment(text)
    innermost = sorted(over, key=lambda m: (m.kind in HIDDEN_KINDS, m.end - m.start))
    shown = next((m for m in innermost if m.kind not in HIDDEN_KINDS), None)
    classes = ["m"]
    if shown is not None:
        classes.append(f"k-{shown.kind}")
    classes += sorted({f"ev sev-{m.severity}" for m in over if m.kind == "evidence"})
    ids = " ".join(dict.fromkeys(m.id for m in innermost))
    title = "\n".join(dict.fromkeys(m.title for m in innermost if m.kind not in HIDDEN_KINDS))
    return Segment(text, ids, " ".join(classes), title)


# ---------------------------------------------------------------------------------------------------------
# whole pages


def document_html(record, review: Review, number: int, total: int, pdf_pages: list[PdfPage],
                  text_view: list[TextPage], notes: list[str], annotated: Optional[str]) -> str:
    from .marks import VALUE_KINDS

    severities = {level: sum(1 for f in record.findings if f.severity == level) for level in ("error", "warning", "info")}
    return render(
        "document.html", record=record, review=review, number=number, total=total, pdf_pages=pdf_pages,
        text_pages=text_view, notes=notes, annotated=annotated, severities=severities, value_kinds=VALUE_KINDS,
        name=display_name(record.source.path, number),
    )


def display_name(path: Optional[str], number: int) -> str:
    """The name a document goes by in the report: its path as given, or its number."""
    return path if path else f"document {number}"


def index_html(rows: list[dict], counts: dict, rules: list[str], modules: list[int], title: str) -> str:
    return render("index.html", rows=rows, counts=counts, rules=rules, modules=modules, title=title)
