"""Money mentions: digits with a currency, number words with 'Euro', their qualifier and unit."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Optional

import regex

from ..resources import values_lexicon
from .numbers import BROKEN_NUMBER, NUMBER, SPACED_NUMBER, Hit, parse_number, parse_number_words, plain


@lru_cache(maxsize=None)
def _amount_patterns() -> tuple[regex.Pattern, regex.Pattern, regex.Pattern]:
    lex = values_lexicon()
    scale = r"(?:Mio\.?|Millionen|Million|Mrd\.?|Milliarden|Milliarde|Tsd\.?|Tausend)"
    currency = r"(?:€|EUR\b|Euro\b|Eur\b)"
    thousands = r"(?:T€|TEUR\b|Tsd\.?\s*(?:€|EUR\b|Euro\b))"
    digits_first = regex.compile(
        rf"""
        (?P<num>{BROKEN_NUMBER}|{SPACED_NUMBER}|{NUMBER})
        (?:,[-–]{{1,2}}|\s*-)?\s*                      # '50.000,-- €', '1.012,-€' and '50.000€'
        (?: (?P<tcur>{thousands})                     # 250 T€, 80 TEUR
          | (?:(?P<scale>{scale})\s*)? {currency}     # 1,5 Mio. €, 50 Millionen Euro, 412.000 €
        )
        """,
        regex.VERBOSE | regex.IGNORECASE,
    )
    currency_first = regex.compile(
        rf"""
        (?<!\bin\s|\(in\s)                             # not a unit: 'Betrag in €' over a table's first number
        (?P<cur>€|EUR\b|TEUR\b|T€|Euro\b)\s*          # € 1.234,56, EUR 12.500, TEUR 80, Euro 2.500
        (?P<num>{NUMBER})(?<!(?:19|20)\d\d)(?:,[-–]{{1,2}}(?![\d-]))?
        (?:\s*(?P<scale>Mio\b\.?|Millionen|Million|Mrd\b\.?|Milliarden|Milliarde)(?!\s*(?:€|EUR|Euro)))?  # € 7,2 Mio
        """,
        regex.VERBOSE,
    )
    number_word = "|".join(sorted(set(lex["units"]) | set(lex["tens"]) | set(lex["fraction_numbers"]) | {"hundert", "tausend"}, key=len, reverse=True))
    words_first = regex.compile(
        rf"""
        (?<![\w-])
        (?P<words>(?:eine\s+halbe|(?:{number_word}|und)+)(?:\s+(?:Millionen|Million|Milliarden|Milliarde)(?:\s+(?:und\s+)?(?:{number_word}|und)+)?)?)
        \s+(?P<eur>Euro|EUR)\b
        (?:\s+(?:und\s+)?(?P<cents>(?:{number_word}|und)+)(?:(?P<cent>\s+Cent\b)|(?=\s*[.,;]|\s*$)))?  # 'dreizehn Euro und fünfundvierzig Cent'
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
        cents = parse_number_words(match["cents"]) if match["cents"] else None
        end = match.end("eur")
        if cents is not None and cents < 100 and (match["cent"] or cents >= 10):  # 'zwei Euro fünfzig'; not '… Euro ein,'
            value, end = Decimal(value) + Decimal(cents) / 100, match.end()
        hits.append(Hit("amount", match.start(), end, plain(Decimal(value))))
        taken.append((match.start(), end))
    for item in _list_items(text, hits, free):  # '1.200, 850 und 2.300 Euro': the list shares the currency
        hits.append(item)
        taken.append((item.start, item.end))
    hits.sort(key=lambda h: h.start)
    for hit in hits:
        sign = sign_before(text, hit.start)
        if sign is not None and hit.value > 0:
            hit.start, hit.value = sign, -hit.value
        hit.details["qualifier"] = amount_qualifier(text, hit.start)
        hit.details["per"] = amount_unit(text, hit.end) or rate_before(text, hit.start)
    return hits


MINUS = "-−–"
MINUS_WORD = regex.compile(r"(?i)(?<!\w)minus\s+$")  # 'ein Ergebnis von minus 17,5 Mio. Euro'


def sign_before(text: str, start: int) -> Optional[int]:
    """Where a minus sign stands before a number ('- 465.500 EUR', '-60.000 €', '(−3,1 Mio. €)'), else None. A
    dash after a number is a range or a difference ('10.000 - 20.000 €'), '- ' at a line start a bullet, and
    ' – ' a dash between words ('gewährt – 55.000 € je Stelle').

    >>> [sign_before(t, t.index("4")) for t in ("auf - 465", "Defizit -465", "10 - 465", "- 465 €")]
    [4, 8, None, None]
    """
    word = MINUS_WORD.search(text, max(0, start - 8), start)
    if word is not None:
        return word.start()
    minus = start - 1
    if minus >= 1 and text[minus] in " \t" and text[minus - 1] in "-−":  # a spaced en dash is punctuation
        minus -= 1
    if minus < 0 or text[minus] not in MINUS:
        return None
    before = minus - 1
    while before >= 0 and text[before] in " \t":
        before -= 1
    if before < 0 or text[before] == "\n":
        return minus if minus == start - 1 else None
    return None if text[before].isdigit() or text[before] in ")%" else minus


# What joins the numbers of a list that names its currency once at the end: a connector, and maybe the name of
# the next recipient ('über 41.001,41, die Regenbogenschule über 36.370,74 Euro').
LIST_GAP = regex.compile(r"^\s*(?P<joint>,|;|\bund\b|\bsowie\b|\boder\b|\bbzw\.)\s*(?P<words>[^\d\n€%;:.!?()]{0,60}?)\s*$")
YEAR_LIKE = regex.compile(r"(?:19|20)\d\d")


def _list_items(text: str, hits: list[Hit], free) -> list[Hit]:
    """The numbers before an amount that share its currency (and scale) in a list. With words between two numbers
    (a recipient's name) both must be written alike (thousands dots, cents), so that 'bei 80 und der Zuschuss
    bei 4.000 Euro' keeps 80 out; a year, a number with a unit after it or one inside a reference never joins."""
    items: list[Hit] = []
    number = regex.compile(NUMBER, regex.VERBOSE)
    for hit in [h for h in hits if not h.details.get("list")]:
        last_start, last_text = hit.start, _number_text(text, hit)
        if last_text is None:
            continue
        factor = _shared_scale(text, hit)
        while True:
            window_start = max(0, last_start - 90)
            candidates = [m for m in number.finditer(text, window_start, last_start)]
            if not candidates:
                break
            previous = candidates[-1]
            gap = LIST_GAP.match(text[previous.end():last_start])
            if gap is None or YEAR_LIKE.fullmatch(previous.group()) or not free(previous.start(), previous.end()):
                break
            if gap["words"] and _shape(previous.group()) != _shape(last_text):
                break
            if _reference_before(text, previous.start()):
                break
            value = plain(parse_number(previous.group()) * factor)
            items.append(Hit("amount", previous.start(), previous.end(), value, {"list": True}))
            last_start, last_text = previous.start(), previous.group()
    return items


def _number_text(text: str, hit: Hit) -> Optional[str]:
    """The digits an amount starts with (None for a currency first or a number in words)."""
    match = regex.match(r"-?\s*(\d[\d.,  ]*\d|\d)", text[hit.start:hit.end])
    return match.group(1) if match else None


def _shape(number: str) -> tuple[bool, bool]:
    """How a number is written: with thousands dots, with decimals."""
    return "." in number, "," in number


def _reference_before(text: str, start: int) -> bool:
    return bool(regex.search(r"(?i)(?:§+|\bNr\.?|\bAbs\.|\bZiffer|\bAnlage|\bS\.|\bSeite|\b(?:Förder)?(?:Baustein|Modul)\w*|\bStufe)\s*$",
                             text[max(0, start - 16):start]))


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
    """Words that restate the digits before them: 'in Worten: …', or in brackets right after the amount
    ('4.750,00 € (viertausendsiebenhundertfünfzig Euro)')."""
    before = text[max(0, start - 30):start]
    return bool(regex.search(r"(?i)in\s+(?:Wor-?\s*ten|Buch-?\s*staben)\s*[:(]?\s*$", before)
                or regex.search(r"\d\s*(?:€|EUR|Euro)\s*\(\s*$", before))


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


# '2,5 Stellen zu je 58.000 €', 'je VZÄ: 56.000 €': the post before the amount is its unit
POSTS_BEFORE = regex.compile(
    r"(?i)(?:\b(?:Stellen?|VZ(?:Ä|A|E)|Vollzeit\w*|Personalstellen|Fachkraftstellen)\s+(?:zu\s+|à\s+|mit\s+)?je"
    r"|\bje\s+(?:Stelle|VZ(?:Ä|A|E)|Vollzeit\w*)\s*(?::|von|mit|in\s+H(?:ö|o)he\s+von)?)\s*$"
)


def rate_before(text: str, start: int) -> Optional[str]:
    """'Stelle' where the words before an amount make it a rate per post.

    >>> [rate_before(t, t.index("58")) for t in ("2,5 Stellen zu je 58.000 €", "eine Zuwendung von 58.000 €")]
    ['Stelle', None]
    """
    return "Stelle" if POSTS_BEFORE.search(text[max(0, start - 40):start]) else None


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
