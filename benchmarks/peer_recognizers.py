"""kimextract's value scanners on a peer's German test suite (Microsoft Recognizers-Text, ``Specs/``).

    python benchmarks/peer_recognizers.py                      # peer data from ../shared/peer/recognizers-text-de
    python benchmarks/peer_recognizers.py --peer DIR --show 50 --list-skipped

The peer's JSON files are read where they lie (path relative to the repository root, or ``--peer``); nothing of
them is copied into this repository. Each case is sorted into one of three groups by the rules below, stated once
in :func:`classify`:

in scope
    EUR amounts; numbers with German separators and magnitude words, each read *inside money* (the number text
    with `` €`` or `` Euro`` after it, since kimextract reads numbers only as amounts); calendar dates and
    ranges of calendar dates, in any written form (dotted, slashed, hyphenated, month names, ordinal words).
    These are run through kimextract's scanners and compared with the peer's resolution. A case where the peer
    finds nothing is in scope too: kimextract must find nothing there either.
deliberately otherwise
    cases where docs/ANNOTATION.md decides differently from the peer: percentages are not amounts; a month with
    or without a year (``Januar 2011``, ``05/2016``, ``im Monat Januar``) and ``Ende 1989`` are not calendar
    dates. They are listed with the reason, and the script checks that kimextract indeed finds nothing there.
out of scope
    other currencies; dates relative to today (``nächste Woche``, ``morgen``, ``diesen Januar``), weekdays
    without a date, seasons and decades, times of day, holidays; a day without a month (``am 15.``); fractions,
    dozens and decimals spoken as words (``zwei Komma drei``); articles (``ein``, ``eine``) read as numbers outside
    money.

``NotSupported`` / ``NotSupportedByDesign`` name the peer's own ports (dotnet, javascript, python, java) that
fail a case. They say nothing about what the text means, so they play no part in the selection; the summary
shows how kimextract does on the in-scope cases that the peer's Python port does not support.

Dates without a year take the year of their context (ANNOTATION.md); the peer resolves them to the next and the
last occurrence after a reference date. The reference date's year is passed as the context year, and either of
the peer's resolutions is accepted. The peer's extractor files give only the matched text: a case passes when
kimextract finds as many dates (or ranges) as the peer, each inside the text the peer matched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_PEER = Path("../shared/peer/recognizers-text-de")
FALLBACK_YEAR = 2016  # extractor cases have no reference date; any year serves to complete a date for the span check

IN, DELIBERATE, OUT = "in scope", "deliberately otherwise", "out of scope"

# --- the selection rules -----------------------------------------------------------------------------------

MONTHS = r"(?:Januar|Jan|Februar|Feb|März|Maerz|Mär|April|Apr|Mai|Juni|Jun|Juli|Jul|August|Aug|September|Sept|Sep|Oktober|Okt|November|Nov|Dezember|Dez)"
WEEKDAYS = r"(?:Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag)"
RELATIVE = re.compile(
    r"(?i)\b(?:n[äa]chst\w*|übern[äa]chst\w*|letzt\w*|dies\w*|kommend\w*|heute|morgen|gestern|\w*woche\w*|rest)\b"
    r"|\bin\s+(?:\d+|zwei|drei)\s+(?:Tag|Woche|Monat|Jahr)"
)
SEASON_OR_DECADE = re.compile(r"(?i)\b(?:Sommer|Winter|Frühling|Herbst|\w+tausender)\b")
TIME_OF_DAY = re.compile(r"(?i)\bUhr\b|\b\d{1,2}:\d{2}\b|\b(?:morgens|mittags|abends|nachts|Mitternacht)\b")
HOLIDAY = re.compile(r"(?i)\b(?:Weihnacht\w*|Heiligabend|Silvester|Neujahr\w*|Ostern|Oster\w+|Pfingst\w+|Karfreitag|Feiertag\w*|Tag der Deutschen Einheit)\b")
DAY_AND_MONTH = re.compile(
    rf"(?i)(?<!\d)\d{{1,2}}\s*[./-]\s*\d{{1,2}}(?!\d)"      # 22.04, 21/04/2016, 3-7-2017; not 05.2016, 2016-05
    rf"|(?<!\d)\d{{4}}\s*[./-]\s*\d{{1,2}}\s*[./-]\s*\d{{1,2}}(?!\d)"  # 2015/08/12, 2015.5.13
    rf"|\d{{1,2}}\.\s*{MONTHS}\b"                       # 22. April, 28.Oktober
    rf"|\b\w+ten\s+{MONTHS}\b"                          # zweiten Februar, ersten Januar
)
MONTH_WITHOUT_DAY = re.compile(rf"(?i)\b{MONTHS}\b|\b\d{{1,2}}\s*[./-]\s*\d{{4}}\b|\b\d{{4}}\s*[./-]\s*\d{{1,2}}\b")
END_OF_YEAR = re.compile(r"(?i)\bEnde\s+\d{4}\b")
FRACTION = re.compile(r"(?i)halb|drittel|viertel|[½⅙⅓¼¾]|\d+/\d+")
HALF_WITH_MAGNITUDE = re.compile(r"(?i)^(?:eine\s+halbe|anderthalb|\w*einhalb)\s+(?:million|millionen|milliarde|milliarden)$")
ARTICLE = re.compile(r"(?i)^(?:ein|eine|einer|einen)$")
DIGITS = re.compile(r"^[\d.,\s\u202f]+$")


@dataclass
class Item:
    """One thing to judge: a peer case, or one number of a case of the number file."""

    file: str
    index: int
    input: str
    results: list[dict]
    reference_year: Optional[int]
    not_supported: str
    group: str = IN
    reason: str = ""
    passed: Optional[bool] = None
    expected: str = ""
    found: str = ""
    label: str = ""

    @property
    def name(self) -> str:
        return f"{self.file}#{self.index}{self.label}"


def classify(item: Item, kind: str) -> tuple[str, str]:
    """The group of an item and why: the selection rule of this benchmark."""
    texts = " ".join(r.get("Text", "") for r in item.results) or item.input
    if not item.results and not (kind.startswith(("date", "period")) and RELATIVE.search(item.input)):
        return IN, "the peer finds no value here; kimextract must find none either"
    if kind == "percent":
        return DELIBERATE, "a percentage is not an amount (ANNOTATION.md: amounts)"
    if kind == "currency":
        units = {(r.get("Resolution") or {}).get("unit") for r in item.results}
        if units != {"Euro"}:
            return OUT, "another currency than EUR"
        if any((r.get("Resolution") or {}).get("value") is None for r in item.results):
            return OUT, "a currency name without a value"
        return IN, "EUR amount"
    if kind == "number":
        text = item.results[0]["Text"]
        if re.search(r"(?i)dutzend", text):
            return OUT, "dozens ('ein dutzend')"
        if re.search(r"(?i)komma", text):
            return OUT, "a decimal spoken as words ('zwei Komma drei')"
        if FRACTION.search(text):
            if HALF_WITH_MAGNITUDE.match(text):
                return IN, "a half with a magnitude word, as in money ('eineinhalb Millionen')"
            return OUT, "a fraction ('1/2', 'zwei drittel', 'dreiviertel')"
        if ARTICLE.match(text.strip()):
            return OUT, "an article ('ein', 'eine') read as a number outside money"
        if DIGITS.match(text) or re.fullmatch(r"[\w\s]+", text):  # '2.000,352', '300 Milliarden', 'einhundertdrei'
            return IN, "a number with German separators or in words, read inside money"
        return OUT, "not a number kimextract reads"
    # dates and date ranges
    if RELATIVE.search(texts):
        return OUT, "a date relative to today ('nächste Woche', 'morgen', 'diesen Januar')"
    if SEASON_OR_DECADE.search(texts):
        return OUT, "a season or a decade"
    if TIME_OF_DAY.search(texts):
        return OUT, "a time of day"
    if HOLIDAY.search(texts):
        return OUT, "a holiday"
    if END_OF_YEAR.search(texts):
        return DELIBERATE, "'Ende <Jahr>' is not a calendar date (ANNOTATION.md: dates)"
    month_then_days = re.search(rf"(?i)\b{MONTHS}\b", texts) and re.search(r"\b\d{1,2}\.(?!\s*\d)", texts)
    if not (DAY_AND_MONTH.search(texts) or month_then_days):  # 'Im November zwischen dem 19. und dem 20.' has both
        if MONTH_WITHOUT_DAY.search(texts):
            return DELIBERATE, "a month with or without a year is not a calendar date (ANNOTATION.md: 'Februar 2022')"
        if re.search(WEEKDAYS, texts):
            return OUT, "a weekday without a date"
        return OUT, "a day without a month ('am 15.')"
    return IN, "calendar date" if kind.startswith("date") else "range of calendar dates"


# --- running kimextract -----------------------------------------------------------------------------------


def peer_decimal(text: str) -> Decimal:
    return Decimal(text.replace(".", "").replace(",", "."))


def fmt(values) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def run_currency(item: Item) -> None:
    from kimextract.values import scan_amounts

    expected = [peer_decimal(r["Resolution"]["value"]) for r in item.results]
    found = [h.value for h in scan_amounts(item.input)]
    item.passed, item.expected, item.found = found == expected, fmt(expected), fmt(found)


def run_number(item: Item) -> None:
    """The number as money: '2.000,352' -> '2.000,352 €'; 'zwei Millionen …' -> 'zwei Millionen … Euro'."""
    from kimextract.values import scan_amounts

    text = item.input
    money = f"{text} €" if DIGITS.match(text) else f"{text} Euro"
    expected = [peer_decimal(item.results[0]["Resolution"]["value"])]
    found = [h.value for h in scan_amounts(money)]
    item.passed, item.expected, item.found = found == expected, fmt(expected), fmt(found) + f" from {money!r}"


def nothing_found(item: Item) -> None:
    """A deliberate difference: kimextract should find no value there at all."""
    from kimextract.values import scan_amounts, scan_dates, scan_positions

    year = item.reference_year or FALLBACK_YEAR
    hits = scan_amounts(item.input) + scan_dates(item.input, year) + scan_positions(item.input)
    item.passed = not hits
    item.found = "nothing" if not hits else fmt(f"{h.kind} {h.value}" for h in hits)


def resolutions(result: dict, start_key: str, end_key: Optional[str] = None) -> list:
    value = result.get("Value") or {}
    options = []
    for key in ("FutureResolution", "PastResolution"):
        resolution = value.get(key) or {}
        if end_key is None:
            options.append(resolution.get(start_key))
        else:
            options.append((resolution.get(start_key), resolution.get(end_key)))
    return list(dict.fromkeys(options))


def run_date_parser(item: Item) -> None:
    from kimextract.values import scan_dates

    hits = scan_dates(item.input, item.reference_year or FALLBACK_YEAR)
    found = [h.value.isoformat() for h in hits]
    options = [resolutions(r, "date") for r in item.results]
    item.passed = len(found) == len(options) and all(f in o for f, o in zip(found, options))
    item.expected = " ".join(" or ".join(o) for o in options)
    item.found = fmt(found)


def run_period_parser(item: Item) -> None:
    from kimextract.values import scan_dates

    hits = scan_dates(item.input, item.reference_year or FALLBACK_YEAR)
    periods = _periods(hits)
    options = [resolutions(r, "startDate", "endDate") for r in item.results]
    found = [(a.isoformat(), b.isoformat()) for a, b in periods]
    item.passed = len(hits) == 2 * len(options) and len(found) == len(options) and all(f in o for f, o in zip(found, options))
    item.expected = " ".join(" or ".join(f"{a}..{b}" for a, b in o) for o in options)
    item.found = fmt(f"{a}..{b}" for a, b in found) + f" dates {fmt(h.value.isoformat() for h in hits)}"


def run_date_extractor(item: Item) -> None:
    from kimextract.values import scan_dates

    hits = scan_dates(item.input, item.reference_year or FALLBACK_YEAR)
    spans = [_norm(item.input[h.start:h.end]) for h in hits]
    peer = [_norm(r["Text"]) for r in item.results]
    item.passed = len(spans) == len(peer) and all(s in p for s, p in zip(spans, peer))
    item.expected, item.found = fmt(repr(p) for p in peer), fmt(repr(s) for s in spans)


def run_period_extractor(item: Item) -> None:
    from kimextract.values import scan_dates

    hits = scan_dates(item.input, item.reference_year or FALLBACK_YEAR)
    peer = [_norm(r["Text"]) for r in item.results]
    spans = [_norm(item.input[s:e]) for s, e in dict.fromkeys(tuple(h.details["period"]) for h in hits if h.details.get("period"))]
    item.passed = len(hits) == 2 * len(peer) and len(spans) == len(peer) and all(s in p for s, p in zip(spans, peer))
    item.expected, item.found = fmt(repr(p) for p in peer), fmt(repr(s) for s in spans) + f" dates {fmt(h.value.isoformat() for h in hits)}"


def _periods(hits) -> list[tuple[dt.date, dt.date]]:
    grouped: dict[tuple[int, int], list] = {}
    for hit in hits:
        if hit.details.get("period"):
            grouped.setdefault(tuple(hit.details["period"]), []).append(hit.value)
    return [(ends[0], ends[-1]) for ends in grouped.values()]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass
class PeerFile:
    name: str
    kind: str
    run: Callable[[Item], None]
    items: list[Item] = field(default_factory=list)


FILES = [
    PeerFile("NumberWithUnit_CurrencyModel.json", "currency", run_currency),
    PeerFile("Number_NumberModel.json", "number", run_number),
    PeerFile("Number_PercentModel.json", "percent", nothing_found),
    PeerFile("DateTime_DateExtractor.json", "date-extractor", run_date_extractor),
    PeerFile("DateTime_DateParser.json", "date-parser", run_date_parser),
    PeerFile("DateTime_DatePeriodExtractor.json", "period-extractor", run_period_extractor),
    PeerFile("DateTime_DatePeriodParser.json", "period-parser", run_period_parser),
]


def file_to_items(path: Path, kind: str) -> list[Item]:
    """The cases of one peer file; the number file gives one item per number it resolves."""
    cases = json.loads(path.read_text(encoding="utf-8"))
    items = []
    for index, case in enumerate(cases, 1):
        reference = (case.get("Context") or {}).get("ReferenceDateTime")
        common = dict(
            file=path.name,
            index=index,
            reference_year=int(reference[:4]) if reference else None,
            not_supported=", ".join(filter(None, [case.get("NotSupported"), case.get("NotSupportedByDesign")])),
        )
        if kind == "number" and case.get("Results"):
            for k, result in enumerate(case["Results"], 1):
                start, end = result.get("Start"), result.get("End")
                text = case["Input"][start:end + 1] if isinstance(start, int) and isinstance(end, int) else ""
                if _norm(text) != _norm(result["Text"]):
                    text = result["Text"]
                label = f".{k}" if len(case["Results"]) > 1 else ""
                items.append(Item(input=text, results=[result], label=label, **common))
        else:
            items.append(Item(input=case["Input"], results=case.get("Results", []), **common))
    return items


# --- report -----------------------------------------------------------------------------------------------


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peer", type=Path, default=None, help=f"folder of the peer's JSON files (default: {DEFAULT_PEER}, relative to the repository root)")
    parser.add_argument("--show", type=int, default=30, help="how many failing in-scope inputs to print (default 30)")
    parser.add_argument("--list-skipped", action="store_true", help="also list every out-of-scope case with its reason")
    args = parser.parse_args(argv)
    peer = args.peer if args.peer is not None else ROOT / DEFAULT_PEER
    if not peer.is_dir():
        print(f"peer_recognizers: no peer folder at {peer} (use --peer DIR)", file=sys.stderr)
        return 2

    for peer_file in FILES:
        path = peer / peer_file.name
        if not path.is_file():
            print(f"peer_recognizers: {path} is missing; skipped", file=sys.stderr)
            continue
        peer_file.items = file_to_items(path, peer_file.kind)
        for item in peer_file.items:
            item.group, item.reason = classify(item, peer_file.kind)
            if item.group == IN:
                (peer_file.run if item.results else nothing_found)(item)
            elif item.group == DELIBERATE:
                nothing_found(item)

    print("kimextract's scanners on the peer's German test cases (Recognizers-Text Specs)\n")
    print(f"{'file':<36} {'cases':>5} {'in scope':>8} {'pass':>5} {'rate':>7} {'deliberate':>10} {'out':>4}")
    total_in = total_pass = 0
    for peer_file in FILES:
        items = peer_file.items
        in_scope = [i for i in items if i.group == IN]
        passed = sum(1 for i in in_scope if i.passed)
        total_in, total_pass = total_in + len(in_scope), total_pass + passed
        rate = f"{100 * passed / len(in_scope):.0f} %" if in_scope else "–"
        print(f"{peer_file.name:<36} {len(items):>5} {len(in_scope):>8} {passed:>5} {rate:>7} "
              f"{sum(1 for i in items if i.group == DELIBERATE):>10} {sum(1 for i in items if i.group == OUT):>4}")
    overall = f"{100 * total_pass / total_in:.0f} %" if total_in else "–"
    print(f"{'overall':<36} {'':>5} {total_in:>8} {total_pass:>5} {overall:>7}")
    print("(the number file counts one item per number; every other file one item per case)")

    everything = [i for f in FILES for i in f.items]
    python_unsupported = [i for i in everything if i.group == IN and "python" in i.not_supported.lower()]
    if python_unsupported:
        print(f"\nin scope but not supported by the peer's Python port: {len(python_unsupported)}, "
              f"kimextract passes {sum(1 for i in python_unsupported if i.passed)}")

    deliberate = [i for i in everything if i.group == DELIBERATE]
    print(f"\ndeliberately otherwise ({len(deliberate)}; kimextract finds nothing in "
          f"{sum(1 for i in deliberate if i.passed)} of them, as ANNOTATION.md wants):")
    for reason, count in Counter(i.reason for i in deliberate).most_common():
        print(f"  {count:>3}  {reason}")
        for item in (i for i in deliberate if i.reason == reason):
            mark = "ok " if item.passed else "NOT"
            print(f"         {mark} {item.name:<38} {item.input!r:<58.58} kimextract: {item.found}")

    skipped = [i for i in everything if i.group == OUT]
    print(f"\nout of scope ({len(skipped)}):")
    for reason, count in Counter(i.reason for i in skipped).most_common():
        print(f"  {count:>3}  {reason}")
    if args.list_skipped:
        for item in skipped:
            print(f"        {item.name:<40} {item.input!r:.70}  ({item.reason})")

    failing = [i for i in everything if i.group == IN and not i.passed]
    print(f"\nfailing in-scope inputs ({len(failing)}; first {min(args.show, len(failing))}):")
    for item in failing[:args.show]:
        print(f"  {item.name:<40} {item.input!r}")
        print(f"  {'':<40} expected {item.expected}; kimextract {item.found}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
