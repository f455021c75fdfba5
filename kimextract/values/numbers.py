"""German numbers in digits and in words, and the Hit that every scanner returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

import regex

from ..resources import values_lexicon


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
# Not after a type code or a list number ('LF 10 196 Euro', 'Typ 20 205 Euro', 'GU 1 298,50 Euro').
SPACED_NUMBER = (r"(?<![\d.,/]\s?)(?-i:(?<!\b(?:[A-ZÄÖÜ][A-Z0-9ÄÖÜ]{0,4}|Typ|Nr\.?|Klasse|Stufe|Gruppe|Größe)\s))"
                 r"\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?:,\d+)?(?![\d])")


# Spaces that OCR or text extraction left inside a number ('55. 000', '1. 250. 000', '12.500, 00', '3.200 ,50',
# '2, 5 Mio.'); only read before a currency or a scale word. A spaced comma takes two decimals (cents) or one
# before a scale, so that a list ('1.200, 850 und 2.300 Euro') stays three numbers.
BROKEN_NUMBER = (r"(?<![\d.,/]\s?)(?<!(?:€|EUR|Euro|T€)\s?)"
                 r"(?:\d{1,3}(?:\.\s?\d{3})*(?:\.\s\d{3})(?:\.\s?\d{3})*(?:\s?,\s?\d{2}(?!\d))?"
                 r"|\d{1,3}(?:\.\d{3})*(?:\s,\s?\d{2}|,\s\d{2})(?!\d)(?=\s*(?:€|EUR|Euro))"
                 r"|\d{1,3},\s\d(?=\s*(?:Mio|Mrd|Millionen|Milliarden)))")


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


NUMBER_SPACE = regex.compile(r"[\s\u00a0\u202f\u2009]")
THOUSANDS = regex.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")


def parse_number(text: str) -> Decimal:
    """A German number as a Decimal.

    >>> parse_number("1.234,56"), parse_number("412.000"), parse_number("0,5"), parse_number("12")
    (Decimal('1234.56'), Decimal('412000'), Decimal('0.5'), Decimal('12'))
    """
    cleaned = NUMBER_SPACE.sub("", text)
    if THOUSANDS.fullmatch(cleaned):
        cleaned = cleaned.replace(".", "")
    cleaned = cleaned.replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None


def parse_number_words(text: str) -> Optional[int | Decimal]:
    """Value of a German number written in words, up to billions; None if it is not one.

    >>> parse_number_words("einhundertzwölftausendfünfhundert")
    112500
    >>> parse_number_words("fünfzig Millionen"), parse_number_words("zweihunderteins"), parse_number_words("Stelle")
    (50000000, 201, None)
    >>> parse_number_words("eine Milliarde zweihundert Millionen")
    1200000000
    >>> parse_number_words("dreieinhalb Millionen")
    Decimal('3500000')
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
        if scale_word == "million" and tail.startswith("en"):
            tail = tail[2:]
        elif scale_word == "milliarde" and tail.startswith("n"):
            tail = tail[1:]
        if tail.startswith("und"):  # 'drei Millionen und fünfhunderttausend'
            tail = tail[3:]
        fractions = values_lexicon()["fraction_numbers"]
        if head in fractions:  # 'dreieinhalb Millionen', 'anderthalb Milliarden', 'eine halbe Million'
            multiplier = Decimal(str(fractions[head]))
        else:
            multiplier = 1 if head in ("", "ein", "eine") else _parse_scaled(head)
        rest = 0 if tail == "" else _parse_scaled(tail)
        if multiplier is None or rest is None or rest >= scale:
            return None
        value = multiplier * scale + rest
        return plain(value) if isinstance(value, Decimal) else value
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
