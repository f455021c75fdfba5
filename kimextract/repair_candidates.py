"""The readings an OCR'd word may stand for: where the confusion table applies in it, the variants that
its confusions give, which umlaut words a variant may be, and the compound splits of a long word.

Scoring these readings and deciding on a word is :mod:`kimextract.repair_words`' job; the data comes
from :mod:`kimextract.lexicon`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from .lexicon import SKEL, UMLAUTS, UPPER_UMLAUT, Models, skeleton

MAX_SUBS = 3  # at most 3 confusions in one word (4 and more are left alone)
MAX_PARTS = 5  # at most 5 parts in a compound
LINKS = ("s", "es", "n", "en", "ns")  # linking elements; -e-/-er- words (Kinder-, Bade-) are in the lexicon
_VOWELS = frozenset("aeiouyäöüAEIOUYÄÖÜ")
_PART_CACHE_MAX = 200_000
# numbers written in words, read morpheme by morpheme
_NUM_UNITS = ("ein eins zwei drei vier funf sechs sieben sieb acht neun zehn elf zwolf zwanzig dreissig vierzig "
              "funfzig sechzig siebzig achtzig neunzig hundert tausend und millionen million milliarden milliarde "
              "fnf zwlf dreiig fnfzig")  # the last four: OCR dropped the umlaut or ß
_NUM_PROPER = {"funf": "fünf", "zwolf": "zwölf", "dreissig": "dreißig", "funfzig": "fünfzig",
               "fnf": "fünf", "zwlf": "zwölf", "dreiig": "dreißig", "fnfzig": "fünfzig"}
_NUM_ALT = "|".join(sorted(_NUM_UNITS.split(), key=len, reverse=True))
_NUM_MORPH = re.compile(_NUM_ALT)
_NUM_WORD = re.compile(f"(?:{_NUM_ALT})+")
_NUM_START = re.compile(r"ein|zw|dr|vi|f|se|si|ac|ne|ze|el|hu|ta")
_NUM_HINT = re.compile(r"zig|ssig|sig|hundert|tausend|zehn|illion")
# the last guess: OCR's usual stand-ins for ö, ü and ß where no word list helps
_BLIND = re.compile(r"(?<=[^\W\d_])(?:oé|oè|dé|é(?=[b-df-hj-np-tv-z])|ii(?=[a-zß])"
                    r"|(?<=[aeiouäöü])[&®]|[&®8](?=[a-zäöü]))")
_BLIND_MAP = {"oé": "ö", "oè": "ö", "dé": "ö", "é": "ö", "ii": "ü", "&": "ß", "®": "ß", "8": "ß"}

Site = tuple[int, int, str, float]  # a confusion in a word: (start, end, what was on the page, cost)
Sub = tuple[int, int, str]  # a confusion made: (start, end, new)


def is_strong(ocr: str) -> bool:
    """A confusion OCR string German words do not hold: not lower-case ASCII letters (``é``, ``B``, ``fR``, ``&``,
    ``6``) or ``ii``. The others (``i``, ``li``, ``do``, ``ie`` …) are weak: real words hold them too."""
    return ocr == "ii" or not (ocr.isascii() and ocr.isalpha() and ocr.islower())


def match_case(tok: str, cand: str) -> str:
    """Give the candidate (lower case) the case of the OCR word: all caps, or the OCR word's letters where
    they are unchanged (StadteRegion -> StädteRegion), a capital first letter."""
    if tok.isupper() and len(tok) > 1:
        return cand.upper()
    if not any(c.isupper() for c in tok[1:]):
        if tok[0].isupper():
            first = cand[0]
            return UPPER_UMLAUT.get(first, first.upper()) + cand[1:]
        return cand
    out = []
    sm = difflib.SequenceMatcher(None, tok.lower(), cand, autojunk=False)
    for tag, a0, a1, b0, b1 in sm.get_opcodes():
        if tag == "equal":
            out.append(tok[a0:a1])
        else:
            out.append(cand[b0:b1])
    res = "".join(out)
    if tok[0].isupper() and res[0].islower():
        res = UPPER_UMLAUT.get(res[0], res[0].upper()) + res[1:]
    return res


def consistent(variant: str, cand: str) -> int | None:
    """Does the umlaut word ``cand`` read as ``variant`` with only plain confusions (ä->a, ß->ss)?
    Returns the number of such plain edits, or None."""
    if len(variant) == len(cand) and "ß" not in cand:
        edits = 0
        for a, b in zip(variant, cand):
            if a != b:
                if b in "äöü" and a == b.translate(SKEL):
                    edits += 1
                else:
                    return None
        return edits
    i = j = 0
    nv, nc = len(variant), len(cand)
    edits = 0
    while i < nv and j < nc:
        a, b = variant[i], cand[j]
        if a == b:
            i += 1
            j += 1
        elif b == "ß" and variant.startswith("ss", i):
            edits += 1
            i += 2
            j += 1
        elif b in "äöü" and a == b.translate(SKEL):
            edits += 1
            i += 1
            j += 1
        else:
            return None
    if i != nv or j != nc:
        return None
    return edits


def confusion_sites(m: Models, tok: str) -> list[Site]:
    """Where in the word an OCR string of the confusion table stands, at a place its ``where`` allows."""
    out = []
    n = len(tok)
    first = m.confusion_first
    for i, ch in enumerate(tok):
        for c in first.get(ch, ()):
            k = len(c.ocr)
            if tok.startswith(c.ocr, i):
                where = c.where
                if where == "first":
                    if i != 0:
                        continue
                elif where != "any":
                    if i == 0:
                        continue
                    if where != "inner":  # cc or vc: a consonant after it, before it a consonant (cc) or vowel (vc)
                        after = tok[i + k] if i + k < n else ""
                        if not after or after in _VOWELS or (tok[i - 1] in _VOWELS) != (where == "vc"):
                            continue
                out.append((i, i + k, c.target, c.cost))
    return out


def variants(tok: str, sites: list[Site], lo: int = 0, hi: int | None = None,
             max_subs: int = MAX_SUBS) -> Iterator[tuple[str, float, tuple[Sub, ...]]]:
    """(variant lower-case string, exotic cost, ((start, end, new), ...)) for every choice of at most
    ``max_subs`` non-overlapping confusion sites inside tok[lo:hi]; the unchanged word first."""
    # One loop per confusion, written out: the compound search calls this for every segment of a word,
    # and a recursive generator makes the cold repair a few per cent slower. Depth first, in site order
    # (ties between readings go to the first).
    if hi is None:
        hi = len(tok)
    seg = tok[lo:hi]
    yield seg.lower(), 0.0, ()
    inside = [s for s in sites if s[0] >= lo and s[1] <= hi]
    if not inside:
        return
    m = len(inside)
    for x in range(m):
        a1, b1, t1, c1 = inside[x]
        head = tok[lo:a1] + t1
        yield (head + tok[b1:hi]).lower(), c1, ((a1, b1, t1),)
        if max_subs < 2:
            continue
        for y in range(x + 1, m):
            a2, b2, t2, c2 = inside[y]
            if a2 < b1:
                continue
            mid = head + tok[b1:a2] + t2
            yield (mid + tok[b2:hi]).lower(), c1 + c2, ((a1, b1, t1), (a2, b2, t2))
            if max_subs < 3:
                continue
            for z in range(y + 1, m):
                a3, b3, t3, c3 = inside[z]
                if a3 < b2:
                    continue
                yield ((mid + tok[b2:a3] + t3 + tok[b3:hi]).lower(), c1 + c2 + c3,
                       ((a1, b1, t1), (a2, b2, t2), (a3, b3, t3)))


def number_reading(tok: str, sites: list[Site]) -> str | None:
    """A number written in words (``zweihundertfiinfzig``) read morpheme by morpheme: its spelling in lower
    case, or None if the word is no number."""
    low = tok.lower()
    if len(low) < 7 or not _NUM_START.match(low) or not _NUM_HINT.search(low):
        return None
    for var, cost, subs in variants(tok, sites, max_subs=3):
        sk = skeleton(var)
        if not _NUM_WORD.fullmatch(sk):
            continue
        morphs = [mt.group(0) for mt in _NUM_MORPH.finditer(sk)]
        if "".join(morphs) != sk:
            continue
        return "".join(_NUM_PROPER.get(x, x) for x in morphs)
    return None


def blind_reading(tok: str) -> str | None:
    """The word with OCR's usual stand-ins for ö, ü and ß (``oé``, ``ii``, ``&`` …) replaced, or None if it
    holds none: the last guess, where no word list helps."""
    if _BLIND.search(tok):
        return _BLIND.sub(lambda mt: _BLIND_MAP[mt.group(0)], tok)
    return None


# --------------------------------------------------------------------------------------------- compounds

def is_plain_compound(m: Models, tok: str) -> bool:
    """Is the word, as it stands, a compound of two known parts, each of at least four letters, with a
    productive head and no part an umlaut twin? A cheap check before the full search."""
    tl = tok.lower()
    n = len(tl)
    if n < 8:
        return False
    is_part, twins, head_score = m.is_part, m.twins, m.head_score
    reach: list = [None] * (n + 1)  # position -> number of parts so far
    reach[0] = 0
    for i in range(n - 3):
        parts = reach[i]
        if parts is None or parts >= 2:
            continue
        for j in range(i + 4, min(n, i + 24) + 1):
            final = j == n
            if not final and j > n - 4:
                continue
            seg = tl[i:j]
            if seg in twins or not is_part(seg, final):
                continue
            if final:
                if i > 0:
                    return True
                continue
            if head_score.get(seg, 0.0) < 3.0:
                continue
            for link in ("",) + LINKS:
                k = j + len(link)
                if (not link or tl.startswith(link, j)) and k <= n - 4:
                    if reach[k] is None or reach[k] > parts + 1:
                        reach[k] = parts + 1
    return False


def split_compound(m: Models, tok: str, sites: list[Site], part_cache: dict):
    """Split into compound parts. Returns (plain, edited): the best reading without changes and the best
    with changes, each (score, cand, parts) with parts ((part, quality, changed, is_lexicon, plain edits),
    ...), or None. ``part_cache`` keeps the readings of parts from word to word."""
    n = len(tok)
    if n < 6:
        return None
    best = [[None, None] for _ in range(n + 1)]  # position -> [best split so far unchanged, changed]
    best[0][0] = (0.0, ())
    head_score, zipf, is_part, twins = m.head_score, m.zipf, m.is_part, m.twins
    max_parts = MAX_PARTS
    tl = tok.lower()
    for i in range(n - 2):
        if best[i][0] is None and best[i][1] is None:
            continue
        for j in range(i + 3, min(n, i + 20) + 1):
            final = j == n
            if (not final and j > n - 3) or (final and i == 0):
                continue  # the whole word is no compound reading: the whole-word lookup did it
            seg = tl[i:j]
            plain_ok = is_part(seg, final) and not any(c.isupper() for c in tok[max(i, 1):j])
            if plain_ok and seg not in twins:
                # a known part is not changed (as a known word is not)
                q = zipf.get(seg, 3.0) if final else head_score.get(seg, 0.0)
                readings = (((seg, q, 0, 0, True),), 0.0),
            else:  # the readings of the segment with and without its confusions, cached from word to word
                readings = []
                nsites = sum(1 for st in sites if st[0] >= i and st[1] <= j)
                for var, cost, subs in variants(tok, sites, i, j, max_subs=2 if nsites <= 4 else 1):
                    key = (var, final, bool(subs), plain_ok)
                    options = part_cache.get(key)
                    if options is None:
                        options = _part_options(m, tok, var, subs, final, plain_ok)
                        if len(part_cache) > _PART_CACHE_MAX:
                            part_cache.clear()
                        part_cache[key] = options
                    if options:
                        readings.append((options, cost))
            for options, cost in readings:
                links = [""]
                if not final:
                    links += [link for link in LINKS if tok.startswith(link, j) and j + len(link) <= n - 3]
                for w, q, nplain, changed, is_lex in options:
                    # log-frequency-like: every part costs, frequent parts less, short parts more
                    pscore = 0.5 * (min(q, 6.0) - 7.0) - (1.0 if len(w) < 4 else 0.0) - cost - 0.2 * nplain
                    for link in links:
                        jj = j + len(link)
                        for state in (0, 1):
                            prev = best[i][state]
                            if prev is None or len(prev[1]) >= max_parts:
                                continue
                            ns = 1 if (state or changed) else 0
                            sc = prev[0] + pscore - (0.1 if link else 0.0)
                            cur = best[jj][ns]
                            if cur is None or sc > cur[0]:
                                best[jj][ns] = (sc, prev[1] + ((w, q, changed, link, is_lex, nplain),))
    plain, edited = _pack(best[n][0]), _pack(best[n][1])
    if plain is None and edited is None:
        return None
    return plain, edited


def _part_options(m: Models, tok: str, var: str, subs: tuple[Sub, ...], final: bool, plain_ok: bool) -> list:
    """What the variant ``var`` of a segment may be as a compound part (the last one if ``final``): (part,
    quality, plain edits, changed, is_lexicon) each; changed is 0 (unchanged), 1 (plain umlaut edits only),
    2 (strong confusions) or 3 (a weak confusion among them)."""
    options = []
    if not subs and plain_ok:
        options.append((var, _part_quality(m, var, final), 0, 0, True))
    elif subs and not (UMLAUTS & set(var)) and m.is_part(var, final):
        options.append((var, _part_quality(m, var, final), 0, _confusion_kind(tok, subs), True))
    for w, z, is_word, may_head, may_tail, is_lex in m.umlaut_entries(skeleton(var)):
        if not (may_tail if final else may_head):
            continue
        nplain = consistent(var, w)
        if nplain is None or (not nplain and not subs):
            continue
        q = z + m.boost.get(w, 0.0) if final else max(z, m.head_score.get(w, 0.0))
        options.append((w, q, nplain, 1 if not subs else _confusion_kind(tok, subs), is_lex))
    return options


def _part_quality(m: Models, part: str, final: bool) -> float:
    """How well attested a part without umlaut is: its frequency as a last part, as a head also its
    productivity."""
    return m.zipf.get(part, 3.0) if final else max(m.zipf.get(part, 0.0), m.head_score.get(part, 0.0))


def _confusion_kind(tok: str, subs: tuple[Sub, ...]) -> int:
    """2 if every confusion made is a strong one, else 3."""
    return 2 if all(is_strong(tok[a:b]) for a, b, _ in subs) else 3


def _pack(state):
    """A split found by :func:`split_compound` as (score, cand, parts), or None (no split in two or more)."""
    if state is None or len(state[1]) < 2:
        return None
    return (state[0], "".join(p[0] + p[3] for p in state[1]),
            tuple((w, q, ch, lex, npl) for w, q, ch, _, lex, npl in state[1]))
