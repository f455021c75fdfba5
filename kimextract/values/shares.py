"""Position shares (FTE) and module numbers."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

import regex

from ..resources import values_lexicon
from .numbers import Hit, parse_number, plain


@lru_cache(maxsize=None)
def _position_patterns() -> dict[str, regex.Pattern]:
    lex = values_lexicon()
    units = "|".join(sorted((regex.escape(u) for u in lex["fte_units"]), key=len, reverse=True))
    number_words = "|".join(sorted(set(lex["units"]) | set(lex["tens"]) | set(lex["fraction_numbers"]), key=len, reverse=True))
    fte_words = "|".join(sorted((regex.escape(w).replace(r"\ ", r"\s+") for w in lex["fte_words"]), key=len, reverse=True))
    # Up to three lowercase attributes between number and noun: '7 zusätzliche/neue Personalstellen'.
    # Function words and numbers are never attributes: 'Baustein 2 für acht Stellen' is not '2 … Stellen'.
    stop = "|".join(sorted(set(lex["attribute_stopwords"]) | set(lex["units"]) | set(lex["tens"]) | set(lex["fraction_numbers"]), key=len, reverse=True))
    attributes = rf"(?-i:(?:(?!(?:{stop})\b)[a-zäöüß][\w]*(?:/\s?[a-zäöüß]\w*)?\s++){{0,3}})"
    # The word before 'stellen' is bounded: an unbounded lazy repeat before a literal makes the regex module
    # search the rest of the text at each try, quadratic time (100,000 characters of '1 2 3 ': 1.3 s, now 7 ms).
    noun = r"(?P<noun>[\w-]{0,80}?(?:stellen?|stellenanteile?n?)|" + units + r")\b"
    return {
        "numeric": regex.compile(  # possessive blanks: no backtracking through a run of them after each number
            rf"(?<![\w.,/§-])(?:(?P<jew>jeweils)\s+)?(?P<num>\d+(?:,\d+)?)(?:\s*+-\s*+|\s++){attributes}{noun}", regex.IGNORECASE
        ),
        "worded": regex.compile(rf"(?<![\w-])(?P<num>{number_words})\s+{attributes}{noun}", regex.IGNORECASE),
        "fte_word": regex.compile(rf"(?<![\w-])(?P<word>{fte_words})\b", regex.IGNORECASE),
        "percent_post": regex.compile(
            r"(?<![\d,])(?P<num>\d{1,3}(?:,\d+)?)\s*(?:%|Prozent)\s*(?:-\s*Stelle\b|einer\s+(?:Vollzeit)?stelle\b|einer\s+vollen\s+Stelle\b)",
            regex.IGNORECASE,
        ),  # '75%-Stelle', '50 % einer Vollzeitstelle'
        "halves": regex.compile(
            rf"(?<![\w.,-])(?P<num>{number_words}|\d{{1,3}}(?:\.\d{{3}})+|\d+)\s+(?:[a-zäöüß]\w*\s+){{0,2}}halben?\s+Stellen\b", regex.IGNORECASE),
        "share_percent": regex.compile(
            r"(?:Stellenanteil(?:s|e)?|Stellenumfang(?:s)?)\s+(?:(?:von|in\s+H(?:ö|o|é)he\s+von|im\s+Umfang\s+von)\s+)?"
            r"(?:(?:mindestens|höchstens|hochstens|bis\s+zu|maximal)\s+)?(?P<num>\d+(?:,\d+)?)(?:\s*(?P<pct>%|Prozent))?",
            regex.IGNORECASE,
        ),
        "hours": regex.compile(r"(?<![\d,.])(?P<num>\d{1,2}(?:,\d+)?)\s+(?:Wochenstunden|Wochenarbeitsstunden|Stunden\s+(?:pro|je|in\s+der)\s+Woche)", regex.IGNORECASE),
        # 'von 4,0 auf 4,5 Vollzeitstellen', '2,5 und 1,5 Stellen': the first number shares the noun of the second
        "coordinated": regex.compile(
            rf"(?<![\w.,/§-])(?P<num>\d+(?:,\d+)?|{number_words})\s+(?P<joint>auf|und|bzw\.|oder|sowie|statt|von)\s+(?:jeweils\s+)?$", regex.IGNORECASE),
        # 'davon entfallen auf die Gemeinde Bönen 0,38, auf Kamen 0,5': shares of recipients named in a list
        "recipient_share": regex.compile(
            r"(?:\b(?:auf|für)[ \t]+(?:(?:die|den|das|dem)[ \t]+)?|(?<=[:;(]|,)[ \t]*(?:(?:die|der)[ \t]+)?)"
            r"(?P<name>(?-i:(?:Stadt[ \t]+|Gemeinde[ \t]+|Kreis[ \t]+|Kommune[ \t]+)?[A-ZÄÖÜ][\w-]+(?:[ \t]+[A-ZÄÖÜ][\w-]+)?))"
            r"(?:[ \t]+erhält)?[ \t]+(?:mit[ \t]+)?(?P<num>\d{1,2},\d{1,2})(?!\d|[.,]\d)"
            # the list goes on or ends: not a table row ('Fachbereich Soziales 3,0 besetzt')
            r"(?=[ \t]*(?:[,;.)]|und\b|sowie\b|$))"),
        # 'die Zahl der geförderten Vollzeitstellen erhöht sich von bisher 4,0 auf 5,5'
        "noun_before": regex.compile(
            rf"(?<![\w-])(?:[\w-]*?stellen|Stellenumfang|Stellenanteile?|{units})\b[^.;:\d€]{{0,60}}?\bvon\s+(?:bisher\s+)?"
            r"(?P<old>\d+,\d+)\s+auf\s+(?P<new>\d+,\d+)(?![\d,]|\s*(?:%|€|EUR|Euro|Mio|Mrd|Tsd|T€|Prozent))", regex.IGNORECASE),
        # 'Geförderte Stellen: 3,0', 'Geförderter Stellenumfang: 1,5 VZÄ' (a form's label before the number)
        "labelled": regex.compile(
            rf"(?<![\w-])(?:[\w-]*?stellen|[\w-]*?stellenumfang|Stellenanteile?|{units})\s*:\s*(?P<num>\d{{1,3}}(?:,\d+)?)(?![\d.,]|\s*(?:%|€|EUR|Euro))",
            regex.IGNORECASE),
        "role_share": regex.compile(r"(?<=[(,;]\s*|\bund\s+)(?P<num>\d+,\d+)\s+(?P<role>Verwaltungsassistenz|Assistenz|Koordination|Sachbearbeitung|Case[- ]?Management|Fallmanagement)\b", regex.IGNORECASE),
    }


FTE_AFTER = regex.compile(r"\s*\(\s*(?:VZ(?:Ä|A|E)|Vollzeit(?:ä|a)quivalente?)\s*\)")


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
    >>> [str(h.value) for h in scan_positions("von 4,0 auf 4,5 Stellen; Vollzeitstellen von bisher 2,0 auf 3,5")]
    ['4', '4.5', '2', '3.5']
    >>> [str(h.value) for h in scan_positions("Geförderte Stellen: 3,0 (davon 2,0 Stellen …); Stellen: 12 %")]
    ['3', '2']
    >>> scan_positions("55.000 € je Stelle, drei Schnittstellen, § 25a, die Stellen, von 2,0 auf 2,5 Mio. €")
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
        count = parse_number(word) if word[:1].isdigit() else Decimal(str(lex["units"].get(word) or lex["tens"].get(word) or 0))
        if count:
            add(match.start(), match.end(), count / 2)
    for match in patterns["share_percent"].finditer(text):
        share = parse_number(match["num"])
        if match["pct"]:
            add(match.start(), match.end(), share / 100)
        elif share <= 2:  # 'Stellenanteil von 0,75'
            add(match.start(), match.end(), share)
    for match in patterns["numeric"].finditer(text):
        # '1,5 Beratungsstellen (VZÄ)': an office's name counted in full-time equivalents is posts
        in_fte = FTE_AFTER.match(text, match.end()) is not None
        if (_is_position_noun(match["noun"]) or in_fte) and not _is_rate_denominator(text, match.start()) and not _after_module_word(text, match.start("num")):
            value = parse_number(match["num"])
            if value <= 500:
                add(match.start("num"), match.end(), value, each=bool(match["jew"]))
                _add_coordinated(text, match.start(), patterns["coordinated"], add, value)
    for match in patterns["labelled"].finditer(text):
        add(match.start("num"), match.end("num"), parse_number(match["num"]))
    for match in patterns["noun_before"].finditer(text):
        for group in ("old", "new"):
            add(match.start(group), match.end(group), parse_number(match[group]))
    for match in patterns["worded"].finditer(text):
        if _is_position_noun(match["noun"]) and match["num"].lower() not in ("ein", "eine", "einer", "einen", "einem"):
            word = match["num"].lower()
            count = lex["units"].get(word) or lex["tens"].get(word) or lex["fraction_numbers"][word]
            add(match.start(), match.end(), Decimal(str(count)))
            _add_coordinated(text, match.start(), patterns["coordinated"], add, Decimal(str(count)))
    for match in patterns["fte_word"].finditer(text):
        word = regex.sub(r"\s+", " ", match["word"].lower())
        if not _is_rate_denominator(text, match.start()):
            add(match.start(), match.end(), Decimal(str(lex["fte_words"][word])))
    for match in patterns["hours"].finditer(text):
        hours = parse_number(match["num"])
        full_week = _full_week(text, match.start(), hours)
        add(match.start(), match.end(), (hours / full_week).quantize(Decimal("0.0001")), hours=str(hours))
    for start, end, value in _recipient_shares(text, patterns["recipient_share"]):
        add(start, end, value)
    for match in patterns["role_share"].finditer(text):
        add(match.start(), match.end(), parse_number(match["num"]), role=match["role"])
    hits.sort(key=lambda h: h.start)
    return hits



# a word that names posts, which a list of recipients' shares must follow in its sentence
POST_WORD = regex.compile(r"(?i)(?:stellen|stelle\b|VZ(?:Ä|A|E)\b|Stellenanteile?|Personalanteile?|Vollzeit\w*)")


def _recipient_shares(text: str, pattern: regex.Pattern) -> list[tuple[int, int, Decimal]]:
    """Shares in a list of recipients after a word for posts in the same sentence ('Die 2,0 Stellen verteilen
    sich auf die Stadt Ahlen mit 0,75, auf Beckum mit 0,5'); money, percentages and years never."""
    shares = []
    for match in pattern.finditer(text):
        before = text[max(0, match.start() - 160):match.start()]
        sentence = regex.split(r"[.!?](?:\s|$)(?!\d)|\n\n", before)[-1]
        if POST_WORD.search(sentence) or POST_WORD.search(match["name"]):
            shares.append((match.start("num"), match.end("num"), parse_number(match["num"])))
    return shares


def _add_coordinated(text: str, start: int, pattern: regex.Pattern, add, total: Decimal) -> None:
    """The number joined to a position by 'auf', 'und', 'bzw.': 'von 4,0 auf 4,5 Stellen' names 4,0 posts too,
    '3 von 3,5 Stellen besetzt' the 3 filled of them (never more than the total: not '2023 von 0,75 VZÄ')."""
    match = pattern.search(text, max(0, start - 30), start)
    if match is None or match.end() != start or _after_module_word(text, match.start("num")) \
            or regex.search(r"(?i)\b(?:Modul|Baustein)\w*\s+$", text[max(0, match.start() - 14):match.start()]):
        return
    value = _count(match["num"])
    if match["joint"].lower() == "von" and value > total:
        return
    add(match.start("num"), match.end("num"), value)


def _count(number: str) -> Decimal:
    """A count in digits or in words ('fünf')."""
    if number[:1].isdigit():
        return parse_number(number)
    lex = values_lexicon()
    word = number.lower()
    return Decimal(str(lex["units"].get(word) or lex["tens"].get(word) or lex["fraction_numbers"][word]))


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


ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}
# A module number in digits or Roman numerals, also as OCR reads an I: 'l' or '|' ('Modul |', 'Modul Il', 'lV');
# a '|' never before a number (a table's rule: 'Modul | 120.000 €').
MODULE_NUMBER = r"(?:\d{1,2}|[Il|]{1,3}(?!\s*\d)|[Il|]V|V[Il|]?)"


@lru_cache(maxsize=None)
def _module_patterns() -> dict[str, regex.Pattern]:
    words = "|".join(sorted(values_lexicon()["module_words"], key=len, reverse=True))
    number = rf"{MODULE_NUMBER}(?![\w.,/|]\d|[\w|])"
    return {
        "mention": regex.compile(
            rf"(?<![\w-])(?:KIM[- ])?(?P<word>{words})\s+(?P<first>{number})"
            rf"(?P<rest>(?:\s*(?:,|und|bis|sowie|oder|-|–)\s*(?:{words}\s+)?{number})*)",
            regex.IGNORECASE,
        ),
        # A heading the layout split: the module word alone at a line end, its number opening a later line.
        "split_word": regex.compile(rf"(?im)^[ \t]*(?P<word>{words})[ \t]*$"),
        "split_number": regex.compile(rf"(?m)(?:^|\f)[ \t]*(?P<first>{number})[ \t]*:"),
        # 'besteht aus drei Bausteinen: 1) … 2) … 3)': a list introduced as the modules numbers them
        "introduced": regex.compile(
            rf"(?i)\b(?:besteht|bestehen|gliedert\s+sich|setzt\s+sich)\s+(?:aus|in)\s+(?:\w+\s+){{0,2}}(?:{words})\s*:"),
        "list_item": regex.compile(r"(?:^|(?<=[\s:,;]))(?P<n>[1-9])\)\s"),
    }


def _other_programme(text: str, end: int) -> bool:
    words = "|".join(values_lexicon()["other_programme_modules"])
    return regex.match(rf"(?i)\s+(?:des|der|im|eines|einer)\s+\w*(?:{words})", text[end:end + 60]) is not None


def _module_number(token: str) -> int:
    roman = token.upper().replace("L", "I").replace("|", "I")
    return ROMAN[roman] if roman in ROMAN else int(token)


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
        for connector, token in regex.findall(rf"(,|und|bis|sowie|oder|-|–)\s*(?:\w+\s+)?({MODULE_NUMBER})(?![\w|])", match["rest"]):
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
    for introduced in patterns["introduced"].finditer(text):
        hits.extend(_numbered_list(text, introduced, patterns["list_item"]))
    hits.sort(key=lambda h: h.start)
    return hits


def _numbered_list(text: str, introduced: regex.Match, item: regex.Pattern) -> list[Hit]:
    """The items '1) … 2) … 3)' that follow a sentence introducing the modules, counted from 1 without a gap."""
    found, expected = [], 1
    for match in item.finditer(text, introduced.end(), min(len(text), introduced.end() + 1500)):
        if int(match["n"]) != expected:
            break
        found.append(Hit("module", match.start("n"), match.start("n") + 1, expected, {"word": introduced.group(), "listed": True}))
        expected += 1
    return found if len(found) >= 2 else []
