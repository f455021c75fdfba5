"""The deciding body a sentence names, in the nominative form of its name.

Papers name authorities in every case: 'des Hessischen Ministeriums für Soziales und Integration', 'vom
Thüringer Landesverwaltungsamt', 'der Kommunale Sozialverband Sachsen'. The name is the head noun (with its
gender, data in ``models/structure.json``), the adjectives before it and the complement after it ('für …',
'von Mittelfranken', 'Sachsen', 'des Landes …'); the article goes, the head and its adjectives are put back
into the nominative without an article ('Hessisches Ministerium für …', 'Kommunaler Sozialverband Sachsen').
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

import regex

from ..resources import load_json

ARTICLE = r"(?:(?:der|die|das|dem|den|des|vom|beim|zum|zur)\s+)"
ADJECTIVE = r"(?:[A-ZÄÖÜ][a-zäöüß]+(?:isch|lich|al|iv|ell|er|sch)(?:e|en|er|es|em)?\s+)"
# Adjectives from place names do not inflect: 'Thüringer', 'Kölner'.
INFLECTING = regex.compile(r"(?:isch|lich|al|iv|ell|ig)(?:e|en|er|es|em)?$")
STRONG_ENDING = {"m": "er", "f": "e", "n": "es"}
RANKS = ("entity", "council", "local")  # after the authorities that decide (rank 0)
COUNCIL = RANKS.index("council") + 1
LOCAL = frozenset({"Landkreis", "Kreis", "Stadt", "Gemeinde"})
# 'das Sozialministerium': a ministry by its field, the one the paper named in full
COMPOUND_MINISTRY = regex.compile(r"(?<![\w-])(?:(?:das|dem|des|vom|beim)\s+)?(?P<name>[A-ZÄÖÜ][a-zäöüß]+ministeri)(?:ums?|en)\b")
COMMON_NOUN = regex.compile(r"\w+(?:mittel|ung|ungen|heit|keit|schaft|ion|tät|tat|bescheid|betrag|antrag|stelle|dienst)\b")
RECIPIENT_AFTER = regex.compile(r"(?:der|des|dem)\s+(?:Stadt|Gemeinde|Kreis|Landkreis|Kreises|Landkreises|Region)\b")
COMPLEMENT_WORD = regex.compile(r"(?:f(?:ü|u)r|von|der|des)\s")
SMALL_WORDS = {"von", "für", "fur", "und", "der", "des", "die", "das", "im", "in", "am", "an", "zu", "zur", "zum"}


@lru_cache(maxsize=1)
def _data() -> tuple[regex.Pattern, dict[str, str], frozenset[str], frozenset[str], frozenset[str]]:
    deciders = load_json("structure.json")["deciders"]
    # longest first: 'Landesverwaltungsamt' before 'Landesamt', in the pattern and in rank_of
    heads: dict[str, str] = dict(sorted(deciders["heads"].items(), key=lambda item: len(item[0]), reverse=True))
    names = "|".join(regex.escape(h) for h in heads)
    pattern = regex.compile(
        rf"(?<![\w-]){ARTICLE}?(?P<adjectives>{ADJECTIVE}{{0,2}})(?P<head>{names})(?P<inflection>es|s|n)?\b"
        rf"(?P<complement>\s+(?:f(?:ü|u)r|von|der|des)\s+.+?(?={deciders['complement_end']})"
        rf"|\s+(?:[A-ZÄÖÜ][\w]+(?:-[A-ZÄÖÜ][\w]+)*)(?:\s+(?:a\.\s?d\.|an\s+der|am|in\s+der)\s+[A-ZÄÖÜ][\w]+)?)?",
        regex.DOTALL,
    )
    return (pattern, heads, frozenset(deciders["needs_complement"]), frozenset(deciders["place_heads"]),
            frozenset(deciders["not_places"]))


def find_authority(text: str, near: Optional[int] = None, council: bool = False) -> Optional[tuple[str, int, int]]:
    """The deciding body named in the text: (name in the nominative, start, end). A Land authority comes before
    a Kreis, a Stadt or a Gemeinde, which in a sentence about a grant is more often the recipient; with
    ``near``, the one named closest to that offset; with ``council``, only a council ('Gemeinderat …').

    >>> find_authority("Mit Bescheid des Hessischen Ministeriums für Soziales und Integration vom 14.12.2021")[0]
    'Hessisches Ministerium für Soziales und Integration'
    >>> find_authority("hat der Kommunale Sozialverband Sachsen mit Bescheid vom 07.12.2023 bewilligt")[0]
    'Kommunaler Sozialverband Sachsen'
    >>> find_authority("Der Kreis Soest hat vom Thüringer Landesverwaltungsamt erhalten")[0]
    'Thüringer Landesverwaltungsamt'
    """
    pattern, heads, needs_complement, place_heads, not_places = _data()
    found = []
    for match in pattern.finditer(text):
        complement = (match["complement"] or "").strip()
        head = match["head"]
        named_by = r"des|der|von" if head in place_heads else r"des|der|von|f(?:ü|u)r"  # 'Amt für …', not 'Stadt für …'
        if head in needs_complement and not regex.match(rf"(?:[A-ZÄÖÜ]|(?:{named_by})\s+[A-ZÄÖÜ])", complement):
            continue  # 'die Stadt', 'das Land' alone, or 'die Stadt für 2,5 Stellen', name no body
        if COMMON_NOUN.match(complement) or regex.match(r"\.?:", text[match.end():match.end() + 2]):
            if head in LOCAL:
                continue  # 'der Kreis Fördermittel …': a noun, no place
            complement = ""  # 'Jugendhilfeausschuss' / 'Geschäftsstelle …', 'Gemeinderat' / 'Gremium: …'
        if RECIPIENT_AFTER.match(complement) or head not in place_heads and not COMPLEMENT_WORD.match(complement):
            complement = ""  # 'das Landesamt der Stadt …': the recipient follows; 'das Ministerium Anträge': no name
        if complement.split(" ", 1)[0].rstrip(".:") in not_places:
            complement = ""  # 'des Kreisausschusses' / 'Nach kurzer Aussprache …' on the next line: no place
        if head in needs_complement and not complement:
            continue  # 'das Amt' alone, or 'Amt Süderbrarup' (an Amt takes a 'für …')
        adjectives = [_nominative(word, heads[head]) for word in match["adjectives"].split()]
        complement = regex.sub(r"(?<=[a-zäöüß])-[ \t]*\n\s*(?=[a-zäöüß])", "", complement)  # 'Entwick-' / 'lung'
        complement = regex.sub(r"(?<=\w)-\s+(?=[A-ZÄÖÜ])", "-", regex.sub(r"\s+", " ", complement))  # 'Mecklenburg-' / 'Vorpommern'
        complement = regex.sub(r"^(von\s+[A-ZÄÖÜ][\w-]*)\s.*", r"\1", complement)  # 'Regierung von Mittelfranken': one place
        complement = regex.sub(r"^(der\s+[A-ZÄÖÜ][\w-]*)\s+[a-zäöüß].*", r"\1", complement)  # 'Regierung der Oberpfalz' before a verb
        complement = _known_place(head, complement)
        name = " ".join(adjectives + [head] + ([complement] if complement else []))
        found.append((name.rstrip(" ,"), match.start("adjectives") if match["adjectives"] else match.start("head"), match.end(), head))
    found += [(m["name"] + "um", m.start("name"), m.end(), "Ministerium") for m in COMPOUND_MINISTRY.finditer(text)
              if not m["name"].startswith(("Bundes", "Staats"))]
    if not found:
        return None
    rank = _ranks()
    if council:
        found = [f for f in found if rank(f[3]) == COUNCIL]
        if not found:
            return None
    best = min(rank(f[3]) for f in found)
    candidates = [f for f in found if rank(f[3]) == best]
    chosen = min(candidates, key=lambda f: f[1]) if near is None else min(candidates, key=lambda f: abs(f[1] - near))
    return chosen[:3]


def rank_of(name: str) -> int:
    """The rank of a named body: 0 for an authority that decides, then the Land, a council, a Kreis or Stadt."""
    _, heads, *_ = _data()
    head = next((h for h in heads if name.startswith(h) or f" {h}" in name), None)
    return _ranks()(head) if head else 0


@lru_cache(maxsize=1)
def _ranks():
    """An authority that decides before the Land it acts for, before a council, before a Kreis or Stadt (more
    often the recipient); ranks in ``models/structure.json``."""
    ranks = load_json("structure.json")["deciders"]["ranks"]
    order = {head: rank for rank, group in enumerate(RANKS, 1) for head in ranks[group]}
    return lambda head: order.get(head, 0)


@lru_cache(maxsize=1)
def _places() -> dict[str, list[str]]:
    known = load_json("structure.json")["deciders"]["known_places"]
    return {head: places for head, places in known.items() if not head.startswith("_")}


def _known_place(head: str, complement: str) -> str:
    """The place a middle authority is named by, where OCR damaged it: 'Bezirksregierung Kolin' is Köln."""
    places = _places().get(head)
    if not places or not complement or complement in places:
        return complement
    distance, place = min((_distance(complement.lower(), p.lower()), p) for p in places)
    return place if distance <= 2 and complement[:1].lower() == place[:1].lower() else complement


def known_name(name: str) -> str:
    """A body's whole name with its known place put right: 'Bezirksregierung Munster' → 'Bezirksregierung Münster'."""
    head, _, rest = name.partition(" ")
    return f"{head} {_known_place(head, rest)}" if rest else name


def _distance(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions) of two short names."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def _nominative(adjective: str, gender: str) -> str:
    if not INFLECTING.search(adjective):
        return adjective
    stem = regex.sub(r"(?:e|en|er|es|em)$", "", adjective)
    return stem + STRONG_ENDING[gender]


def title_case(name: str) -> str:
    """A name from a letterhead in capitals, in ordinary case: 'REGIERUNG VON MITTELFRANKEN' →
    'Regierung von Mittelfranken'.

    >>> title_case("MINISTERIUM FÜR SOZIALES UND INTEGRATION")
    'Ministerium für Soziales und Integration'
    """
    words = name.title().split(" ")
    return " ".join(w.lower() if i and w.lower() in SMALL_WORDS else w for i, w in enumerate(words))


def resolve_bare(name: Optional[str], text: str, position: int, first: bool = False, sender: Optional[str] = None) -> Optional[str]:
    """A body named by its head alone ('die Bezirksregierung', 'das Ministerium') is the one the text named in
    full before ('Bezirksregierung Düsseldorf'), where there is one: the last before ``position``, or with
    ``first`` the first; else the paper's ``sender`` where it has that head (a letterhead in capitals)."""
    pattern, heads, *_ = _data()
    head = "Ministerium" if name is not None and COMPOUND_MINISTRY.fullmatch(name) else name
    if head is None or head not in heads:
        return name
    earlier = [m for m in pattern.finditer(text, 0, position) if m["head"] == head and (m["complement"] or "").strip()]
    for match in (earlier if first else reversed(earlier)):
        found = find_authority(text[match.start():match.end() + 3])
        if found is not None and found[0] != head:
            return found[0]
    return sender if sender and sender.startswith(f"{head} ") else name
