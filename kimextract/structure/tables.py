"""One table model for the whole program: runs of lines that end in numbers, with their header, unit and
columns.

A row is a line whose label is followed by cells: numbers (signed: '-56', '+512'), or a dash for an empty
cell. Cells are counted from the right, where the numbers of a text layer line up. A table may run over label
lines of their own (a label the layout wrapped, a block heading such as 'Haushaltsjahr 2024'), page
furniture and a header repeated after a page break. The unit comes from the header or the caption
('(Beträge in EUR)', 'T€' per column); a column of small decimals under 'Stellen'/'VZÄ' holds posts; a row
labelled 'Summe'/'Zwischensumme' is a total, a header ending in 'Summe' or 'Gesamt' has a total column.
"""

from __future__ import annotations

from collections import Counter
from difflib import SequenceMatcher
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

import regex

from .lines import Line

NUMBER_CELL = regex.compile(r"^[+\-−–]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$|^[+\-−–]?\d+(?:,\d+)?$")
DASH_CELL = regex.compile(r"^[–—_-]$")  # OCR reads a dash as "_"
UNIT_TOKEN = regex.compile(r"^(?:€|EUR|T€|TEUR|Euro)$")
YEAR = regex.compile(r"^(?:19|20)\d\d$")
TOTAL_LABEL = regex.compile(r"(?i)^\s*(?:Zwischensumme|Summe|Gesamtsumme|Gesamt|Insgesamt|Zusammen|Endsumme)\b")
SUBTOTAL_LABEL = regex.compile(r"(?i)^\s*Zwischensumme\b")
TOTAL_COLUMN = regex.compile(r"(?i)\b(?:Summe|Gesamt|Insgesamt)(?:\s+\d{4}\s*[–-]\s*\d{4})?\s*(?:\(?(?:in\s+)?(?:€|EUR|T€)\)?)?\s*$")
EURO_UNIT = regex.compile(r"(?i)(?:\bin\s*|\(\s*(?:in\s+)?|\[\s*|\s)(?P<unit>T€|TEUR|Tsd\.?\s*(?:€|EUR|Euro)|€|EUR|Euro)(?![\w])")
STELLEN = regex.compile(r"(?i)\b(?:Stellen(?:anteile?)?|VZ(?:Ä|A|E)|Vollzeit(?:ä|a)quivalente?|Vollzeitstellen|Personalstellen)\b")
SENTENCE = regex.compile(r"[a-zäöüß]{2}[.!?]\s+[A-ZÄÖÜ]|[a-zäöüß]{2}[.;]\s*$")  # not 'e. V.'
# compiled once: a call with a pattern string costs twenty times the match on a short cell
ROW_TOKEN = regex.compile(r"[^\s|]+")
NUMBER_AND_DOT = regex.compile(r"[\d.,]*\d\.")
BROKEN_WORD = regex.compile(r"-\n(?=[a-zäöü])")
CENTS = regex.compile(r",\d\d$")

STATUS_WORD = regex.compile(r"^(?:[a-zäöüß]{2,12}|\d{1,2}\.\d{1,2}\.\d{2,4})$")  # a column of words or dates
MAX_LABEL = 90
MAX_GAP = 4  # lines of labels between two rows of one table
COLUMN_HEADS = regex.compile(r"(?i)\b(?:Betrag|Beträge|Summe|Stellen|VZÄ|EUR|T€|Ist|Soll|Plan|Vorjahr|bewilligt|ausgezahlt|anerkannt|Differenz)\s*(?:\(?(?:in\s+)?(?:€|EUR)\)?)?\s*$")


DATE_IN_LABEL = regex.compile(r"\b\d{1,2}\.\d{1,2}\.(?:\d{2,4})?(?!\d)")
NUMBER_LINE = regex.compile(r"[\d.,:/ \t–-]*\d[\d.,:/ \t–-]*")
# a caption line: 'Tabelle 1: …', or one that ends in the unit ('… Festsetzung (Beträge in Euro)'), not a line of
# heads that names the unit in its first head ('Ausgabenart (Beträge in €) 2023 2024 Summe')
CAPTION = regex.compile(r"(?i)\s*(?:Tabelle|Tab\.|Übersicht|Abbildung|Anlage)\s*\d+\s*[:.–-]|.*\(\s*Beträge\s+in\s+[^)]*\)\s*:?\s*$")
PERCENT_CELL = regex.compile(r"\d{1,3}(?:,\d+)?%$")
NAMES_NUMBER = regex.compile(r"(?i)(?:Baustein|Bausteins|Modul|Moduls|Nr\.?|§|§§|Abs\.?|Stufe|Los|Teil|Anlage|Ziffer|Kapitel|TOP)$")
BRACKETED = regex.compile(r"\([^()]*\)")
MONEY_IN_LABEL = regex.compile(r"\d{1,3}(?:\.\d{3})+,\d{2}\b|\d,\d{2}\s*(?:€|EUR|Euro)\b")
ENDS_IN_AMOUNT = regex.compile(r"\d[.,]\d+\s*$")


@dataclass
class Cell:
    start: int
    end: int
    text: str
    value: Optional[Decimal]  # None for a dash (an empty cell)


@dataclass
class Row:
    line: Line
    label: str
    cells: list[Cell]
    columns: list[int] = field(default_factory=list)  # the column of each cell, counted from the right

    @property
    def total(self) -> bool:
        return TOTAL_LABEL.match(self.label) is not None

    @property
    def subtotal(self) -> bool:
        return SUBTOTAL_LABEL.match(self.label) is not None


@dataclass
class Table:
    start: int
    end: int
    header: str  # the header lines and the caption above, joined
    rows: list[Row]
    factors: dict[int, Optional[int]] = field(default_factory=dict)  # column (from the right) → euro factor, or None
    stellen: set[int] = field(default_factory=set)  # columns of posts (FTE)
    total_column: bool = False

    @property
    def column_heads(self) -> str:
        """The heads of the columns: the header's lines below its caption, joined where the heads wrap
        ('Haushaltsjahr Bescheid vom geförderte Vollzeitstel-' / 'len' / 'Zuwendung in Euro')."""
        heads: list[str] = []
        lines = self.header.split("\n")
        while lines and row_label_line(lines[-1]):
            lines.pop()  # the first row's label, wrapped above its numbers: '2021 2 22.02.2021 01.01.–31.' / '12.2021'
        counted = 0
        for line in reversed(lines):
            if heads and (counted == 3 or line.rstrip().endswith((":", ".")) or ENDS_IN_AMOUNT.search(line)):
                break  # a caption, or the rows of the page before a repeated header
            if CAPTION.match(line):
                break  # 'Übersicht 1: Baustein 2 – … (Beträge in Euro)' names what the table is about, not its columns
            heads.insert(0, line)
            counted += len(line.strip()) > HEAD_FRAGMENT  # 'Zuwen-' / 'dung': pieces of one wrapped head
        return "\n".join(heads)

    def column(self, index: int) -> list[Optional[Cell]]:
        """The cells of one column (counted from the right, 0 = last), None where a row has none there."""
        return [next((c for c, k in zip(row.cells, row.columns) if k == index), None) for row in self.rows]

    @property
    def width(self) -> int:
        return max(max(row.columns, default=-1) + 1 for row in self.rows) if any(r.columns for r in self.rows) else \
            max(len(row.cells) for row in self.rows)


def row_label_line(line: str) -> bool:
    """A line of a row's label above its numbers: it opens with a number and holds a date, or only numbers that
    are not all years ('2021 2 22.02.2021 01.01.–31.', '12.2021'; not the heads '2023 2024 2025')."""
    text = line.strip()
    return text[:1].isdigit() and (DATE_IN_LABEL.search(text) is not None or (
        NUMBER_LINE.fullmatch(text) is not None and not all(YEAR.match(token) for token in text.split())))


def parse_row(line: Line) -> Optional[Row]:
    """The trailing cells of a line and its label; None where the line ends in no number."""
    if line.furniture:
        return None
    tokens = list(ROW_TOKEN.finditer(line.text))  # grid lines OCR reads as '|' separate cells
    cells: list[Cell] = []
    index = len(tokens) - 1
    if len(tokens) >= 2 and STATUS_WORD.match(tokens[-1].group()) and NUMBER_CELL.match(tokens[-2].group()):
        index -= 1  # a column of words or dates after the numbers: '3,0 besetzt', '1,0 01.03.2023'

    while index >= 0:
        token = tokens[index]
        word = token.group().rstrip(",")
        if index == len(tokens) - 1 and NUMBER_AND_DOT.fullmatch(word):
            word = word[:-1]  # '… 40 117.': a full stop or an OCR speck after the last cell
        if UNIT_TOKEN.match(word) and index > 0 and NUMBER_CELL.match(tokens[index - 1].group()):
            index -= 1  # '199.500 €': the unit belongs to the number before it
            continue
        percent = word == "%" and index > 0 and NUMBER_CELL.match(tokens[index - 1].group())
        if percent or PERCENT_CELL.match(word):  # a rate column ('25 %'): a cell, but no money and no posts
            first = tokens[index - 1] if percent else token
            cells.insert(0, Cell(line.start + first.start(), line.start + token.end(), line.text[first.start():token.end()], None))
            index -= 2 if percent else 1
            continue
        if NUMBER_CELL.match(word):
            value = _number(word)
            cells.insert(0, Cell(line.start + token.start(), line.start + token.start() + len(word), word, value))
        elif DASH_CELL.match(word):
            cells.insert(0, Cell(line.start + token.start(), line.start + token.end(), word, None))
        else:
            break
        index -= 1
    label = line.text[:tokens[index].end()].strip() if index >= 0 else ""
    if not any(c.value is not None for c in cells) or all(c.value is None or YEAR.match(c.text) for c in cells):
        return None
    if len(cells) == 1 and index >= 0 and NAMES_NUMBER.match(tokens[index].group()):
        return None  # '… für den Baustein 2', '… nach § 5': the number belongs to the word before it
    if "%" in line.text[cells[-1].end - line.start:]:
        return None
    return Row(line, label, cells)


def _number(text: str) -> Decimal:
    sign = -1 if text[0] in "-−–" else 1
    digits = text.lstrip("+-−–").replace(".", "").replace(",", ".")
    return sign * Decimal(digits)


def _is_row(row: Optional[Row], inside: bool = False) -> bool:
    """A row holds a short label (no sentence) and at least two cells, or one cell after a label that is no
    prose: a few words to open a table, any short label inside one."""
    if row is None or len(row.label) > MAX_LABEL or SENTENCE.search(row.label) or MONEY_IN_LABEL.search(BRACKETED.sub("", row.label)):
        return False  # 'Summe der Anträge: 7.690,00 Euro; verfügbare Restmittel 2024: 9.310,50 Euro' is prose;
        # '1,3 Verfahrensgebühr (Wert: 14.280,00 €)' is a label
    return len(row.cells) >= 2 or inside or len(row.label.split()) <= 8


def _is_bridge(line: Line) -> bool:
    """A line a table runs over: blank, furniture, or a short label line without a sentence."""
    text = line.text.strip()
    return line.blank or line.furniture or (len(text) <= 70 and not SENTENCE.search(text) and not text.endswith(":"))


def _repeats_header(line: Line, header: str) -> bool:
    """The column heads repeated after a page break ('Ausgabeart lt. Bescheid in € lt. Abrechnung in €'), also
    where OCR read them a letter apart ('Standort vVzÄ …' / 'Standort VzÄ …')."""
    text = line.text.strip()
    if not text:
        return False
    heads = [h.strip() for h in header.split("\n")]
    return text in heads or len(text) >= 20 and any(
        abs(len(h) - len(text)) <= 3 and SequenceMatcher(None, text, h).ratio() >= 0.9 for h in heads)


def _heads_page(lines: list[Line], index: int, last_row: int, header: str) -> bool:
    """One of the first two lines of a page after the table's last row, above the table's heads repeated: a
    running head ('Landesamt … – Bewilligungsbescheid') that only the later pages carry."""
    line = lines[index]
    if line.page == lines[last_row].page:
        return False
    above = [other for other in lines[max(0, index - 3):index] if other.page == line.page and not other.blank]
    return len(above) < 2 and any(_repeats_header(other, header) for other in lines[index + 1:index + 3])


def _starts_other_table(line: Line, header: str, repeats: bool) -> bool:
    """A line of column heads ('Nr. VV RVG Gebührentatbestand Betrag') that is not this table's header
    repeated after a page break (``repeats``) opens another table."""
    text = line.text.strip()
    return bool(COLUMN_HEADS.search(text)) and text not in header and not repeats


def find_tables(lines: list[Line]) -> list[Table]:
    tables: list[Table] = []
    index = 0
    while index < len(lines):
        row = parse_row(lines[index])
        if not _is_row(row):
            index += 1
            continue
        while (above := _row_above(lines, index)) is not None:  # rows with longer labels above
            index, row = above
        rows, last_row = [row], index
        header = _header(lines, index)
        probe, gap = index + 1, 0
        while probe < len(lines) and gap < MAX_GAP:
            line = lines[probe]
            candidate = parse_row(line)
            if _is_row(candidate, inside=True):
                rows.append(candidate)
                last_row, gap = probe, 0
                probe += 1
                continue
            repeats = _repeats_header(line, header)
            heads_again = repeats or _heads_page(lines, probe, last_row, header)
            if not (_is_bridge(line) or heads_again) or _starts_other_table(line, header, repeats):
                break
            if not (line.blank or line.furniture or heads_again):
                gap += 1  # a page break with the heads repeated under it is no gap in the table
            probe += 1
        rows = [row for row, below in zip(rows, rows[1:] + [None]) if not _wrapped_label_number(row, below)]
        if len(rows) >= 2 or (len(rows[0].cells) >= 2 and (EURO_UNIT.search(header) or STELLEN.search(header))):
            tables.append(_table(lines, index, last_row, header, rows))
        index = last_row + 1
    return tables


def _wrapped_label_number(row: Row, below: Optional[Row]) -> bool:
    """'Case Management' / '1' / '01.01.–31.12.2023 1,0 12 12,0': the number that ends a label the layout
    wrapped, above the row's numbers, is no row of its own."""
    return not row.label and len(row.cells) == 1 and regex.fullmatch(r"\d{1,2}", row.cells[0].text) is not None \
        and below is not None and len(below.cells) >= 2


def _row_above(lines: list[Line], index: int) -> Optional[tuple[int, Row]]:
    """The row just above a table's first one, past the lines its label wrapped into ('feld triebskosten'),
    never past the column heads."""
    above = index - 1
    while above >= 0 and index - above <= 3 and parse_row(lines[above]) is None and _is_bridge(lines[above]) \
            and not lines[above].blank and not COLUMN_HEADS.search(lines[above].text.strip()):
        above -= 1
    row = parse_row(lines[above]) if above >= 0 else None
    return (above, row) if _is_row(row, inside=True) else None


HEADER_LINES = 7  # lines of a header above the first row, besides the short ones of heads the layout wrapped
HEAD_FRAGMENT = 20  # 'Zuwen-' / 'dung': a line this short is a piece of a wrapped column head
HEADER_REACH = 30


def _header(lines: list[Line], first_row: int) -> str:
    """The lines above the first row, up to the caption that introduces the table ('… (Beträge in EUR):') or a
    long line of prose; the pieces of column heads the layout wrapped one word a line do not count."""
    above: list[str] = []
    counted = 0
    for line in reversed(lines[max(0, first_row - HEADER_REACH):first_row]):
        if line.blank or line.furniture:
            continue
        above.insert(0, line.text)
        counted += len(line.text.strip()) > HEAD_FRAGMENT
        if len(line.text.strip()) > 100 or line.text.rstrip().endswith(":") or counted >= HEADER_LINES:
            break
    return "\n".join(above)


def _table(lines: list[Line], first: int, last: int, header: str, rows: list[Row]) -> Table:
    table = Table(lines[first].start, lines[last].end, header, rows)
    table.total_column = TOTAL_COLUMN.search(table.column_heads) is not None
    units = [m["unit"] for m in EURO_UNIT.finditer(" " + header)]
    unbroken = BROKEN_WORD.sub("", header)  # 'Vollzeitstel-' / 'len'

    lengths = Counter(len(row.cells) for row in rows if not row.total)
    width = max(lengths, key=lambda n: (lengths[n], n)) if lengths else table.width
    # the kind of a column comes from its cells, not its total: a sum of posts may exceed what one row holds
    full = [row for row in rows if len(row.cells) == width and not row.total] or [row for row in rows if len(row.cells) == width]
    columns = {column: [row.cells[-1 - column] for row in full if row.cells[-1 - column].value is not None] for column in range(width)}
    valueless = [column for column, cells in columns.items() if not cells]  # a rate column ('25 %')
    for row in rows:
        if len(row.cells) > width:
            _drop_empty_cells(row, width, columns)
        row.columns = list(range(len(row.cells) - 1, -1, -1))
        if valueless and len(row.cells) == width - len(valueless):  # 'Summe 170.000,00 48.000,00' leaves the rate out
            row.columns = [column for column in range(width - 1, -1, -1) if column not in valueless]
    for column, cells in columns.items():
        table.factors[column] = _factor(units, column, width)
        money_beside = any(looks_like_money(c) for other, cs in columns.items() if other != column for c in cs)
        if STELLEN.search(unbroken) and cells and all(_looks_like_posts(c) for c in cells) and (
                any("," in c.text for c in cells) or not units or money_beside):
            table.stellen.add(column)
    _keep_post_columns(table, columns)
    for row in rows:  # a short row whose last number is money stands under the money column: 'Summe 1.045.000,00'
        if len(row.cells) < width and 0 in table.stellen and row.cells[-1].value is not None and not _looks_like_posts(row.cells[-1]):
            row.columns = [k + 1 for k in row.columns]
        elif len(row.cells) < width and len(table.stellen) == 1 and _posts_then_money(row.cells):
            row.columns[0] = next(iter(table.stellen))  # 'Gesamt 3,0 186.000': the posts under the posts column
    return table


def _drop_empty_cells(row: Row, width: int, columns: dict[int, list[Cell]]) -> None:
    """A row with more cells than the table's numeric columns, the extra ones dashes in columns of words or
    dates: drop dashes from the right ('Summe 3,5 –') or the left ('Summe – – – 1.457.500 – –') so that its
    numbers stand under columns of their kind, money under money."""
    excess = len(row.cells) - width
    best, best_fit = None, -1
    for right in range(excess, -1, -1):
        left = excess - right
        dropped = row.cells[:left] + row.cells[len(row.cells) - right:]
        if any(c.value is not None for c in dropped):
            continue
        kept = row.cells[left:len(row.cells) - right]
        fit = sum(1 for i, c in enumerate(kept) if c.value is not None
                  and _money_column(columns[width - 1 - i]) == (looks_like_money(c) and not _looks_like_posts(c)))
        if fit > best_fit:
            best, best_fit = kept, fit
    if best is not None:
        row.cells = best


def _money_column(cells: list[Cell]) -> bool:
    return any(looks_like_money(c) and not _looks_like_posts(c) for c in cells)


# heads of columns of whole numbers that count something else beside the posts ('Baustein', 'Monate')
MONTHS_HEAD = regex.compile(r"(?i)\w*monate?\b")  # 'Stellenmonate', 'Personalmonate': posts times months
COUNT_HEADS = regex.compile(r"(?i)\b(?:Baustein|Modul|Monate?|Anzahl|Nr\.?|Personen|Teilnehmende|Fälle)\b")


def _keep_post_columns(table: Table, columns: dict[int, list[Cell]]) -> None:
    """Of the columns of small numbers under a posts header, those that hold posts: where one has decimals
    ('5,0'), a column of whole numbers beside it counts something else ('Baustein 2'); so does a column of whole
    numbers where the heads name a count ('Monate 12')."""
    decimal = {k for k in table.stellen if any("," in c.text for c in columns[k])}
    if len(decimal) > 1 and MONTHS_HEAD.search(table.column_heads):  # 'Umfang (VZÄ) | Monate | Stellenmonate'
        decimal = {min(decimal, key=lambda k: max(c.value for c in columns[k]))}
    if decimal or COUNT_HEADS.search(table.column_heads):
        table.stellen = decimal


def _posts_then_money(cells: list[Cell]) -> bool:
    return len(cells) >= 2 and "," in cells[0].text and _looks_like_posts(cells[0]) and all(
        c.value is not None and looks_like_money(c) and not _looks_like_posts(c) for c in cells[1:])


def _factor(units: list[str], column: int, width: int) -> Optional[int]:
    """The euro factor of a column: one unit per column where the header names as many as there are columns
    ('31.12.2022 T€  31.12.2021 T€'), else the one unit of the table."""
    if not units:
        return None
    unit = units[len(units) - 1 - column] if len(units) == width else units[-1]
    return 1000 if unit.upper() in ("T€", "TEUR") or unit.lower().startswith("tsd") else 1


def _looks_like_posts(cell: Cell) -> bool:
    return "." not in cell.text and cell.value is not None and abs(cell.value) <= 60


def looks_like_money(cell: Cell) -> bool:
    """A cell that can be euros: thousands dots, two decimals, or a whole number of three digits or more."""
    text = cell.text.lstrip("+-−–")
    return "." in text or CENTS.search(text) is not None or (text.isdigit() and len(text) >= 3 and not YEAR.match(text))
