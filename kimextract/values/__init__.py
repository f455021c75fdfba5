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

from .amounts import amount_qualifier, amount_unit, scan_amounts
from .dates import scan_dates, scan_derived_dates
from .numbers import NUMBER, Hit, parse_number, parse_number_words, plain
from .shares import scan_modules, scan_positions


__all__ = [
    "Hit", "NUMBER", "parse_number", "parse_number_words", "plain",
    "scan_amounts", "amount_qualifier", "amount_unit",
    "scan_dates", "scan_derived_dates",
    "scan_positions", "scan_modules",
]
