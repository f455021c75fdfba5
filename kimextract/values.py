"""Value parsers and scanners: German numbers, number words, amounts, dates, periods, position shares, modules.

Scanners return :class:`Hit` objects with offsets into the text they were given; they know nothing of
documents or provenance. The word lists come from ``models/values.json``; the patterns are compiled once.

>>> [str(h.value) for h in scan_amounts("Zuschuss von bis zu 1.012 € pro Tag und 1,5 Mio. Euro")]
['1012', '1500000']
>>> [h.value.isoformat() for h in scan_dates("vom 1. Januar bis 31. Dezember 2021")]
['2021-01-01', '2021-12-31']
>>> [str(h.value) for h in scan_positions("3,5 Stellen Koordination, 0,5 Verwaltungsassistenz")]
['3.5', '0.5']
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Optional

import regex

from .resources import values_lexicon

# ---------------------------------------------------------------------------------------------------------
# numbers

# A German number: thousands with dots (or thin spaces), decimals with a comma. Not glued to other digits,
# dots or slashes, so that '117/2023', '§ 25a' and '36.08.02' are never read as one number.
NUMBER = r"""
    (?<![\d.,/])                               # not the tail of a longer number or reference
    (?: \d{1,3} (?: \.\d{3} )+ (?: ,\d+ )?     # 1.234.567,89
      | \d+ (?: ,\d+ )?                        # 1234 or 1,5
    )
    (?! \d | [.,]\d | /\d )                    # and not its head either
"""


# Thousands split by (narrow) spaces: '12 500 EUR', '336 000 €'; only read before a currency.
SPACED_NUMBER = r"(?<![\d.,/]\s?)\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?:,\d+)?(?![\d])"


@dataclass
class Hit:
    """A value found by a scanner: offsets into the scanned text, the value, and details."""

    kind: str
    start: int
    end: int
    value: Any
    details: dict[str, Any] = field(default_factory=dict)


def plain(value: Decimal) -> Decimal:
    """The value without trailing zeros and without an exponent.

    >>> plain(Decimal("412000.00")), plain(Decimal("0.50")), plain(Decimal("1.5E+6"))
    (Decimal('412000'), Decimal('0.5'), Decimal('1500000'))
    """
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def parse_number(text: str) -> Decimal:
    """A German number as a Decimal.

    >>> parse_number("1.234,56"), parse_number("412.000"), parse_number("0,5"), parse_number("12")
    (Decimal('1234.56'), Decimal('412000'), Decimal('0.5'), Decimal('12'))
    """
    cleaned = regex.sub(r"[\s\u00a0\u202f\u2009]", "", text)
    if regex.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", cleaned):
        cleaned = cleaned.replace(".", "")
    cleaned = cleaned.replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None


def parse_number_words(text: str) -> Optional[int]:
    """Value of a German number written in words, up to billions; None if it is not one.

    >>> parse_number_words("einhundertzwölftausendfünfhundert")
    112500
    >>> parse_number_words("fünfzig Millionen"), parse_number_words("zweihunderteins"), parse_number_words("Stelle")
    (50000000, 201, None)
    >>> parse_number_words("eine Milliarde zweihundert Millionen")
    1200000000
    """
    words = regex.sub(r"[\s\-]+", "", text.lower())
    if not words:
        return None
    return _parse_scaled(words)


def _parse_scaled(words: str) -> Optional[int]:
    lex = values_lexicon()
    for scale_word, scale in sorted(lex["scales"].items(), key=lambda kv: -kv[1]):
        if scale_word in ("mio", "mrd"):
            continue
        pos = words.find(scale_word)
        if pos < 0:
            continue
        head, tail = words[:pos], words[pos + len(scale_word):]
        if scale_word in ("million", "milliarde") and tail.startswith("en"):
            tail = tail[2:]
        multiplier = 1 if head in ("", "ein", "eine") else _parse_scaled(head)
        rest = 0 if tail == "" else _parse_scaled(tail)
        if multiplier is None or rest is None or rest >= scale:
            return None
        return multiplier * scale + rest
    return _parse_below_thousand(words)


def _parse_below_thousand(words: str) -> Optional[int]:
    lex = values_lexicon()
    total = 0
    if "hundert" in words:
        head, _, words = words.partition("hundert")
        hundreds = 1 if head in ("", "ein") else lex["units"].get(head)
        if hundreds is None or hundreds > 9:
            return None
        total = hundreds * 100
        if words.startswith("und") and words[3:] in lex["units"]:  # 'hundertundeins'
            words = words[3:]
    if not words:
        return total
    if words in lex["units"]:
        return total + lex["units"][words]
    if words in lex["tens"]:
        return total + lex["tens"][words]
    unit, sep, ten = words.partition("und")
    if sep and ten in lex["tens"] and unit in lex["units"] and lex["units"][unit] < 10:
        return total + lex["tens"][ten] + lex["units"][unit]
    return None


# ---------------------------------------------------------------------------------------------------------
# amounts


@lru_cache(maxsize=None)
def _amount_patterns() -> tuple[regex.Pattern, regex.Pattern, regex.Pattern]:
    lex = values_lexicon()
    scale = r"(?:Mio\.?|Millionen|Million|Mrd\.?|Milliarden|Milliarde|Tsd\.?|Tausend)"
    currency = r"(?:€|EUR\b|Euro\b|Eur\b)"
    thousands = r"(?:T€|TEUR\b|Tsd\.?\s*(?:€|EUR\b|Euro\b))"
    digits_first = regex.compile(
        rf"""
        (?P<num>{SPACED_NUMBER}|{NUMBER})
        (?:,[-–]{{1,2}}|\s*-)?\s*                      # '50.000,-- €', '1.012,-€' and '50.000€'
        (?: (?P<tcur>{thousands})                     # 250 T€, 80 TEUR
          | (?:(?P<scale>{scale})\s*)? {currency}     # 1,5 Mio. €, 50 Millionen Euro, 412.000 €
        )
        """,
        regex.VERBOSE | regex.IGNORECASE,
    )
    currency_first = regex.compile(
        rf"""
        (?P<cur>€|EUR\b|TEUR\b|T€|Euro\b)\s*          # € 1.234,56, EUR 12.500, TEUR 80, Euro 2.500
        (?P<num>{NUMBER})(?<!(?:19|20)\d\d)(?!,[-–])
        (?:\s*(?P<scale>Mio\.|Millionen|Mrd\.|Milliarden)(?!\s*(?:€|EUR|Euro)))?
        """,
        regex.VERBOSE,
    )
    number_word = "|".join(sorted(set(lex["units"]) | set(lex["tens"]) | {"hundert", "tausend"}, key=len, reverse=True))
    words_first = regex.compile(
        rf"""
        (?<![\w-])
        (?P<words>(?:(?:{number_word}|und)+)(?:\s+(?:Millionen|Million|Milliarden|Milliarde)(?:\s+(?:{number_word}|und)+)?)?)
        \s+(?:Euro|EUR)\b
        """,
        regex.VERBOSE | regex.IGNORECASE,
    )
    return digits_first, currency_first, words_first


def _scale_factor(word: Optional[str]) -> int:
    if not word:
        return 1
    return values_lexicon()["amount_scales"][word.lower().rstrip(".").strip()]


def scan_amounts(text: str) -> list[Hit]:
    """Money mentions with a currency: digits with a currency sign or word, or number words with 'Euro'.

    >>> [str(h.value) for h in scan_amounts("412.000 €, € 1.234,56, EUR 12.500, 250 T€, TEUR 80, 50 Millionen Euro")]
    ['412000', '1234.56', '12500', '250000', '80000', '50000000']
    >>> scan_amounts("50 % der Ausgaben, Nr. 117/2023, § 25b, Tel. 02541 18-0, 48653 Coesfeld, im Jahr 2021")
    []
    """
    digits_first, currency_first, words_first = _amount_patterns()
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for match in digits_first.finditer(text):
        factor = 1000 if match["tcur"] else _scale_factor(match["scale"])
        value = parse_number(match["num"]) * factor
        hits.append(Hit("amount", match.start(), match.end(), plain(value)))
        taken.append(match.span())
    for match in _range_start_pattern().finditer(text):  # '10.000 bis 20.000 €': the first end shares the currency
        second = next((h for h in hits if h.start == match.end()), None)
        if second is not None and free(match.start(), match.end("num")):
            factor = _shared_scale(text, second)
            hits.append(Hit("amount", match.start(), match.end("num"), plain(parse_number(match["num"]) * factor)))
            taken.append((match.start(), match.end("num")))
    for match in currency_first.finditer(text):
        if not free(*match.span()):
            continue
        factor = 1000 if match["cur"] in ("TEUR", "T€") else _scale_factor(match["scale"])
        value = parse_number(match["num"]) * factor
        hits.append(Hit("amount", match.start(), match.end(), plain(value)))
        taken.append(match.span())
    for match in words_first.finditer(text):
        if not free(*match.span()):
            continue
        value = parse_number_words(match["words"])
        if value is None or _after_in_worten(text, match.start()):
            continue
        hits.append(Hit("amount", match.start(), match.end(), Decimal(value)))
    hits.sort(key=lambda h: h.start)
    for hit in hits:
        hit.details["qualifier"] = amount_qualifier(text, hit.start)
        hit.details["per"] = amount_unit(text, hit.end)
    return hits


@lru_cache(maxsize=None)
def _range_start_pattern() -> regex.Pattern:
    return regex.compile(rf"(?P<num>{NUMBER})\s*(?:bis|–|-)\s*(?=\d)", regex.VERBOSE)


def _shared_scale(text: str, second: Hit) -> Decimal:
    """The scale of a range's second end ('1,5 bis 2 Mio. €') applies to the first."""
    mention = text[second.start:second.end]
    if regex.search(r"(?i)\b(?:Mio|Million)", mention):
        return Decimal(1000000)
    if regex.search(r"(?i)\b(?:Mrd|Milliard)", mention):
        return Decimal(1000000000)
    if regex.search(r"(?i)T€|TEUR|Tsd|Tausend", mention):
        return Decimal(1000)
    return Decimal(1)


def _after_in_worten(text: str, start: int) -> bool:
    return bool(regex.search(r"(?i)in\s+(?:Wor-?\s*ten|Buch-?\s*staben)\s*[:(]?\s*$", text[max(0, start - 30):start]))


@lru_cache(maxsize=None)
def _qualifier_pattern() -> regex.Pattern:
    words = sorted(values_lexicon()["qualifiers"], key=len, reverse=True)
    return regex.compile(r"(?i)(?<![\w.])(" + "|".join(regex.escape(w) for w in words) + r")\s*$")


def amount_qualifier(text: str, start: int) -> Optional[str]:
    """The qualifier standing right before an amount: 'bis zu', 'rund', 'ca.', 'i.H.v.' …

    >>> amount_qualifier("ein Zuschuss i.H.v. bis zu 30.000 €", 27)
    'bis zu'
    """
    window = text[max(0, start - 20):start]
    match = _qualifier_pattern().search(window)
    if not match:
        return None
    return values_lexicon()["qualifiers"][match[1].lower()]


def amount_unit(text: str, end: int) -> Optional[str]:
    """The unit of a rate after an amount: 'pro Jahr', 'je Stelle', '/Tag', 'jährlich'.

    >>> amount_unit("55.000 € je Stelle und Jahr", 8), amount_unit("10.000 € jährlich", 8)
    ('Stelle', 'Jahr')
    """
    units = values_lexicon()["per_units"]
    match = regex.match(r"\s*(?:(?:pro|je|per|/)\s*(?:eine[nmr]?\s+)?(?P<unit>[\w-]+)|(?P<adv>j(?:ä|a)hrlich|monatlich|p\.\s?a\.))", text[end:end + 40], regex.IGNORECASE)
    if not match:
        return None
    word = (match["unit"] or match["adv"]).lower().replace(" ", "")
    if word in units:
        return units[word]
    for key, unit in units.items():  # compounds: 'Koordinierungsstelle' -> Stelle
        if word.endswith(key):
            return unit
    if match["unit"] and match["unit"][:1].isupper():  # any other noun: 'je Treffpunkt'
        return match["unit"]
    return None


# ---------------------------------------------------------------------------------------------------------
# dates and periods


@lru_cache(maxsize=None)
def _date_patterns() -> dict[str, regex.Pattern]:
    lex = values_lexicon()
    months = "|".join(sorted(lex["months"], key=len, reverse=True))
    day = r"(?:0?[1-9]|[12]\d|3[01])"
    month = r"(?:0?[1-9]|1[0-2])"
    left = r"(?<![\d.,/§])"

    def full(n: int) -> str:
        numeric = rf"(?P<d{n}>{day})\.\s?(?P<m{n}>{month})\.\s?(?P<y{n}>\d{{4}}|\d{{2}})(?!\d|\.\d|[-/][A-Za-z])"
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
        "yearless_range": regex.compile(rf"(?<=\b(?:vom|Zeitraum|zwischen(?:\s+dem)?)\s+){between}{left}" + part(1) + connector + part(2), flags),
        "full": regex.compile(left + full(1), flags),
        "list": regex.compile(
            rf"{left}(?:{day}\.\s?{month}\.\s*(?:,|und|sowie)\s*)+(?P<last>{day}\.\s?{month}\.\s?(?P<year>\d{{4}}))(?!\d)", flags
        ),
        "part_only": regex.compile(left + part(1), flags),
        "cued_list": regex.compile(
            rf"(?<=\b(?:{cues})\s+){left}(?:{day}\.\s?{month}\.\s*(?:,|und|sowie)\s*)+{day}\.\s?{month}\.(?!\s?\d)", flags
        ),
        "cued_part": regex.compile(
            rf"(?<=\b(?:{cues})\s+){left}(?:" + part(1) + rf"|(?P<d1>{day})\.(?P<m1>{month})(?=\s+[^\W\d]))", flags
        ),  # 'zum 30.06.' and, where OCR lost the last dot, 'zum 30.06 zugewiesen'
        "derived": regex.compile(
            r"\bbis\s+(?:zum\s+)?(?:Ende\s+(?:des\s+)?(?:Jahres|Kalenderjahres|Haushaltsjahres)|(?:zum\s+)?Jahresende)\s+(?P<y1>\d{4})\b", flags
        ),
    }


NEXT_YEAR = regex.compile(r"\s+des\s+(?:Folgejahres|Folgejahrs|folgenden\s+Jahres|n(?:ä|a)chsten\s+Jahres)\b", regex.IGNORECASE)


def _year(text: Optional[str]) -> Optional[int]:
    if text is None:
        return None
    year = int(text)
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
    span = (match.start("d1"), match.end())
    details = {"period": span, "year_from_context": year_from_context}
    hits.append(Hit("date", match.start("d1"), _group_end(match, 1), first, dict(details)))
    hits.append(Hit("date", match.start("d2"), _group_end(match, 2), second, dict(details)))
    taken.append(span)


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


# ---------------------------------------------------------------------------------------------------------
# position shares


@lru_cache(maxsize=None)
def _position_patterns() -> dict[str, regex.Pattern]:
    lex = values_lexicon()
    units = "|".join(sorted((regex.escape(u) for u in lex["fte_units"]), key=len, reverse=True))
    number_words = "|".join(sorted(set(lex["units"]) | set(lex["tens"]) | set(lex["fraction_numbers"]), key=len, reverse=True))
    fte_words = "|".join(sorted((regex.escape(w).replace(r"\ ", r"\s+") for w in lex["fte_words"]), key=len, reverse=True))
    # Up to three lowercase attributes between number and noun: '7 zusätzliche/neue Personalstellen'.
    # Function words and numbers are never attributes: 'Baustein 2 für acht Stellen' is not '2 … Stellen'.
    stop = "|".join(sorted(set(lex["attribute_stopwords"]) | set(lex["units"]) | set(lex["tens"]) | set(lex["fraction_numbers"]), key=len, reverse=True))
    attributes = rf"(?-i:(?:(?!(?:{stop})\b)[a-zäöüß][\w]*(?:/\s?[a-zäöüß]\w*)?\s+){{0,3}})"
    noun = r"(?P<noun>[\w-]*?(?:stellen?|stellenanteile?n?)|" + units + r")\b"
    return {
        "numeric": regex.compile(
            rf"(?<![\w.,/§-])(?:(?P<jew>jeweils)\s+)?(?P<num>\d+(?:,\d+)?)(?:\s*-\s*|\s+){attributes}{noun}", regex.IGNORECASE
        ),
        "worded": regex.compile(rf"(?<![\w-])(?P<num>{number_words})\s+{attributes}{noun}", regex.IGNORECASE),
        "fte_word": regex.compile(rf"(?<![\w-])(?P<word>{fte_words})\b", regex.IGNORECASE),
        "percent_post": regex.compile(
            r"(?<![\d,])(?P<num>\d{1,3}(?:,\d+)?)\s*(?:%|Prozent)\s*(?:-\s*Stelle\b|einer\s+(?:Vollzeit)?stelle\b|einer\s+vollen\s+Stelle\b)",
            regex.IGNORECASE,
        ),  # '75%-Stelle', '50 % einer Vollzeitstelle'
        "halves": regex.compile(rf"(?<![\w-])(?P<num>{number_words}|\d+)\s+halbe\s+Stellen\b", regex.IGNORECASE),
        "share_percent": regex.compile(
            r"Stellenanteil(?:s|e)?\s+(?:von|in\s+H(?:ö|o|é)he\s+von|im\s+Umfang\s+von)\s+(?P<num>\d+(?:,\d+)?)(?:\s*(?P<pct>%|Prozent))?",
            regex.IGNORECASE,
        ),
        "hours": regex.compile(r"(?<![\d,.])(?P<num>\d{1,2}(?:,\d+)?)\s+(?:Wochenstunden|Wochenarbeitsstunden|Stunden\s+(?:pro|je|in\s+der)\s+Woche)", regex.IGNORECASE),
        "role_share": regex.compile(r"(?<=[(,;]\s*|\bund\s+)(?P<num>\d+,\d+)\s+(?P<role>Verwaltungsassistenz|Assistenz|Koordination|Sachbearbeitung|Case[- ]?Management|Fallmanagement)\b", regex.IGNORECASE),
    }


def _is_position_noun(noun: str) -> bool:
    lex = values_lexicon()
    lowered = noun.lower().strip("-")
    if lowered in lex["fte_units"]:
        return True
    if lowered in ("stelle", "stellen", "stellenanteil", "stellenanteile", "stellenanteilen"):
        return True
    return lowered not in lex["position_noun_exclusions"] and not lowered.endswith(("schnittstelle", "schnittstellen"))


def scan_positions(text: str) -> list[Hit]:
    """Position shares in full-time equivalents.

    >>> [str(h.value) for h in scan_positions("eine 0,5-Stelle, 7 zusätzliche/neue Personalstellen, 1,0 VZÄ")]
    ['0.5', '7', '1']
    >>> [str(h.value) for h in scan_positions("eine Vollzeitstelle, eine halbe Stelle, sechs Vollzeitstellen")]
    ['1', '0.5', '6']
    >>> [str(h.value) for h in scan_positions("ein Stellenanteil von 50 %, 19,5 Wochenstunden")]
    ['0.5', '0.5']
    >>> scan_positions("55.000 € je Stelle, drei Schnittstellen, § 25a, die Stellen")
    []
    """
    patterns = _position_patterns()
    lex = values_lexicon()
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, value: Decimal, **details: Any) -> None:
        if all(end <= s or start >= e for s, e in taken):
            hits.append(Hit("position", start, end, plain(value), details))
            taken.append((start, end))

    for match in patterns["percent_post"].finditer(text):
        add(match.start(), match.end(), parse_number(match["num"]) / 100)
    for match in patterns["halves"].finditer(text):  # 'zwei halbe Stellen' is one post
        word = match["num"].lower()
        count = Decimal(word) if word.isdigit() else Decimal(str(lex["units"].get(word) or lex["tens"].get(word) or 0))
        if count:
            add(match.start(), match.end(), count / 2)
    for match in patterns["share_percent"].finditer(text):
        share = parse_number(match["num"])
        if match["pct"]:
            add(match.start(), match.end(), share / 100)
        elif share <= 2:  # 'Stellenanteil von 0,75'
            add(match.start(), match.end(), share)
    for match in patterns["numeric"].finditer(text):
        if _is_position_noun(match["noun"]) and not _is_rate_denominator(text, match.start()) and not _after_module_word(text, match.start("num")):
            value = parse_number(match["num"])
            if value <= 500:
                add(match.start("num"), match.end(), value, each=bool(match["jew"]))
    for match in patterns["worded"].finditer(text):
        if _is_position_noun(match["noun"]) and match["num"].lower() not in ("ein", "eine", "einer", "einen", "einem"):
            word = match["num"].lower()
            count = lex["units"].get(word) or lex["tens"].get(word) or lex["fraction_numbers"][word]
            add(match.start(), match.end(), Decimal(str(count)))
    for match in patterns["fte_word"].finditer(text):
        word = regex.sub(r"\s+", " ", match["word"].lower())
        if not _is_rate_denominator(text, match.start()):
            add(match.start(), match.end(), Decimal(str(lex["fte_words"][word])))
    for match in patterns["hours"].finditer(text):
        hours = parse_number(match["num"])
        full_week = _full_week(text, match.start(), hours)
        add(match.start(), match.end(), (hours / full_week).quantize(Decimal("0.0001")), hours=str(hours))
    for match in patterns["role_share"].finditer(text):
        add(match.start(), match.end(), parse_number(match["num"]), role=match["role"])
    hits.sort(key=lambda h: h.start)
    return hits


def _is_rate_denominator(text: str, start: int) -> bool:
    """'je Stelle', 'pro Vollzeitstelle', 'je 1,0 VZÄ': a unit of a rate, not a position."""
    return bool(regex.search(r"(?i)\b(?:je|pro|per)\s*$", text[max(0, start - 6):start]))


def _after_module_word(text: str, start: int) -> bool:
    """'Baustein 2 …': the number names a module."""
    return bool(regex.search(r"(?i)(?:Modul|Baustein|Bausteins|Module|Bausteine|Stufe|Nr\.?)\s*$", text[max(0, start - 12):start]))


def _full_week(text: str, start: int, hours: Decimal) -> Decimal:
    """Hours of a full-time week: 41 for civil servants, 39 under TVöD."""
    weeks = values_lexicon()["weekly_hours"]
    context = text[max(0, start - 200):start + 200].lower()
    if hours * 2 == weeks["civil_servant"] or hours == weeks["civil_servant"] or "beamt" in context:
        return Decimal(weeks["civil_servant"])
    return Decimal(weeks["tvoed"])


# ---------------------------------------------------------------------------------------------------------
# modules

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}


@lru_cache(maxsize=None)
def _module_patterns() -> dict[str, regex.Pattern]:
    words = "|".join(sorted(values_lexicon()["module_words"], key=len, reverse=True))
    number = r"(?:\d{1,2}|I{1,3}|IV|V|VI)(?![\w.,/]\d|\w)"
    return {
        "mention": regex.compile(
            rf"(?<![\w-])(?:KIM[- ])?(?P<word>{words})\s+(?P<first>{number})"
            rf"(?P<rest>(?:\s*(?:,|und|bis|sowie|oder|-|–)\s*(?:{words}\s+)?{number})*)",
            regex.IGNORECASE,
        ),
        # A heading the layout split: the module word alone at a line end, its number opening a later line.
        "split_word": regex.compile(rf"(?im)^[ \t]*(?P<word>{words})[ \t]*$"),
        "split_number": regex.compile(rf"(?m)(?:^|\f)[ \t]*(?P<first>{number})[ \t]*:"),
    }


def _other_programme(text: str, end: int) -> bool:
    words = "|".join(values_lexicon()["other_programme_modules"])
    return regex.match(rf"(?i)\s+(?:des|der|im|eines|einer)\s+\w*(?:{words})", text[end:end + 60]) is not None


def _module_number(token: str) -> int:
    return ROMAN[token.upper()] if token.upper() in ROMAN else int(token)


def scan_modules(text: str) -> list[Hit]:
    """Module mentions, one hit per number; ranges are expanded.

    >>> [h.value for h in scan_modules("Modul 1, Baustein 2, Modul II, Bausteine 1 bis 3, Module 2 und 3")]
    [1, 2, 2, 1, 2, 3, 2, 3]
    >>> [h.value for h in scan_modules("Modul\\n\\nMit Bescheid …\\n3: Fachbezogene Pauschale")]
    [3]
    """
    patterns = _module_patterns()
    hits: list[Hit] = []
    for match in patterns["mention"].finditer(text):
        if _other_programme(text, match.end()):
            continue  # 'Modul 5 des Integrationskurses'
        numbers = [_module_number(match["first"])]
        for connector, token in regex.findall(r"(,|und|bis|sowie|oder|-|–)\s*(?:\w+\s+)?(\d{1,2}|I{1,3}|IV|V|VI)\b", match["rest"]):
            value = _module_number(token)
            if connector in ("bis", "-", "–") and value > numbers[-1]:
                numbers.extend(range(numbers[-1] + 1, value + 1))
            else:
                numbers.append(value)
        for number in numbers:
            if 1 <= number <= 9:
                hits.append(Hit("module", match.start(), match.end(), number, {"word": match["word"]}))
    for word in patterns["split_word"].finditer(text):
        following = patterns["split_number"].search(text, word.end())
        if following and not any(h.start >= word.end() and h.start < following.start() and h.details.get("heading") for h in hits):
            hits.append(Hit("module", following.start("first"), following.end("first"), _module_number(following["first"]),
                            {"word": word["word"], "split": True, "word_at": word.start("word")}))
    hits.sort(key=lambda h: h.start)
    return hits
