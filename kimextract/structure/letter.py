"""The parts of a letter's head and of any paper's header: sender, place-and-date line, the paper's own file
number, Betreff, salutation and closing. Cue words live in ``models/structure.json``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import regex

from ..resources import domain_terms, load_json
from ..values import Hit
from .authority import known_name, title_case
from .kinds import classify_line
from .lines import Line
from .sections import NUMBERING, heading_role

HEAD_LINES = 60  # the header of a paper without a salutation
# a file number runs to the end of its line, or to two spaces, a comma, a semicolon or 'vom'
PLACE = r"[A-ZÄÖÜ][\w.-]+"  # the place of a date line ('Köln, den 12. März 2021')
BRACKETED_PLACE = r"(?:[ \t]*\([\w.\s-]{2,20}\))?"  # what may follow it: 'Halle (Saale), 08.01.2024'
REFERENCE_VALUE = r"(?P<value>[^\s,;()][^,;()\n]{0,44}?)(?=\s{2,}|[,;)]|\s+vom\b|\s*$)"
LABEL_ROW = regex.compile(  # a row of column labels over the values of a Vorlage's head
    r"(?i)(?:(?:vorlage(?:n)?(?:-?nr\.?)?|drucksache(?:n)?(?:-?nr\.?)?|datum|aktenzeichen|az\.?|federführung|verfasser\w*|amt|status|"
    r"öffentlichkeit|dezernat|fachbereich|sachgebiet|einreicher\w*|sachbearbeit\w*|bearbeiter\w*|/)\s*){2,8}")
FILE_NUMBER = regex.compile(r"\d[/.-]|[/.-]\d|\d{3}")  # 'BV/2022/0281', '15-1/912-24', 'SR 31/2023', '1002847563'
PROSE_IN_VALUE = regex.compile(r"(?<![\w/-])[a-zäöüß]{3,}\b|€")  # 'nichts anderes bestimmt ist', '55.600 € verrechnet'
COURT_REFERENCE = regex.compile(r"\b\d{1,3}\s+[A-Z][A-Za-z]{0,3}\s+\d{1,5}/\d{2,4}(?:\.[A-Z]+)?\b")
INFO_LINE = regex.compile(
    r"(?ix)^[ \t]*(?:[\w. -]{1,30}:\s|\d{5}\s|Postfach|Tel|Fax|E-?Mail|www\.|Zimmer|Durchwahl|Auskunft|Ansprechpartner|Sachbearbeit)"
    r"|·|•|@"
)
OWN_REFERENCE_START = regex.compile(r"(?i)^\s*(?:Az\.?|Aktenzeichen|Gesch(?:ä|a)ftszeichen|GZ\.?|Unser\s+Zeichen|Reg\.?-?\s*Nr)\b")
BROKEN_NAME = regex.compile(r"(?i)(?:\b(?:und|des|der|für|fur|im)|\w+ischen|,)$")  # a name the letterhead broke: it goes on
NAME_GOES_ON = regex.compile(r"^(?:des|der)\s+(?:Landes|Freistaates|Freien|Stadt|Kreises|Landkreises)\b")  # '… des Landes Schleswig-Holstein'
NAME_LIKE = regex.compile(r"^[A-ZÄÖÜ][^\d:,;]{2,70}$")
LOWER_START = regex.compile(r"^(?:und|sowie|f(?:ü|u)r|des|der|beim|im)\s")  # 'und Gleichstellung'
LEGAL_FORM = regex.compile(r"\b(?:e\.\s?V\.|g?GmbH|AG|eG|KG|PartG(?:\s+mbB)?)(?=\s|$|·)")  # an association's or firm's letterhead
FIRM = regex.compile(r"(?i)^(?:rechtsanw(?:ä|a)lt\w*|kanzlei|steuerberater\w*|wirtschaftspr(?:ü|u)f\w*)\b")
REFERS_ON = regex.compile(r"(?i)^\s*(?:bezug|anlage\w*|ihr\w*\s+[\w-]+\s+vom|hier\s*:)")  # may run over two lines
VERSION_LINE = regex.compile(r"(?i)^\s*(?:Fassung|Stand|Gültig|Gultig|vom|in\s+Kraft)\b")  # 'Fassung vom 1. März 2024'
SENTENCE_INSIDE = regex.compile(r"[a-zäöüß]{2}\.\s+[A-ZÄÖÜ]")  # 'Auszug aus dem Anhang. Alle Beträge …' is prose
NUMBERED_HEADING = regex.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+[A-ZÄÖÜ]")  # '2 Wirtschaftliche Lage der Gesellschaft'
ENDS_IN_PREPOSITION = regex.compile(  # '… anlässlich der', '… für den Neubau des Beruflichen'
    r"\b(?:über|zur|zum|am|vom|im|in|an|auf|für|mit|von|vor|nach|bei|zu|aus|um|unter|gegen|ohne|ab|bis|seit|die|das|den|dem|der|des|und|oder|sowie)$"
    r"|\b(?:des|der|dem|den)\s+[A-ZÄÖÜ]\w*[a-zäöü]en$")
NUMBER_LINE = regex.compile(r"(?i)^\s*(?:Nr\.|Nummer|Seite)\s*\d")
UNIT_FIRST = regex.compile(r"(?:Mio\.|Millionen|Mrd\.|Milliarden|Euro|EUR|€|Prozent|%)(?:\s|$)")
RETURN_ADDRESS_CUT = regex.compile(r"\s*(?:·|•|\||\s-\s|,\s*(?:Postfach|\d{5}|[A-ZÄÖÜ][\w-]+str(?:aße|\.)))")


@dataclass(frozen=True)
class Letter:
    """What the head of a paper says about the paper itself; offsets in the structured text."""

    sender: Optional[str] = None
    sender_span: Optional[tuple[int, int]] = None
    date: Optional[dt.date] = None
    date_span: Optional[tuple[int, int]] = None
    reference: Optional[str] = None
    reference_span: Optional[tuple[int, int]] = None
    subject: Optional[str] = None
    subject_span: Optional[tuple[int, int]] = None
    salutation: Optional[Line] = None
    closing: Optional[Line] = None


@lru_cache(maxsize=1)
def _cues() -> dict[str, regex.Pattern]:
    letter = load_json("structure.json")["letter"]
    compiled = {name: regex.compile(rf"(?i){pattern}") for name, pattern in letter.items()}
    compiled["date_line"] = regex.compile(
        letter["date_line"] + r"|(?:^|[ \t]{2,}|·[ \t]*|\b\d{5}[ \t]+[A-ZÄÖÜ][\w.-]+[ \t]+|(?<=\b[A-ZÄÖÜ]{3,}[ \t]))"
        rf"{PLACE}(?:[ \t]a\.[ \t]?[A-ZÄÖÜ][\w.-]+)?{BRACKETED_PLACE},[ \t]*(?:den[ \t]+)?$"
    )
    compiled["own_reference_value"] = regex.compile(  # a label of the paper's own number, and the number after it
        rf"(?i)(?:^|[\s(])(?P<label>{letter['own_reference']})\s*[:.]?\s*"
        rf"(?:\((?:bitte\s+)?(?:bei\s+Antwort|stets\s+angeben|angeben)[^)]*\)\s*:?\s*)?(?:{REFERENCE_VALUE})?")
    compiled["body"] = regex.compile(rf"(?i)^(?:der\s+|die\s+|das\s+)?(?:[\w-]+(?:er|isch|ische|isches|ischer)\s+){{0,2}}(?P<body>{domain_terms()['issuing_bodies']})\b\s*(?P<rest>.*)$")
    return compiled


def read_letter(lines: list[Line], text: str, date_hits: list[Hit], title: Optional[Line] = None) -> Letter:
    """The letter's head; ``title`` is the paper's title line, below which a Vorlage's Betreff stands."""
    cues = _cues()
    content = [line for line in lines if not line.blank and not line.furniture]
    salutation = next((line for line in content[:80] if cues["salutation"].match(line.text)), None)
    closing = next((line for line in reversed(content) if cues["closing"].match(line.text)
                    and (salutation is None or line.start > salutation.start)), None)
    head = [line for line in content if salutation is None or line.start < salutation.start][:HEAD_LINES]
    # an unlabelled Betreff stands above the salutation, or in a paper without one above its first heading
    below_title = title.start if title is not None else -1
    anchor = salutation or next((line for line in content[:HEAD_LINES] if line.start > below_title and heading_role(line, None) is not None
                                 and not INFO_LINE.search(line.text) and not _kind_title(line.text)), None)
    subject = _subject(lines, [line for line in head if anchor is None or line.start < anchor.start], anchor, cues)
    reference = _reference(head, subject, text, cues, is_letter=salutation is not None)
    date_hit = _date(head, closing, content, text, date_hits, cues)
    sender = _sender(head, cues)
    return Letter(
        sender=sender[0] if sender else None, sender_span=sender[1] if sender else None,
        date=date_hit.value if date_hit else None, date_span=(date_hit.start, date_hit.end) if date_hit else None,
        reference=reference[0] if reference else None, reference_span=reference[1] if reference else None,
        subject=AGENDA_ITEM.sub("", subject[0]) if subject else None, subject_span=subject[1] if subject else None,
        salutation=salutation, closing=closing,
    )


def join_lines(parts: list[str]) -> str:
    """Lines of one heading joined: a word split at the line end is whole again ('Manage-' + 'ment')."""
    joined = ""
    for part in (p.strip() for p in parts):
        if joined.endswith("-") and part[:1].islower():
            joined = joined[:-1] + part
        elif joined.endswith(("-", "–")) and not joined.endswith((" -", " –")):
            joined += part
        else:
            joined = f"{joined} {part}" if joined else part
    return regex.sub(r"\s+", " ", joined).strip()


# a label the layout set on the Betreff's last line ('… im Jahr 2022 Bezug: mein Zuwendungsbescheid …')
INNER_LABEL = regex.compile(r"\s(?:Bezug|Bez(?:ü|u)ge|Ihr\s+Schreiben|Ihr\s+Antrag|Ihre\s+Nachricht|Anlage\w*)\s*:")


def _subject(lines: list[Line], head: list[Line], anchor: Optional[Line], cues) -> Optional[tuple[str, tuple[int, int]]]:
    """The Betreff: after its label, with the lines that go on with it up to a blank line or what follows a
    Betreff; without the label, the lines just above the anchor (the salutation of a letter, the first heading
    of a Vorlage), below what follows a Betreff ('Ihr Antrag vom …')."""
    head_end = head[-1].end if head else 0
    for index, line in enumerate(lines):
        if line.start > head_end:
            break
        label = cues["subject"].match(line.text)
        if label is None or line.furniture:
            continue
        block = [line.text[label.end():]] if line.text[label.end():].strip() else []
        last = line
        for position, follower in enumerate(lines[index + 1:index + 8], index + 1):
            if follower.blank or follower.furniture:
                if block:
                    break
                continue
            label_inside = INNER_LABEL.search(follower.text)
            if block and label_inside and label_inside.start() > 0:  # 'Stellen im Jahr 2022 Bezug: mein …'
                block.append(follower.text[:label_inside.start()])
                return join_lines(block), (line.start, follower.start + label_inside.start())
            goes_on = bool(block) and SUBJECT_GOES_ON.search(block[-1]) is not None  # 'Quartiersmanagement Döbeln-Ost –'
            if (cues["after_subject"].match(follower.text) or INFO_LINE.search(follower.text) and block
                    or not goes_on and (heading_role(follower, None) is not None or NUMBERING.match(follower.text)
                                        or block and not _goes_on(block[-1].rstrip(), follower, cues, headline=False)
                                        or block and _heads_the_text(follower, lines[position + 1:position + 2]))
                    or len(block) >= 5 or (block and _ends_block(block[-1]))):
                break
            block.append(follower.text)
            last = follower
        if block:
            return join_lines(block), (line.start, last.end)
    if anchor is None:
        return None
    position = len(head)
    # below the Betreff: 'Bezug: …', 'Anlagen: …' (with the lines they run on to)
    following = [i for i in range(max(0, position - 4), position) if REFERS_ON.match(head[i].text)]
    if following:
        position = following[0]
    while position and cues["after_subject"].match(head[position - 1].text):
        position -= 1
    block: list[Line] = []
    while position and len(block) < 5:
        line = head[position - 1]
        quote_open = bool(block) and block[0].text.count("“") > block[0].text.count("„")  # 'Nordstadt“' below '„Familienzentrum'
        cites_date = position >= 2 and regex.search(r"\bvom\s*$", head[position - 2].text)  # '… Bescheid vom' / '22.07.2025'
        if _outside_subject(line.text, cues) and not cites_date or _kind_title(line.text) and not quote_open and (
                len(line.text.split()) <= 3 or block and not block[0].text.strip()[:1].islower()
                and not ENDS_IN_PREPOSITION.search(line.text.rstrip()) and not line.text.rstrip().endswith(("–", ",", ";"))):
            break  # 'Teilwiderrufs- und Erstattungsbescheid' or 'Bescheid über den teilweisen Widerruf …' above the Betreff
        block.insert(0, line)
        position -= 1
    if not block or len(block) > 4:
        return None
    block += _going_on(block, lines, cues)  # 'Förderung … in der kommunalen' / 'Anschlussunterbringung – …'
    return join_lines([line.text for line in block]), (block[0].start, block[-1].end)


def _heads_the_text(line: Line, below: list[Line]) -> bool:
    """A short line without a full stop over a line of prose heads the text ('Inhalt der Mitteilung',
    'Mitteilung des Magistrats' below a Betreff): it is no part of the Betreff."""
    text = line.text.strip()
    prose = below[0].text.strip() if below else ""
    return (len(text.split()) <= 4 and not text.endswith((".", ",", "-", "–")) and text[:1].isupper()
            and len(prose) >= 60 and len(regex.findall(r"\b[a-zäöüß]{3,}\b", prose)) >= 5)


def _going_on(block: list[Line], lines: list[Line], cues, limit: int = 4, headline: bool = False) -> list[Line]:
    """The lines below a subject's block that go on with it (a title the layout wrapped), up to the first line
    that begins a sentence, a part, a label or the letter, and never past a line that ends one. A headline goes
    on only where its line breaks off."""
    after = [line for line in lines if line.start > block[-1].start and not line.furniture]
    more: list[Line] = []
    for follower in after:
        last = (more or block)[-1].text.rstrip()
        if len(block) + len(more) >= limit or follower.blank or not _goes_on(last, follower, cues, headline):
            break
        more.append(follower)
    return more


def _goes_on(last: str, follower: Line, cues, headline: bool) -> bool:
    """Whether a line goes on with the subject line above it (``last``)."""
    text = follower.text.strip()
    if cues["salutation"].match(text) or cues["after_subject"].match(text) or NUMBERING.match(text) or NUMBERED_HEADING.match(text):
        return False
    if last.endswith(("-", "–")) and not last.endswith((" -", " –")) or text[:1].islower() or (
            last[-1:].isdigit() and UNIT_FIRST.match(text)):
        return True  # a word or a name the layout split ('Alb-Donau-' / 'Kreis', '… rund 2,4' / 'Mio. Euro …'), a line that cannot begin anything
    strong = (last.endswith((" –", " -", ",", ";", ":", "(")) or BROKEN_NAME.search(last) or last.count("(") > last.count(")")
              or ENDS_IN_PREPOSITION.search(last))
    if strong:
        return not _ends_block(last)  # '… Hausbesuche im' / 'Landkreis Cochem-Zell …'
    if (OWN_REFERENCE_START.match(text) or _kind_title(text) or NUMBER_LINE.match(text) or cues["occasion"].search(text)
            or cues["label_alone"].match(text)
            or INFO_LINE.search(text) or _outside_subject(text, cues) or SENTENCE_INSIDE.search(text)
            or cues["sentence_start"].match(text) or heading_role(follower, None) is not None):
        return False
    if _ends_block(last) or last.endswith(("!", "?")):
        return False
    weak = regex.search(r"(?:^|\s)[a-zäöüß][\w-]*$", last) is not None  # 'in der kommunalen' / 'Anschlussunterbringung'
    tail = len(text.split()) <= 2 and not text.endswith((":", ".")) and not regex.search(r"\d", text)  # '… 1,1 Millionen' / 'Euro'
    return weak or tail or not headline


def _outside_subject(text: str, cues) -> bool:
    """Lines of the info column, the address or the date line, which stand above an unlabelled Betreff."""
    return bool(INFO_LINE.search(text) or cues["body"].match(text.strip()) or OWN_REFERENCE_START.match(text)
                or VERSION_LINE.match(text)
                or regex.match(r"^\s*(?:[\w ./-]{1,40},\s*(?:den\s+)?)?\d{1,2}\.\s?(?:\d{1,2}\.|[A-Za-zä]+)\s?\d{2,4}\s*$", text))


DECIDED_ON = regex.compile(r"\s+(?:beschlossen|entschieden|f(?:ü|u)r\s+Recht\s+erkannt)\s*:")  # a court's decision
HEARING = regex.compile(r"(?i)(?:m(?:ü|u)ndliche\w*\s+Verhandlung|Beratung)\s+vom\s*$")  # 'auf die mündliche Verhandlung vom …'
COURT_DECIDES = regex.compile(r"(?i)f(?:ü|u)r\s+Recht\s+erkannt|\bbeschlossen\s*:")
STAMP = regex.compile(r"(?i)\s*(?:eingegangen|eingang|eing\.)\b")  # a receipt stamp under a court's name
AGENDA_ITEM = regex.compile(r"^\s*TOP\s*\d+[a-z]?\s*[:.]?\s+")  # 'TOP 4 Umbau des Hartplatzes …': the item's number
SUBJECT_GOES_ON = regex.compile(r"(?:[–—,]|\s-|\b(?:und|oder|für|der|des|zur|zum|von|im|in))\s*$")


def _ends_block(text: str) -> bool:
    return text.rstrip().endswith(".") and not regex.search(r"(?:\b\w{1,3}|\d)\.$", text.rstrip())  # not 'Nr.', 'e. V.' 


def _reference(head: list[Line], subject, text: str, cues, is_letter: bool = False) -> Optional[tuple[str, tuple[int, int]]]:
    """The paper's own number: a Vorlage or Drucksache number first, then a file number (Aktenzeichen,
    Geschäftszeichen, Reg.-Nr., a court's Geschäftsnummer); never one that the Betreff or 'Ihr Zeichen' cites."""
    pattern = cues["own_reference_value"]
    found: list[tuple[int, str, tuple[int, int]]] = []
    for index, line in enumerate(head):
        if subject and subject[1][0] <= line.start < subject[1][1]:
            continue
        for match in pattern.finditer(line.text):
            before = line.text[:match.start("label")]
            if cues["foreign_reference"].search(before[-25:]):
                continue
            value, start = match["value"], line.start + (match.start("value") if match["value"] else 0)
            if value is None:  # the value in the next line (an info column)
                follower = head[index + 1] if index + 1 < len(head) else None
                candidate = follower.text.strip() if follower else ""
                if not regex.fullmatch(REFERENCE_VALUE, candidate) or len(candidate) > 40 or ":" in candidate:
                    continue  # 'Unser Zeichen: …' under 'Aktenzeichen der Bewilligungsbehörde:' is a line of its own
                value, start = candidate, follower.start + follower.text.index(candidate)
            value = regex.sub(r"\s+[–-]\s+\D*$|\s*·.*$", "", value).strip(" .,;")  # 'BV 0417/2021 – öffentlich', '58/2024 · Hannover'

            if not regex.search(r"\d", value) or regex.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{2,4}", value) or not FILE_NUMBER.search(value) \
                    or PROSE_IN_VALUE.search(value):
                continue  # a date, a paragraph's 'Nr. 1 VwGO' or 'Nr. 3.3 nichts anderes …', not a file number
            paper_number = regex.match(r"(?i)vorlage|drucksache|drs|ds", match["label"]) is not None
            # a Vorlage is known by its number; a letter by its file number (a Drucksache it names is the question's)
            rank = 2 if match["label"].lower().startswith("nr") else (0 if paper_number != is_letter else 1)
            found.append((rank, value, (start, start + len(value))))
            break
    under = _value_under_label(head, "vorlage", "drucksache", "az", "aktenzeichen")
    if under is not None and not any(rank == 0 for rank, _, _ in found):
        value = under.text.split()[0]
        if FILE_NUMBER.search(value):
            found.append((0, value, (under.start + under.text.index(value), under.start + under.text.index(value) + len(value))))
    if not found:
        court = next((COURT_REFERENCE.search(line.text) for line in head[:25] if COURT_REFERENCE.search(line.text)), None)
        return (court.group(), (0, 0)) if court else None
    rank, value, span = min(found, key=lambda f: f[0])
    return value, span


def _date(head: list[Line], closing: Optional[Line], content: list[Line], text: str, date_hits: list[Hit], cues) -> Optional[Hit]:
    """The paper's date: after 'Datum:' in its head, else a place-and-date line in its head, else one by the
    closing at the end of a letter."""
    head_end = head[-1].end if head else 0
    candidates = [h for h in date_hits if "period" not in h.details and not h.details.get("derived")]
    below_labels = _value_under_label(head, "datum")  # 'Vorlage Datum Federführung' / 'BV/2022/0281 25.10.2022 …'
    if below_labels is not None:
        hit = next((h for h in candidates if below_labels.start <= h.start < below_labels.end), None)
        if hit is not None:
            return hit
    for pattern, within in ((cues["date_label"], head_end), (cues["date_line"], head_end)):
        for hit in candidates:
            if hit.start >= within:
                break
            line_start = text.rfind("\n", 0, hit.start) + 1
            before = text[line_start:hit.start]
            if not before.strip() and line_start:  # 'Datum' / '22.01.2026': the label on the line above
                before = text[text.rfind("\n", 0, line_start - 1) + 1:line_start - 1]
            if pattern.search(before):
                return hit
    decided = next((h for h in candidates if DECIDED_ON.match(text, h.end) or (  # 'am 15. April 2025 beschlossen:'
        HEARING.search(text, max(0, h.start - 40), h.start) and COURT_DECIDES.search(text, h.end, h.end + 300))), None)
    if decided is not None:
        return decided  # a court's decision, not the date its copy was made ('Ausgefertigt: …, 04. MÄRZ 2024')
    # by the closing, or without one at the end of the letter ('Landshut, 11.08.2027' above the signature)
    near_end = [h for h in candidates if abs(h.start - closing.start) < 400] if closing is not None else \
        [h for h in candidates if h.start > len(text) - 600]
    for hit in near_end:
        line_start = text.rfind("\n", 0, hit.start) + 1
        if cues["date_line"].search(text[line_start:hit.start]) or cues["date_label"].search(text[line_start:hit.start]):
            return hit
    return _first_date_of_head(candidates, content, text)


def _value_under_label(head: list[Line], *labels: str) -> Optional[Line]:
    """The line of values under a row of labels in a Vorlage's head ('Vorlage Datum Federführung'), where the
    row holds one of ``labels``."""
    for line, below in zip(head, head[1:]):
        words = line.text.lower().split()
        if LABEL_ROW.fullmatch(line.text.strip()) and any(w.startswith(labels) for w in words):
            return below
    return None


def _first_date_of_head(candidates: list[Hit], content: list[Line], text: str) -> Optional[Hit]:
    """A paper without a date line: the first date its head gives ('Sitzung am …', 'Fassung vom …')."""
    head_end = content[min(len(content), 15) - 1].end if content else 0
    for hit in candidates:
        if hit.start >= head_end:
            return None
        if regex.search(r"(?i)\b(?:am|vom|den|Stand|Fassung)\s*$", text[max(0, hit.start - 12):hit.start]):
            return hit
    return None


# the place and date a letterhead line ends in
DATE_LINE_TAIL = regex.compile(rf"[ \t]+{PLACE}{BRACKETED_PLACE},[ \t]*(?:den[ \t]+)?\d{{1,2}}\.[^\n]*$")


def _sender(head: list[Line], cues) -> Optional[tuple[str, tuple[int, int]]]:
    """The issuing body at the top of the letterhead, with the lines its name runs over ('Niedersächsisches
    Ministerium für Soziales, Arbeit, Gesundheit' / 'und Gleichstellung'); a return-address line is cut at its
    separators; a name in capitals is spelled as a mixed-case line of the head writes it."""
    for index, line in enumerate(head[:14]):
        if not _names_body(line.text.strip(), cues, index):
            continue
        index = _return_address_names(head, index)
        if index and FIRM.match(line.text.strip()) and NAME_LIKE.match(head[index - 1].text.strip()):
            index -= 1  # 'HARTMANN & QUAST' / 'Rechtsanwälte PartG mbB': the firm's name stands above
        block = _name_block(head, index, cues)
        name = RETURN_ADDRESS_CUT.split(join_lines([l.text for l in block]), 1)[0].strip(" ,")
        name = DATE_LINE_TAIL.sub("", name)  # 'REGIERUNG VON SCHWABEN Augsburg, 12.02.2024'
        if any(line.text.isupper() for line in block) or name.isupper():
            name = _spelled(name, head)
        name = known_name(name)  # 'Bezirksregierung Kolin' on a scan
        offset = block[0].start + len(block[0].text) - len(block[0].text.lstrip())
        return name, (offset, block[-1].end)
    first = head[0] if head else None  # no body named: the letterhead's first line, where it reads as a name
    if first is not None and NAME_LIKE.match(first.text.strip()) and len(first.text.split()) <= 8 and not _kind_title(first.text):
        name = first.text.strip()
        return _spelled(name, head) if name.isupper() else name, (first.start, first.end)
    return None


def _return_address_names(head: list[Line], index: int) -> int:
    """The line of the letterhead below ``index`` that the return address begins with: 'SAARLAND' / 'Ministerium
    für Bildung und Kultur' / 'Landesdenkmalamt Saarland' above 'Landesdenkmalamt · Am Bergwerk Reden 11 · …'
    sends from the office it names, not from the ministry above it."""
    returned = next((parts[0] for line in head[index + 1:index + 10] for parts in [return_address(line.text)] if parts), "")
    if len(returned) < 4:
        return index
    return next((below for below in range(index + 1, min(len(head), index + 5))
                 if head[below].text.strip().startswith(returned) and not return_address(head[below].text)), index)


RETURN_SEPARATOR = regex.compile(r"[ \t]*[·•|][ \t]*|[ \t]+[-–][ \t]+")  # OCR reads '·' as ' - '
POSTAL = regex.compile(r"\b\d{5}\b|\bPostfach\b")


def return_address(text: str) -> list[str]:
    """The parts of a return-address line ('Kreis Steinfurt · Postfach 42 · 48563 Steinfurt'), or [] for
    another line."""
    parts = [part.strip() for part in RETURN_SEPARATOR.split(text.strip())]
    return parts if len(parts) >= 3 and any(POSTAL.search(part) for part in parts[1:]) else []


def _names_body(text: str, cues, index: int) -> bool:
    """A line naming an authority, or at the top of the letterhead an association or a firm ('… e. V.')."""
    return bool(cues["body"].match(text) or index < 2 and LEGAL_FORM.search(text) and NAME_LIKE.match(text.split("·")[0].strip()))


def _name_block(head: list[Line], index: int, cues) -> list[Line]:
    """The letterhead lines one name runs over: a line that breaks off ('… und', '… im Hessischen'), a line that
    goes on ('und Gleichstellung', 'des Landes …'), capitals that go on in capitals, a body word alone above its
    place ('Kreis' / 'Warendorf')."""
    block = [head[index]]
    for follower in head[index + 1:index + 4]:
        last, text = block[-1].text.strip(), follower.text.strip()
        if INFO_LINE.search(text) or cues["department"].match(text) or _kind_title(text) or STAMP.match(text):
            break
        alone = len(block) == 1 and cues["body"].match(last) and not cues["body"].match(last)["rest"].strip()
        goes_on = (BROKEN_NAME.search(last) or NAME_GOES_ON.match(text) or LOWER_START.match(text)
                   or text in _laender() and not last.isupper()  # '… des Landes' / 'Brandenburg' in one type
                   or last.isupper() and text.isupper() and not cues["body"].match(text)
                   or alone and regex.fullmatch(r"[A-ZÄÖÜ][\w .-]{1,40}", text) and not cues["body"].match(text)
                   or FIRM.match(text) and not FIRM.match(last))
        if not goes_on:
            break
        block.append(follower)
    return block


@lru_cache(maxsize=1)
def _laender() -> frozenset[str]:
    return frozenset(load_json("structure.json")["laender"])


def _spelled(name: str, head: list[Line]) -> str:
    """A letterhead name with capitals, as a mixed-case line of the head writes it (OCR keeps umlauts there),
    else in title case where it is all capitals."""
    return _mixed_case_spelling(name, head) or (title_case(name) if name.isupper() else name)


def _mixed_case_spelling(name: str, head: list[Line]) -> Optional[str]:
    """The same name as the mixed-case lines of the head write it ('BEZIRKSREGIERUNG MUNSTER' → 'Bezirksregierung
    Münster' from the return-address line), also where that line is wrapped."""
    pattern = regex.compile(r"\b" + r"\s+".join(_skeleton_pattern(word) for word in name.split()) + r"\b", regex.IGNORECASE)
    mixed = " ".join(line.text for line in head if not line.text.isupper())
    match = next((m for m in pattern.finditer(mixed) if not m.group().isupper()), None)
    return regex.sub(r"\s+", " ", match.group()) if match else None


def _skeleton_pattern(word: str) -> str:
    """A word whose vowels may have lost or gained their umlaut: 'MUNSTER' matches 'Münster'."""
    pairs = {"a": "[aä]", "o": "[oö]", "u": "[uü]", "ä": "[aä]", "ö": "[oö]", "ü": "[uü]"}
    return "".join(pairs.get(c.lower(), regex.escape(c)) for c in word)


CITES_A_DECISION = regex.compile(r"(?i)\w*bescheid\w*\s+vom\s+\d")  # 'Widerspruch gegen den … Bescheid vom 22.07.2025'


def _kind_title(text: str) -> bool:
    """A line that names the paper's kind, not one that cites a paper by its date."""
    return classify_line(text) is not None and not CITES_A_DECISION.search(text)


def names_kind_only(title: Line) -> bool:
    """'Pressemitteilung', 'Pressemitteilung Nr. 94/2024', 'Beschlussvorlage': a title that only names the kind."""
    return len(regex.sub(r"\b(?:Nr\.|Nummer)\s*\S+|\d[\d./]*", "", title.text).split()) <= 2


def subject_from_title(title: Line, lines: list[Line], kind: str) -> tuple[str, tuple[int, int]]:
    """The subject of a paper without a Betreff: its title line, or, where that line only names the kind
    ('Pressemitteilung', 'Pressemitteilung Nr. 94/2024', 'Verwendungsnachweis'), the headline below it; a title
    the layout broke goes on in the next lines. A court's decision is titled by its kind ('Urteil'), a speech
    by its title line alone (what follows names the occasion)."""
    cues = _cues()
    content = [line for line in lines if not line.blank and not line.furniture and line.start >= title.start]
    block = content[:1]
    if kind == "gericht":  # 'Im Namen des Volkes' / 'Urteil': the decision's kind
        return next(((line.text.strip(), (line.start, line.end)) for line in content[:8] if cues["court_decision"].fullmatch(line.text.strip())),
                    (title.text.strip(), (title.start, title.end)))
    kind_only = names_kind_only(title)
    if kind_only and kind != "rede" and not (len(content) > 1 and content[1].text.strip()[:1].islower()):
        # the headline below, past 'Nr. 58/2024 · Hannover, …' ('Niederschrift' / 'über …' goes on)
        below = [line for line in content[1:12] if not _outside_subject(line.text, cues) and not NUMBER_LINE.match(line.text)
                 and not cues["occasion"].search(line.text) and not cues["salutation"].match(line.text)
                 and not (_kind_title(line.text) and len(line.text.split()) <= 3)]  # 'Jahresabschluss 2024: Stadt …' is a headline
        block = below[:1] or block
    block += _going_on(block, lines, cues, limit=5, headline=kind in ("pressemitteilung", "rede"))
    text = regex.sub(r"^[#\s]+", "", join_lines([line.text for line in block]))
    return text, (block[0].start, block[-1].end)
