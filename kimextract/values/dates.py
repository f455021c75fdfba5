"""Calendar dates, ranges as two dates and a period, and deadlines derived from phrases."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Optional

import regex

from ..resources import values_lexicon
from .numbers import Hit


@lru_cache(maxsize=None)
def _date_patterns() -> dict[str, regex.Pattern]:
    lex = values_lexicon()
    months = "|".join(sorted(lex["months"], key=len, reverse=True))
    ordinals = "|".join(sorted(lex["ordinal_days"], key=len, reverse=True))
    day = r"(?:0?[1-9]|[12]\d|3[01])"
    month = r"(?:0?[1-9]|1[0-2])"
    left = r"(?<![\d.,/§])"

    def full(n: int) -> str:
        numeric = rf"(?P<d{n}>{day})\.\s?(?P<m{n}>{month})\.\s?(?P<y{n}>\d{{4}}|(?:19|20)\n\d{{2}}(?=\s)|\d{{2}})(?!\d|\.\d|[-/][A-Za-z])"  # '31.12.20' / '21': a year a table cell wrapped
        named = rf"(?P<d{n}>{day})\.\s*(?P<mn{n}>{months})\.?\s+(?P<y{n}>\d{{4}})(?!\d)"
        return f"(?:{numeric}|{named})"

    def part(n: int) -> str:
        numeric = rf"(?P<d{n}>{day})\.\s?(?P<m{n}>{month})\.(?!\s?\d)"
        named = rf"(?P<d{n}>{day})\.\s*(?P<mn{n}>{months})\.?(?!\s*\d)"
        return f"(?:{numeric}|{named})"

    def any_(n: int) -> str:
        day_only = rf"(?P<d{n}>{day})\.(?!\s?\d)(?=\s*(?:bis|und|[-–—]))"  # 'vom 1. bis 15. März 2021'
        return f"(?:{full(n)}|{part(n)}|{day_only})"

    # 'bis', a dash, or 'und' after 'zwischen': the two ends of a range.
    connector = r"\s*(?:bis\s+(?:zum\s+|einschließlich\s+|einschl\.\s+)?|[-–—]\s*|(?(zw)und\s+(?:dem\s+)?|(?!)))"
    between = r"(?:(?P<zw>zwischen\s+(?:dem\s+)?))?"
    cues = "|".join(sorted((regex.escape(c) for c in lex["date_cues"]), key=len, reverse=True))
    flags = regex.VERBOSE | regex.IGNORECASE
    return {
        "range": regex.compile(between + left + any_(1) + connector + full(2), flags),
        # 'vom 01.07. bis 31.12.': a range without a year, which takes it from context.
        "yearless_range": regex.compile(
            rf"(?:(?<=\b(?:vom|Zeitraum)\s{{1,4}})|(?P<zw>(?<!\w)zwischen\s+(?:dem\s+)?)){left}(?:" + part(1)
            + rf"|(?P<d1>{day})\.(?!\s?\d)(?=\s*(?:bis|und|[-–—])))" + connector + part(2), flags),
        # 'am 15. und 19. November 2021': a list of days that share the month and year of the last
        "day_list": regex.compile(rf"{left}(?P<d1>{day})\.(?!\s?\d)\s*(?:,|und|sowie)\s+(?:dem\s+)?" + full(2), flags),
        # '21/04/2016'; '10/18/2022' where a portal prints the month first (a second part over 12 tells)
        "slashed": regex.compile(r"(?<![\d./-])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4}|\d{2})(?![\d/])"),
        # '2023-04-17', '2015/08/12': the year first
        "year_first": regex.compile(r"(?<![\d./-])(?P<y>(?:19|20)\d\d)(?P<sep>[-/.])(?P<m>0?[1-9]|1[0-2])(?P=sep)(?P<d>0?[1-9]|[12]\d|3[01])(?![\d./-])"),
        # 'Im November 2021 zwischen dem 19. und dem 20.': the month named before a range of days
        "month_first_range": regex.compile(
            rf"\bim\s+(?P<mn1>{months})(?:\s+(?P<y1>\d{{4}}))?\b[^.\n\d]{{0,30}}?\b(?:zwischen\s+dem|vom)\s+"
            rf"(?P<d1>{day})\.\s*(?:und|bis(?:\s+zum)?|[-–—])\s*(?:dem\s+)?(?P<d2>{day})\.(?!\s?\d|\s*(?:{months})\b)", flags),
        # 'am ersten Januar 2018': the day as an ordinal word, after a word that announces a date
        "ordinal": regex.compile(
            rf"(?<=\b(?:am|vom|zum|den|dem|bis)\s{{1,4}})(?P<od>{ordinals})\s+(?P<mn1>{months})\b\.?(?:\s+(?P<y1>\d{{4}})(?!\d))?", flags),
        # 'am 3-7-2017': hyphens only after a word that announces a date
        "hyphened": regex.compile(rf"(?<=\b(?:am|vom|zum|den|bis)\s{{1,4}})(?P<a>{day})-(?P<b>{month})-(?P<y>\d{{4}}|\d{{2}})(?![\d-])", regex.IGNORECASE),
        # 'Der Bewilligungszeitraum beginnt am 1. Januar 2023 und endet am 31. Dezember 2023.' ('… und läuft bis zum …')
        "begins_ends": regex.compile(
            r"\b(?:beginnt|beginnend|beginnen)\s+(?:am\s+|mit\s+dem\s+)" + left + any_(1)
            + r"\s+und\s+(?:(?:endet|enden)\s+(?:am\s+|mit\s+dem\s+)|(?:läuft|lauft|dauert|reicht)\s+bis\s+(?:zum\s+)?)" + full(2), flags),
        "full": regex.compile(left + full(1), flags),
        "list": regex.compile(
            rf"{left}(?:{day}\.\s?{month}\.\s*(?:,|und|sowie)\s*)+(?P<last>{day}\.\s?{month}\.\s?(?P<year>\d{{4}}))(?!\d)", flags
        ),
        "part_only": regex.compile(left + part(1), flags),
        "cued_list": regex.compile(
            rf"(?<=\b(?:{cues})\s{{1,4}}){left}(?:{day}\.\s?{month}\.\s*(?:,|und|sowie)\s*)+{day}\.\s?{month}\.(?!\s?\d)", flags
        ),
        "cued_part": regex.compile(
            rf"(?<=\b(?:{cues})\s{{1,4}}){left}(?:" + part(1) + rf"|(?P<d1>{day})\.(?P<m1>{month})(?=\s+[^\W\d]))", flags
        ),  # 'zum 30.06.' and, where OCR lost the last dot, 'zum 30.06 zugewiesen'
        "derived": regex.compile(
            r"\bbis\s+(?:zum\s+)?(?:Ende\s+(?:des\s+)?(?:Jahres|Kalenderjahres|Haushaltsjahres)|(?:zum\s+)?Jahresende)\s+(?P<y1>\d{4})\b", flags
        ),
    }


NEXT_YEAR = regex.compile(r"\s+des\s+(?:Folgejahres|Folgejahrs|folgenden\s+Jahres|n(?:ä|a)chsten\s+Jahres)\b", regex.IGNORECASE)


def _year(text: Optional[str]) -> Optional[int]:
    if text is None:
        return None
    year = int(text.replace("\n", ""))
    if year >= 100:
        return year
    return year + 2000 if year < 70 else year + 1900  # '3.2.21' is 2021, '26.04.99' is 1999


def _make_date(match: regex.Match, n: int, year: Optional[int], month: Optional[int] = None) -> Optional[dt.date]:
    month_name = match.groupdict().get(f"mn{n}")
    if month_name:
        month = values_lexicon()["months"][month_name.lower().rstrip(".")]
    elif match.groupdict().get(f"m{n}"):
        month = int(match[f"m{n}"])
    if month is None:
        return None
    year = _year(match.groupdict().get(f"y{n}")) or year
    if year is None or not 1900 <= year <= 2100:
        return None
    try:
        return dt.date(year, month, int(match[f"d{n}"]))
    except ValueError:
        return None


def scan_dates(text: str, default_year: Optional[int] = None) -> list[Hit]:
    """Calendar dates; a range gives both ends, each marked with the range's span in ``details['period']``.

    Dates without a year take the year of the range they open, else of the nearest full date before them,
    else ``default_year``; they are left out when none is known.

    >>> [h.value.isoformat() for h in scan_dates("03.02.2021, 3.2.21, 3. Feb. 2021, 01.01.–31.12.2021")]
    ['2021-02-03', '2021-02-03', '2021-02-03', '2021-01-01', '2021-12-31']
    >>> [h.value.isoformat() for h in scan_dates("Az. 36.08.02-KIM, Nr. 7.1, 2021, Februar 2022, 1.5 Stellen")]
    []
    >>> [h.value.isoformat() for h in scan_dates("im Jahr 2021 … zum 30.06. zugewiesen")]
    ['2021-06-30']
    >>> [h.details["period"] is not None for h in scan_dates("beginnt am 1. Januar 2023 und endet am 31. Dezember 2023")]
    [True, True]
    """
    patterns = _date_patterns()
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for match in patterns["range"].finditer(text, overlapped=False):
        second = _make_date(match, 2, None)
        if second is None:
            continue
        _add_range(hits, taken, match, second)
    for match in patterns["begins_ends"].finditer(text):
        second = _make_date(match, 2, None)
        if second is not None and free(*match.span()):
            _add_range(hits, taken, match, second)
    for match in patterns["yearless_range"].finditer(text):
        if free(*match.span()) and not recurs(text, match.start(), match.end()):
            second = _make_date(match, 2, _context_year(hits, match.start(), default_year, text))
            if second is not None:
                _add_range(hits, taken, match, second, year_from_context=True)
    for match in patterns["day_list"].finditer(text):
        second = _make_date(match, 2, None)
        if second is not None and free(*match.span()):
            first = _make_date(match, 1, second.year, second.month)
            if first is not None:
                hits.append(Hit("date", match.start("d1"), _group_end(match, 1), first, {"year_from_context": True}))
                hits.append(Hit("date", match.start("d2"), match.end(), second))
                taken.append(match.span())
    for match in patterns["full"].finditer(text):
        if free(*match.span()):
            value = _make_date(match, 1, None)
            if value is not None:
                hits.append(Hit("date", match.start(), match.end(), value))
                taken.append(match.span())
    for match in patterns["month_first_range"].finditer(text):  # 'Im November zwischen dem 19. und dem 20.'
        if free(match.start("d1"), match.end()):
            _add_month_first_range(hits, taken, match, _year(match["y1"]) or _context_year(hits, match.start(), default_year, text))
    for match in patterns["ordinal"].finditer(text):  # 'am ersten Januar 2018'
        value = _ordinal_date(match, _year(match["y1"]) or _context_year(hits, match.start(), default_year, text)) if free(*match.span()) else None
        if value is not None:
            hits.append(Hit("date", match.start(), match.end(), value, {"year_from_context": not match["y1"]}))
            taken.append(match.span())
    for name in ("slashed", "year_first", "hyphened"):
        for match in patterns[name].finditer(text):
            value = _other_order(match, name) if free(*match.span()) else None
            if value is not None:
                hits.append(Hit("date", match.start(), match.end(), value))
                taken.append(match.span())
    for listed in patterns["list"].finditer(text):  # 'zum 15.02., 15.05., 15.08. und 15.11.2024'
        year = _year(listed["year"])
        for part in patterns["part_only"].finditer(text, listed.start(), listed.start("last")):
            if free(*part.span()):
                value = _make_date(part, 1, year)
                if value is not None:
                    hits.append(Hit("date", part.start(), part.end(), value, {"year_from_context": True}))
                    taken.append(part.span())
    for listed in patterns["cued_list"].finditer(text):  # 'jeweils zum 15.02., 15.05., 15.08. und 15.11.'
        if recurs(text, listed.start(), listed.end()):
            taken.append(listed.span())  # a schedule: none of its parts is a date
            continue
        year = _context_year(hits, listed.start(), default_year, text)
        for part in patterns["part_only"].finditer(text, listed.start(), listed.end()):
            value = _make_date(part, 1, year) if free(*part.span()) else None
            if value is not None:
                hits.append(Hit("date", part.start(), part.end(), value, {"year_from_context": True}))
                taken.append(part.span())
    for match in patterns["cued_part"].finditer(text):
        if not free(*match.span()) or recurs(text, match.start(), match.end()):
            continue
        year = _context_year(hits, match.start(), default_year, text)
        if year is not None and NEXT_YEAR.match(text, match.end()):
            year += 1  # 'zum 30.04. des Folgejahres'
        value = _make_date(match, 1, year)
        if value is not None:
            hits.append(Hit("date", match.start(), match.end(), value, {"year_from_context": True}))
    hits = _without_numbers_named_otherwise(text, hits)
    hits.sort(key=lambda h: h.start)
    return hits


def _without_numbers_named_otherwise(text: str, hits: list[Hit]) -> list[Hit]:
    """The hits but those a word names as a section, product or budget line (and the other end of their range)."""
    blocked = {id(h) for h in hits if _not_a_date(text, h)}
    periods = {h.details.get("period") for h in hits if id(h) in blocked and h.details.get("period")}
    return [h for h in hits if id(h) not in blocked and (h.details.get("period") is None or h.details["period"] not in periods)]


def _add_month_first_range(hits: list[Hit], taken: list, match: regex.Match, year: Optional[int]) -> None:
    """Both days of a range whose month was named before it, as a period."""
    if year is None:
        return
    month = values_lexicon()["months"][match["mn1"].lower()]
    try:
        first, second = (dt.date(year, month, int(match[group])) for group in ("d1", "d2"))
    except ValueError:
        return
    if first <= second:
        details = {"period": (match.start("d1"), match.end()), "year_from_context": not match["y1"]}
        hits.append(Hit("date", match.start("d1"), match.end("d1") + 1, first, dict(details)))
        hits.append(Hit("date", match.start("d2"), match.end(), second, dict(details)))
        taken.append((match.start("d1"), match.end()))


def _ordinal_date(match: regex.Match, year: Optional[int]) -> Optional[dt.date]:
    """'ersten Januar' in ``year``."""
    lex = values_lexicon()
    try:
        return dt.date(year, lex["months"][match["mn1"].lower()], lex["ordinal_days"][match["od"].lower()]) if year else None
    except ValueError:
        return None


def _other_order(match: regex.Match, name: str) -> Optional[dt.date]:
    """A date written with slashes or hyphens, or the year first."""
    if name == "year_first":
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    else:
        day, month, year = int(match["a"]), int(match["b"]), _year(match["y"])
        if name == "slashed" and month > 12 and day <= 12:  # '10/18/2022': a portal's month first
            day, month = month, day
    try:
        return dt.date(year, month, day) if 1900 <= year <= 2100 else None
    except ValueError:
        return None


@lru_cache(maxsize=None)
def _blocker_pattern() -> regex.Pattern:
    words = "|".join(sorted((regex.escape(w) for w in values_lexicon()["date_blockers"]), key=len, reverse=True))
    return regex.compile(rf"(?i)(?<![\w.])(?:{words})(?<=\.|\b)\s*(?:Nr\.\s*)?:?\s*$")


# '3.1.12 Förderfähige Ausgaben', '1.1.11 Maßnahmen': one-digit parts and a two-digit year before a noun number a
# heading; a date of that form would follow a word such as 'am' or 'vom'.
HEADING_NUMBER = regex.compile(r"[1-9]\.[1-9]\.\d\d(?=[ \t]+(?-i:[A-ZÄÖÜ])\w)")
DATE_WORD_BEFORE = regex.compile(r"(?i)\b(?:am|vom|zum|bis|ab|seit|den|dem|Datum|Stand|Eingang|Frist)\s*:?\s*$")


def _not_a_date(text: str, hit: Hit) -> bool:
    """A number that a word before it names a section, a product, a budget line or a version ('Abschnitt 3.2.11',
    'Produktgruppe 11.05.06'), or that numbers a heading."""
    before = text[max(0, hit.start - 30):hit.start]
    if _blocker_pattern().search(before):
        return True
    return bool(HEADING_NUMBER.match(text, hit.start)) and not DATE_WORD_BEFORE.search(before)


@lru_cache(maxsize=None)
def _schedule_patterns() -> tuple[regex.Pattern, regex.Pattern]:
    def alternation(key: str) -> str:
        return "|".join(sorted((regex.escape(w).replace(r"\ ", r"\s+") for w in values_lexicon()[key]), key=len, reverse=True))
    after = regex.compile(rf"(?i)^\s*(?:{alternation('schedule_after')})\b")
    before = regex.compile(rf"(?i)\b(?:{alternation('schedule_before')})\b[^.;\n\d]{{0,25}}$")
    return after, before


def recurs(text: str, start: int, end: int) -> bool:
    """Yearless dates that come back every year: 'jeweils zum 1.3. und 1.9. des Jahres', 'jährlich zum 31. März',
    'zum 30. Oktober des vorhergehenden Kalenderjahres'. A schedule, not a calendar date.

    >>> recurs("zum 30.04. eines Jahres", 4, 10), recurs("zum 30.04. des Folgejahres", 4, 10)
    (True, False)
    """
    after, before = _schedule_patterns()
    said = after.match(text[end:end + 60])
    if said and regex.fullmatch(r"(?i)\s*des\s+Jahres", said.group()):  # 'zum 30.06. des Jahres' in a Bescheid is this year
        return bool(regex.search(r"(?i)\bjeweils\b", text[max(0, start - 40):start]))
    return bool(said or before.search(text[max(0, start - 40):start]))


def _add_range(hits: list[Hit], taken: list, match: regex.Match, second: dt.date, year_from_context: bool = False) -> None:
    """Both ends of a range, each marked with the range's span; the first takes what it lacks from the second."""
    first = _make_date(match, 1, second.year, second.month)
    if first is None:
        return
    if first > second and not match.groupdict().get("y1"):
        first = first.replace(year=first.year - 1)
    y1, y2 = match.groupdict().get("y1") or "", match.groupdict().get("y2") or ""
    if first > second and len(y1) == 4 and len(y2) == 2 and y1.startswith(y2):
        second = _with_year(second, first.year)  # '01.07.2021–31.12.20' / '21': a cell cut the year, not a reversed range
    span = (match.start("d1"), match.end())
    details = {"period": span, "year_from_context": year_from_context}
    hits.append(Hit("date", match.start("d1"), _group_end(match, 1), first, dict(details)))
    hits.append(Hit("date", match.start("d2"), _group_end(match, 2), second, dict(details)))
    taken.append(span)


def _with_year(date: dt.date, year: int) -> dt.date:
    try:
        return date.replace(year=year)
    except ValueError:  # 29 February
        return date.replace(year=year, day=28)


def _group_end(match: regex.Match, n: int) -> int:
    ends = [match.end(g) for g in (f"y{n}", f"mn{n}", f"m{n}", f"d{n}") if match.groupdict().get(g) is not None]
    end = max(ends)
    if end < len(match.string) and match.string[end] == "." and match.groupdict().get(f"y{n}") is None:
        end += 1  # '30.06.' keeps its closing dot
    return end


def _context_year(hits: list[Hit], start: int, default_year: Optional[int], text: str) -> Optional[int]:
    before = [h for h in hits if h.end <= start]
    if before:
        return max(before, key=lambda h: h.end).value.year
    year = regex.findall(r"(?<!\d)(20\d\d)(?!\d)", text[max(0, start - 400):start])
    return int(year[-1]) if year else default_year


def scan_derived_dates(text: str) -> list[Hit]:
    """Deadlines derived from phrases such as 'bis Ende des Jahres 2022' (the year's last day).

    >>> [h.value.isoformat() for h in scan_derived_dates("können bis Ende des Jahres 2022 abgerufen werden")]
    ['2022-12-31']
    """
    return [
        Hit("date", m.start(), m.end(), dt.date(int(m["y1"]), 12, 31), {"derived": True})
        for m in _date_patterns()["derived"].finditer(text)
    ]
