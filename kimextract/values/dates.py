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
        "yearless_range": regex.compile(rf"(?<=\b(?:vom|Zeitraum|zwischen(?:\s{{1,4}}dem)?)\s{{1,4}}){between}{left}" + part(1) + connector + part(2), flags),
        # 'Der Bewilligungszeitraum beginnt am 1. Januar 2023 und endet am 31. Dezember 2023.'
        "begins_ends": regex.compile(
            r"\b(?:beginnt|beginnend|beginnen)\s+(?:am\s+|mit\s+dem\s+)" + left + any_(1)
            + r"\s+und\s+(?:endet|enden)\s+(?:am\s+|mit\s+dem\s+)" + full(2), flags),
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
        if free(*match.span()):
            second = _make_date(match, 2, _context_year(hits, match.start(), default_year, text))
            if second is not None:
                _add_range(hits, taken, match, second, year_from_context=True)
    for match in patterns["full"].finditer(text):
        if free(*match.span()):
            value = _make_date(match, 1, None)
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
        year = _context_year(hits, listed.start(), default_year, text)
        for part in patterns["part_only"].finditer(text, listed.start(), listed.end()):
            value = _make_date(part, 1, year) if free(*part.span()) else None
            if value is not None:
                hits.append(Hit("date", part.start(), part.end(), value, {"year_from_context": True}))
                taken.append(part.span())
    for match in patterns["cued_part"].finditer(text):
        if not free(*match.span()):
            continue
        year = _context_year(hits, match.start(), default_year, text)
        if year is not None and NEXT_YEAR.match(text, match.end()):
            year += 1  # 'zum 30.04. des Folgejahres'
        value = _make_date(match, 1, year)
        if value is not None:
            hits.append(Hit("date", match.start(), match.end(), value, {"year_from_context": True}))
    hits.sort(key=lambda h: h.start)
    return hits


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
