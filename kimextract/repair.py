"""Repair what OCR did to German text: lost umlauts and ß, ``Kl`` for ``KI``, ``,`` for ``„``, words
hyphenated across a line end, dashes and section signs.

``repair_text(text)`` returns a :class:`Repaired` view: the repaired text, the list of repairs (with offsets
in the original text) and ``to_original`` to map an offset of the repaired text back. The layout is kept:
line breaks and form feeds stay where they are, except that a word hyphenated across a line end is joined
and its line break moves to the next space.

Method (data under ``models/``, built by ``scripts/build_models.py``, described in ``models/README.md``):

1. Every word is looked up in a German lexicon (wngerman + hunspell de_DE expanded + domain terms). A known
   word is kept, unless it is a *real-word twin* of an umlaut word (``Forderung``/``Förderung``).
2. An unknown word gets candidates from the OCR confusion table (``é``->``ö``, ``ii``->``ü``, ``fR``->``ß``
   ...; plain ``a``/``o``/``u``/``ss`` are covered by looking words up by their umlaut-free skeleton). The
   candidates are scored with wordfreq frequencies and confusion costs. English words stay (``make`` is not
   ``Maße``) unless the German reading is far more common (``fur`` is ``für``).
3. A word no list holds is split into compound parts with linking elements
   (``Einbürgerung|s|behörde``), each part repaired the same way; a reading without changes wins unless the
   changed one is clearly more frequent (``Coesfeld`` stays, ``Fordervolumen`` becomes ``Fördervolumen``).
   Numbers written in words are read morpheme by morpheme (``dreihundertfiinfzig``).
4. Real-word twins are decided by context rules kept as data (``in Hohe von`` -> ``in Höhe von``) and else
   by frequency, weighed by how damaged the document's umlauts are (clean text is never touched this way).
5. The document's damage decides what needs evidence: weak guesses (``i`` read for ``ü``, a rare word, a name
   with ``é``) and typographic repairs (``-`` for ``–``, ``*`` for ``•``) are made only where other words show
   OCR damage, so a clean text keeps its typed dashes, names and English words.

Decisions per word form are cached in a module-level dict, so repair is fast on long texts.
"""

from __future__ import annotations

import bisect
import difflib
import gzip
import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Repair", "Repaired", "repair_text", "load_models", "clear_caches", "REASONS"]

REASONS = ("lexicon", "confusion", "compound", "context", "hyphenation", "quote")


@dataclass(frozen=True)
class Repair:
    """One change: ``original`` at ``start:end`` of the original text became ``repaired``."""

    original: str
    repaired: str
    start: int
    end: int
    confidence: float
    reason: str  # one of REASONS


@dataclass(frozen=True)
class Repaired:
    """The repaired view of a text."""

    text: str
    repairs: list[Repair]
    _rep_starts: list[int] = field(default_factory=list, repr=False, compare=False)
    _rep_ends: list[int] = field(default_factory=list, repr=False, compare=False)
    _deltas: list[int] = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts, ends, deltas = [], [], []
        delta = 0
        for r in self.repairs:
            rs = r.start + delta
            starts.append(rs)
            ends.append(rs + len(r.repaired))
            delta += len(r.repaired) - (r.end - r.start)
            deltas.append(delta)
        object.__setattr__(self, "_rep_starts", starts)
        object.__setattr__(self, "_rep_ends", ends)
        object.__setattr__(self, "_deltas", deltas)

    @property
    def original_length(self) -> int:
        return len(self.text) - (self._deltas[-1] if self._deltas else 0)

    def to_original(self, pos: int) -> int:
        """Offset in the repaired text -> offset in the original text.

        Monotone. Outside repairs the offset is shifted by the length changes before it; the start of a
        repaired span maps to the start of its original, its end to the end of its original (so
        ``text[a:b]`` maps to ``original[to_original(a):to_original(b)]``); offsets inside a span map
        to the same character of the original, clamped to the span. Where text was deleted (the ``-\\n``
        of a joined word) the offset maps to the start of the deleted text."""
        if pos <= 0:
            return 0
        if pos >= len(self.text):
            return self.original_length
        starts = self._rep_starts
        k = bisect.bisect_left(starts, pos)
        if k < len(starts) and starts[k] == pos:
            return self.repairs[k].start  # the start of a repaired span (also of a deletion) -> its start
        k -= 1
        if k < 0:
            return pos
        if pos >= self._rep_ends[k]:
            return pos - self._deltas[k]
        r = self.repairs[k]
        return r.start + min(pos - self._rep_starts[k], r.end - r.start)


# --------------------------------------------------------------------------------------------- models

_SKEL = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})
_UMLAUTS = frozenset("äöüßÄÖÜ")
_VOWELS = frozenset("aeiouyäöüAEIOUYÄÖÜ")
_LINKS = ("s", "es", "n", "en", "ns")  # linking elements; -e-/-er- words (Kinder-, Bade-) are in the lexicon
_UPPER_UMLAUT = {"ä": "Ä", "ö": "Ö", "ü": "Ü"}


def _skel(word_lower: str) -> str:
    """The word without umlauts (ß as ss): the key of models/lexicon_umlaut."""
    if word_lower.isascii():
        return word_lower
    return word_lower.replace("ä", "a").replace("ö", "o").replace("ü", "u").replace("ß", "ss")


def _models_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "models", here.parent / "models"):
        if (candidate / "lexicon_words.txt.gz").is_file():
            return candidate
    raise FileNotFoundError(f"no models/ folder with lexicon_words.txt.gz beside {here}; "
                            "run scripts/build_models.py or reinstall kimextract")


def _read_gz_lines(path: Path) -> list[str]:
    with gzip.open(path, "rb") as handle:
        return handle.read().decode("utf-8").splitlines()


def _read_table(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rows.append(line.rstrip("\n").split("\t"))
    return rows


class _Confusion:
    __slots__ = ("ocr", "target", "where", "cost")

    def __init__(self, ocr: str, target: str, where: str, cost: float):
        self.ocr, self.target, self.where, self.cost = ocr, target, where, cost


class _Rule:
    __slots__ = ("action", "prev", "next_in", "next_not", "next_lower", "next_upper", "next_number")

    def __init__(self, action: str, conditions: str):
        self.action = action
        self.prev = self.next_in = self.next_not = None
        self.next_lower = self.next_upper = self.next_number = False
        for cond in (c.strip() for c in conditions.split(",") if c.strip()):
            if cond.startswith("prev="):
                self.prev = frozenset(cond[5:].split("|"))
            elif cond.startswith("next!="):
                self.next_not = frozenset(cond[6:].split("|"))
            elif cond.startswith("next="):
                self.next_in = frozenset(cond[5:].split("|"))
            elif cond == "next_lower":
                self.next_lower = True
            elif cond == "next_upper":
                self.next_upper = True
            elif cond == "next_number":
                self.next_number = True
            elif cond != "always":
                raise ValueError(f"unknown condition {cond!r} in realword_rules.tsv")

    def holds(self, prev: str | None, nxt: str | None, next_attached: bool, after: str = "") -> bool:
        if self.next_number and not _NEXT_NUMBER.match(after):
            return False
        if self.prev is not None and (prev is None or prev.lower() not in self.prev):
            return False
        if self.next_in is not None and (nxt is None or nxt.lower() not in self.next_in):
            return False
        if self.next_not is not None and nxt is not None and nxt.lower() in self.next_not:
            return False
        if self.next_lower and (nxt is None or not next_attached or not nxt[0].islower()):
            return False
        if self.next_upper and (nxt is None or not next_attached or not nxt[0].isupper()):
            return False
        return True


class Models:
    """The data of models/, loaded once (see :func:`load_models`)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.words: set[str] = set(_read_gz_lines(folder / "lexicon_words.txt.gz"))
        self.heads: set[str] = set()
        self.tails: set[str] = set()
        for line in _read_gz_lines(folder / "lexicon_parts.txt.gz"):
            kind, _, part = line.partition("\t")
            (self.heads if kind == "B" else self.tails).add(part)
        # skeleton -> "word:zipf:flags,..." (parsed on first use, see umlaut_entries)
        self._umlaut_raw: dict[str, str] = {}
        for line in _read_gz_lines(folder / "lexicon_umlaut.tsv.gz"):
            sk, _, rest = line.partition("\t")
            self._umlaut_raw[sk] = rest
        self._umlaut: dict[str, tuple] = {}
        self.zipf: dict[str, float] = {}
        for line in _read_gz_lines(folder / "lexicon_twins.tsv.gz"):
            w, _, z = line.partition("\t")
            self.zipf[w] = float(z)
        self.twins = set(self.zipf)
        self.english: dict[str, float] = {}
        for line in _read_gz_lines(folder / "lexicon_english.tsv.gz"):
            w, _, z = line.partition("\t")
            self.english[w] = float(z)
        self.head_score: dict[str, float] = {}
        for line in _read_gz_lines(folder / "lexicon_heads.tsv.gz"):
            w, _, z = line.partition("\t")
            self.head_score[w] = float(z)
        self.boost: dict[str, float] = {}
        self.acronyms: set[str] = set()
        self._domain: dict[str, str] = {}  # lower-case domain word with umlaut -> skeleton
        for row in _read_table(folder / "domain_terms.tsv"):
            term, kind = row[0], row[1]
            boost = float(row[2]) if len(row) > 2 and row[2] else 0.0
            if kind == "acronym":
                self.acronyms.add(term)
                continue
            self.words.add(term)
            low = term.lower()
            if boost:
                self.boost[low] = boost
            if _UMLAUTS & set(low):
                sk = _skel(low)
                self._domain[low] = sk
                if self.is_word(low.translate(_SKEL)) or self.is_word(sk):
                    self.twins.add(low.translate(_SKEL))
                    self.twins.add(sk)
        self.acronym_skel = {_skel(a.lower()): a for a in self.acronyms}
        self._domain_by_skel: dict[str, list[str]] = {}
        for low, sk in self._domain.items():
            self._domain_by_skel.setdefault(sk, []).append(low)
        self.punct: list[tuple[re.Pattern, str, re.Pattern | None, bool]] = []
        for row in _read_table(folder / "confusions_punct.tsv"):
            before = row[2] if len(row) > 2 and row[2] not in ("", "-") else None
            always = len(row) > 3 and row[3] == "always"
            self.punct.append((re.compile(row[0]), row[1], re.compile(f"(?:{before})\\Z") if before else None,
                               always))
        self.confusions: list[_Confusion] = []
        for row in _read_table(folder / "confusions.tsv"):
            self.confusions.append(_Confusion(row[0], row[1], row[2], float(row[3])))
        self.confusion_first: dict[str, list[_Confusion]] = {}
        for c in self.confusions:
            self.confusion_first.setdefault(c.ocr[0], []).append(c)
        self.rules: dict[str, tuple[str, list[_Rule], list[_Rule]]] = {}
        self.suffix_rules: dict[str, tuple[str, list[_Rule], list[_Rule]]] = {}
        for row in _read_table(folder / "realword_rules.tsv"):
            word, twin, action = row[0], row[1], row[2]
            cond = row[3] if len(row) > 3 else "always"
            table = self.rules
            if word.startswith("*"):
                word, twin, table = word[1:], twin[1:], self.suffix_rules
            _, keeps, fixes = table.setdefault(word, (twin, [], []))
            (keeps if action == "keep" else fixes).append(_Rule(action, cond))
        self.suffix_words = tuple(sorted({v for w in self.suffix_rules for v in (w, w.capitalize())}))

    def umlaut_entries(self, sk: str) -> tuple:
        """Umlaut words and parts with this skeleton: (word, zipf, is_word, may_head, may_tail, is_lexicon)."""
        got = self._umlaut.get(sk)
        if got is not None:
            return got
        out = []
        raw = self._umlaut_raw.get(sk)
        seen = set()
        if raw:
            for item in raw.split(","):
                w, z, flags = item.split(":")
                is_word = "L" in flags or "W" in flags
                domain = w in self._domain
                if domain:
                    is_word = True
                    flags += "L"
                seen.add(w)
                out.append((w, float(z), is_word, is_word or "B" in flags, is_word or "E" in flags, "L" in flags))
        for w in self._domain_by_skel.get(sk, ()):
            if w not in seen:
                out.append((w, 2.5, True, True, True, True))
        got = tuple(out)
        self._umlaut[sk] = got
        return got

    def word_zipf(self, low: str, default: float = 0.0) -> float:
        z = self.zipf.get(low)
        if z is not None:
            return z
        for e in self.umlaut_entries(_skel(low)) if _UMLAUTS & set(low) else ():
            if e[0] == low:
                return e[1]
        return default

    # -- lexicon checks
    def is_word(self, tok: str) -> bool:
        """Known standalone word in this case (a lower-case word may be capitalised, a noun not lowered)."""
        if tok in self.words:
            return True
        if tok[0].isupper() and (tok[0].lower() + tok[1:]) in self.words:
            return True
        return False

    def is_part(self, low: str, final: bool) -> bool:
        """May this lower-case string stand in a compound (as its last part if ``final``)?"""
        if low in self.words:
            return True
        first = low[0]
        if (_UPPER_UMLAUT.get(first) or first.upper()) + low[1:] in self.words:
            return True
        return low in (self.tails if final else self.heads)


_MODELS: Models | None = None
_LOCK = threading.Lock()


def load_models() -> Models:
    """Load models/ once per process (thread-safe)."""
    global _MODELS
    if _MODELS is None:
        with _LOCK:
            if _MODELS is None:
                _MODELS = Models(_models_dir())
    return _MODELS


# --------------------------------------------------------------------------------------------- words

_TOKEN = re.compile(r"[^\W\d_][^\W_]*(?:[&@®](?<=[a-zäöü][&@®])(?![A-Z0-9])[^\W_]*)*"
                    r"|6(?<!\w6)(?=[a-zäöüß]{3})[^\W_]*")  # a word; 6 for ö may begin one; & ® @ for ß inside
_STRONG = re.compile(r"[éèêóòáàâúùû&@368]|ii|(?<=.)[A-ZÄÖÜ]")  # what OCR makes and German words rarely hold


def _strong(ocr: str) -> bool:
    """A confusion OCR string German words do not hold: not lower-case ASCII letters (``é``, ``B``, ``fR``, ``&``,
    ``6``) or ``ii``. The others (``i``, ``li``, ``do``, ``ie`` …) are weak: real words hold them too."""
    return ocr == "ii" or not (ocr.isascii() and ocr.isalpha() and ocr.islower())  # letters OCR makes, German rarely has
_GUILLEMET_CLOSE = re.compile(r"[«“”\"]")
_NOMINAL = re.compile(r"(?:^|\W)(?:im|am|zum|vom|beim|das|ein|eine|einen|einem|eines|einer)\s+\Z", re.I)
_DAMAGED_DOC = 0.2  # share of damaged umlaut words from which a document counts as OCR-damaged
_PREV_WORD = re.compile(r"([^\W\d_][^\W_]*)\s+$")
_NEXT_NUMBER = re.compile(r"[ \t]*\d")
_ROMAN = re.compile(r"^[IVX]+$")
_BLIND = re.compile(r"(?<=[^\W\d_])(?:oé|oè|dé|é(?=[b-df-hj-np-tv-z])|ii(?=[a-zß])|(?<=[aeiouäöü])[&®]|[&®8](?=[a-zäöü]))")
_BLIND_MAP = {"oé": "ö", "oè": "ö", "dé": "ö", "é": "ö", "ii": "ü", "&": "ß", "®": "ß", "8": "ß"}
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
_ACRONYM = re.compile(r"^(?=[^l1]*[A-ZÄÖÜ])[A-ZÄÖÜl1]{2,6}$")
_HYPHEN = re.compile(r"([-\u00ad])(?<=\w[-\u00ad])([ \t]*\r?\n[ \t]*)(?=\w)")
_PROTECT = re.compile(r"@(?=[\w-]+\.\w)|://|www\.|\.(?:de|com|org|net|eu|nrw|info)\b")


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """E-mail addresses, URLs and domain names: the whole non-blank run around an anchor (@, ://, .de …)."""
    spans: list[tuple[int, int]] = []
    n = len(text)
    for mt in _PROTECT.finditer(text):
        a, b = mt.span()
        while a > 0 and not text[a - 1].isspace() and text[a - 1] not in "(<\"„":
            a -= 1
        while b < n and not text[b].isspace() and text[b] not in ")>\",;":
            b += 1
        if spans and a <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(b, spans[-1][1]))
        else:
            spans.append((a, b))
    return spans
_QUOTE = re.compile(r"([,‚»](?<![^\s(][,‚»])(?:(?<=,),|(?<=‚)‚)?)(?=[^\W\d_])")
_CLOSING = re.compile(r"(?:„|(?<![^\s(])(?:,,?|»))[^„“”\"’‘\n]{1,300}?(?:\n[^„“”\"’‘\n]{1,300}?){0,3}"
                      r"(?:(?<=\w)|(?<=\w[.)]))([”\"]|[’‘](?=[\s.,;:!?)]))")
_NON_JOIN = frozenset("und oder bzw sowie bis als wie noch respektive resp beziehungsweise u o".split())

# decision kinds
_KEEP = None
_KEEP_UMLAUT = 1  # a correct word holding an umlaut: evidence that the document's umlauts survived


class _Fix:
    __slots__ = ("repaired", "confidence", "reason", "lower_mid", "tier")

    def __init__(self, repaired, confidence, reason, lower_mid=False, tier=0):
        self.repaired, self.confidence, self.reason = repaired, confidence, reason
        self.lower_mid = lower_mid
        # 0: sure enough anywhere; 1: only where the document shows OCR damage (a weak confusion such as
        # i for ü, a rare word, a guess), as an unknown word in clean text is more likely a name
        self.tier = tier


class _Real:
    __slots__ = ("twin", "gain", "rule_word", "needs_start", "reason")

    def __init__(self, twin, gain, rule_word, needs_start=False, reason="context"):
        self.twin, self.gain, self.rule_word = twin, gain, rule_word
        self.reason = reason
        self.needs_start = needs_start  # the twin is capitalised only as the first word of a sentence


class _Acronym:
    __slots__ = ("repaired", "roman")

    def __init__(self, repaired, roman=False):
        self.repaired = repaired
        self.roman = roman  # may stand before a full stop: a Roman numeral ("III."), VZÄ (not "Kl." = Klasse)


def _match_case(tok: str, cand: str) -> str:
    """Give the candidate (lower case) the case of the OCR word: all caps, or the OCR word's letters where
    they are unchanged (StadteRegion -> StädteRegion), a capital first letter."""
    if tok.isupper() and len(tok) > 1:
        return cand.upper()
    if not any(c.isupper() for c in tok[1:]):
        if tok[0].isupper():
            first = cand[0]
            return _UPPER_UMLAUT.get(first, first.upper()) + cand[1:]
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
        res = _UPPER_UMLAUT.get(res[0], res[0].upper()) + res[1:]
    return res


def _consistent(variant: str, cand: str) -> int | None:
    """Does the umlaut word ``cand`` read as ``variant`` with only plain confusions (ä->a, ß->ss)?
    Returns the number of such plain edits, or None."""
    if len(variant) == len(cand) and "ß" not in cand:
        edits = 0
        for a, b in zip(variant, cand):
            if a != b:
                if b in "äöü" and a == b.translate(_SKEL):
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
        elif b in "äöü" and a == b.translate(_SKEL):
            edits += 1
            i += 1
            j += 1
        else:
            return None
    if i != nv or j != nc:
        return None
    return edits


class _Analyzer:
    """Per word form: keep, fix, real-word twin or acronym. Results are cached by the caller."""

    MAX_SUBS = 3  # at most 3 confusions in one word (4 and more are left alone)
    MAX_PARTS = 5

    def __init__(self, m: Models):
        self.m = m
        self.part_cache: dict = {}  # (segment reading, final, changed, known) -> compound part options

    # sites of exotic confusions in the word: (start, end, target, cost)
    def sites(self, tok: str) -> list[tuple[int, int, str, float]]:
        out = []
        n = len(tok)
        first = self.m.confusion_first
        for i, ch in enumerate(tok):
            for c in first.get(ch, ()):
                k = len(c.ocr)
                if tok.startswith(c.ocr, i):
                    w = c.where
                    if w == "first":
                        if i != 0:
                            continue
                    elif w != "any" and i == 0:
                        continue
                    if w == "cc":
                        before = tok[i - 1] if i > 0 else ""
                        after = tok[i + k] if i + k < n else ""
                        if not before or not after or before in _VOWELS or after in _VOWELS:
                            continue
                    elif w == "vc":
                        before = tok[i - 1] if i > 0 else ""
                        after = tok[i + k] if i + k < n else ""
                        if not before or not after or before not in _VOWELS or after in _VOWELS:
                            continue
                    out.append((i, i + k, c.target, c.cost))
        return out

    def variants(self, tok: str, sites, lo: int = 0, hi: int | None = None, max_subs: int = MAX_SUBS):
        """(variant lower-case string, exotic cost, ((start, end, new), ...)) for every choice of at most
        ``max_subs`` non-overlapping confusion sites inside tok[lo:hi]; the unchanged word first."""
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

    # -------------------------------------------------------------- classification
    def classify(self, tok: str):
        m = self.m
        n = len(tok)
        if n < 2:
            return _KEEP
        if not tok.isalpha():
            if any(ch.isdigit() and ch not in "638" for ch in tok):
                return _KEEP
        if ("l" in tok or "1" in tok) and _ACRONYM.match(tok):
            rep = tok.replace("l", "I").replace("1", "I")
            if rep in m.acronyms and not m.is_word(tok):
                return _Acronym(rep, _ROMAN.match(rep) is not None)
            return _KEEP
        if tok.isupper():
            if not m.is_word(tok):
                acro = m.acronym_skel.get(_skel(tok.lower().replace("6", "ö")))
                if acro is not None and acro != tok:
                    return _Acronym(acro, True)
            return _KEEP
        if m.is_word(tok):
            return self._known(tok)
        sites = self.sites(tok)
        inner_caps = [i for i in range(1, n) if tok[i].isupper()]
        if inner_caps:  # inner capitals only as part of a confusion (fR, lR, B)
            covered = set()
            for a, b, _, _ in sites:
                covered.update(range(a, b))
            if any(i not in covered for i in inner_caps):
                return _KEEP
        best = self._whole(tok, sites)
        if best is not None and (best[5] or best[3] >= 2.0):
            score, cand, subs, zipf, exotic, is_lex = best
            sure = is_lex and (zipf >= 3.5 or (zipf >= 2.5 and all(_strong(tok[a:b]) for a, b, _ in subs)))
            return self._make_fix(tok, cand, 0.9 if sure else 0.75, "confusion" if exotic else "lexicon",
                                  0 if sure else 1)
        if m.is_part(tok.lower(), True):
            return _KEEP  # a known word in another case (a line-broken noun, a capitalised verb)
        num = self._number(tok, sites)
        if num != 0:
            return num
        if not _STRONG.search(tok) and self._plain_compound(tok):
            return _KEEP  # a compound of known parts, none of which has an umlaut twin
        cpd = self._compound(tok, sites)
        plain, edited = cpd if cpd is not None else (None, None)
        if plain is not None:
            if edited is not None and edited[0] >= plain[0] + 0.1:
                # a compound of real words whose umlaut reading is more frequent (Forderbaustein): decided
                # like a real word, by how damaged the document is; the gain in Zipf points, without the
                # cost of the edits
                cand = _match_case(tok, edited[1])
                gain = 2.0 * (edited[0] - plain[0]) + 0.4 * sum(p[4] for p in edited[2])
                return _Real(cand, gain, None, False, "compound")
            return _KEEP
        if edited is not None:
            # no reading without change: every changed part must be a well attested word or head, the more
            # so where only a plain umlaut was lost (names lack umlauts: Herzebrock, not -bröck)
            ok = True
            weak = False
            for w, q, changed, lex, _ in edited[2]:
                if not changed:
                    continue
                if len(w) < 4 or q < 2.0 or (changed == 1 and q < 3.0 and not (lex and len(w) >= 6)):
                    ok = False
                weak = weak or changed == 3
            if ok:
                return self._make_fix(tok, edited[1], 0.75, "compound", 1 if weak else 0)
        if best is not None:  # only a rare word attested by wordfreq alone
            return self._make_fix(tok, best[1], 0.6, "confusion" if best[4] else "lexicon", 1)
        free = self._free_head(tok, sites)
        if free is not None:
            return free
        dropped = self._dropped(tok, sites)
        if dropped is not None:
            return dropped
        if _BLIND.search(tok):
            rep = _BLIND.sub(lambda mt: _BLIND_MAP[mt.group(0)], tok)
            return _Fix(rep, 0.5, "confusion", False, 1)
        return _KEEP

    def _number(self, tok, sites):
        """A number written in words (``zweihundertfiinfzig``), repaired morpheme by morpheme. Returns a
        decision, or 0 if the word is no number."""
        low = tok.lower()
        if len(low) < 7 or not _NUM_START.match(low) or not _NUM_HINT.search(low):
            return 0
        for var, cost, subs in self.variants(tok, sites, max_subs=3):
            sk = _skel(var)
            if not _NUM_WORD.fullmatch(sk):
                continue
            morphs = [mt.group(0) for mt in _NUM_MORPH.finditer(sk)]
            if "".join(morphs) != sk:
                continue
            rep = "".join(_NUM_PROPER.get(x, x) for x in morphs)
            if rep == low:
                return _KEEP
            return _Fix(_match_case(tok, rep), 0.85, "compound")
        return 0

    def _free_head(self, tok, sites):
        """A name before a known word whose letters OCR damaged (``SeibertzstraBe``): repair the tail only,
        when the damage is a clear confusion (not a plain lost umlaut, which a name may lack)."""
        m = self.m
        n = len(tok)
        for j in range(3, n - 4):
            tail_sites = [(a - j, b - j, t, c) for a, b, t, c in sites if a >= j]
            if not tail_sites:
                break
            tail = tok[j:]
            for var, cost, subs in self.variants(tail, tail_sites, max_subs=2):
                if not subs or not all(_strong(tail[a:b]) or b - a > 1 for a, b, _ in subs):
                    continue
                for w, z, is_word, _, _, is_lex in m.umlaut_entries(_skel(var)):
                    if not is_lex or len(w) < 5 or z < 2.5:
                        continue
                    if _consistent(var, w) == 0:
                        return self._make_fix(tok, (tok[:j] + w).lower(), 0.6, "compound")
        return None

    def _make_fix(self, tok, cand_lower, conf, reason, tier=0):
        m = self.m
        ez = m.english.get(tok.lower())
        if ez is not None:
            # an English word (make, full, master) stays, unless the German reading is far more common (fur);
            # about as common (Burger/Bürger, Linen/Lünen): only in a document with OCR damage
            cz = m.word_zipf(cand_lower) + m.boost.get(cand_lower, 0.0)
            if cz < ez - 0.5:
                return _KEEP
            if cz < ez + 1.5:
                tier = 1
        rep = _match_case(tok, cand_lower)
        lower_mid = False
        if rep[0] in "ÜÄÖ" and tok[0] != rep[0] and cand_lower in m.words:
            # OCR read ü as U: lower case again inside a sentence (Richtlinie Uber die); 2: the capitalised
            # form is a word too (a noun), kept after an article (im Übrigen, das Übertragen)
            lower_mid = 2 if rep in m.words else 1
        return _Fix(rep, conf, reason, lower_mid, tier)

    def _known(self, tok: str):
        m = self.m
        low = tok.lower()
        if _UMLAUTS & set(low):
            return _KEEP_UMLAUT
        if low not in m.twins:
            return _KEEP
        best = None
        for w, z, is_word, _, _, is_lex in m.umlaut_entries(_skel(low)):
            if not is_lex:
                continue
            cased = _match_case(tok, w)
            if not m.is_word(cased):
                continue
            zz = z + m.boost.get(w, 0.0)
            if best is None or zz > best[1]:
                best = (cased, zz)
        if best is None:
            return _KEEP
        gain = best[1] - m.zipf.get(low, 0.0)
        return _Real(best[0], gain, low, best[0] not in m.words)

    def _whole(self, tok, sites):
        """Best whole-word candidate: (score, cand, subs, zipf, exotic, is_lexicon) or None."""
        m = self.m
        best = None
        max_subs = self.MAX_SUBS if len(sites) <= 8 else 2
        for var, cost, subs in self.variants(tok, sites, max_subs=max_subs):
            if subs and m.is_part(var, True) and not (_UMLAUTS & set(var)):
                # a confusion that gives a word without umlaut (InvestitionsmitteIn: I for l)
                z = m.zipf.get(var, 3.0)
                score = z + 0.5 - cost
                if best is None or score > best[0]:
                    best = (score, var, subs, z, True, True)
                continue
            entries = m.umlaut_entries(_skel(var))
            if not entries:
                continue
            for w, z, is_word, _, _, is_lex in entries:
                if not is_word:
                    continue
                if not is_lex and (z < 1.5 or (z < 3.0 and len(w) < 6)):
                    continue
                if len(tok) <= 3 and z < 5.0:
                    continue  # a short word is repaired only to a very common one (fur -> für, not no -> nö)
                res = _consistent(var, w)
                if res is None:
                    continue
                nplain = res
                if not subs and not nplain:
                    continue
                score = z + (0.5 if is_lex else 0.0) - cost - 0.15 * nplain
                if best is None or score > best[0]:
                    best = (score, w, subs, z, bool(subs), is_lex)
        return best

    def _dropped(self, tok, sites):
        """OCR dropped an umlaut or ß altogether (``Zuschsse``, ``Griien``): insert one, if that gives a
        frequent lexicon word."""
        m = self.m
        n = len(tok)
        if n < 2 or (n < 4 and not tok.islower()):
            return None
        min_z = 3.0 if n >= 4 else 5.5  # "fr" is "für"; short words need a very frequent reading
        best = None
        for var, cost, subs in self.variants(tok, sites, max_subs=1):
            for pos in range(1, len(var)):
                for ch in "üäöß":
                    cand_var = var[:pos] + ch + var[pos:]
                    for w, z, is_word, _, _, is_lex in m.umlaut_entries(_skel(cand_var)):
                        if not is_lex or z < min_z or (len(w) < 5 and n >= 4):
                            continue
                        if _consistent(cand_var, w) is None:
                            continue
                        score = z - cost
                        if best is None or score > best[0]:
                            best = (score, w)
        if best is None:
            return None
        return self._make_fix(tok, best[1], 0.6, "confusion", 1)

    def _plain_compound(self, tok) -> bool:
        """Is the word, as it stands, a compound of two known parts, each of at least four letters, with a
        productive head and no part an umlaut twin? A cheap check before the full search."""
        m = self.m
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
                for link in ("",) + _LINKS:
                    k = j + len(link)
                    if (not link or tl.startswith(link, j)) and k <= n - 4:
                        if reach[k] is None or reach[k] > parts + 1:
                            reach[k] = parts + 1
        return False

    def _compound(self, tok, sites):
        """Split into compound parts. Returns (plain, edited): the best reading without changes and the best
        with changes, each (score, cand, parts) with parts ((part, quality, changed), ...), or None."""
        m = self.m
        n = len(tok)
        if n < 6:
            return None
        best = [[None, None] for _ in range(n + 1)]
        best[0][0] = (0.0, ())
        head_score, zipf, is_part, twins, boost = m.head_score, m.zipf, m.is_part, m.twins, m.boost
        part_cache = self.part_cache
        ucache = m._umlaut
        tl = tok.lower()
        for i in range(n - 2):
            if best[i][0] is None and best[i][1] is None:
                continue
            for j in range(i + 3, min(n, i + 20) + 1):
                final = j == n
                if (not final and j > n - 3) or (final and i == 0):
                    continue  # the whole word is no compound reading: _whole looked it up
                seg = tl[i:j]
                plain_ok = is_part(seg, final) and not any(c.isupper() for c in tok[max(i, 1):j])
                if plain_ok and seg not in twins:
                    # a known part is not changed (as a known word is not)
                    q = zipf.get(seg, 3.0) if final else head_score.get(seg, 0.0)
                    variants = (((seg, q, 0, 0, True),), 0.0),
                else:
                    variants = []
                    nsites = sum(1 for st in sites if st[0] >= i and st[1] <= j)
                    for var, cost, subs in self.variants(tok, sites, i, j, max_subs=2 if nsites <= 4 else 1):
                        key = (var, final, bool(subs), plain_ok)
                        options = part_cache.get(key)
                        if options is not None:
                            if options:
                                variants.append((options, cost))
                            continue
                        options = []
                        if not subs and plain_ok:
                            q = zipf.get(var, 3.0) if final else max(zipf.get(var, 0.0), head_score.get(var, 0.0))
                            options.append((var, q, 0, 0, True))
                        elif subs and not (_UMLAUTS & set(var)) and is_part(var, final):
                            q = zipf.get(var, 3.0) if final else max(zipf.get(var, 0.0), head_score.get(var, 0.0))
                            code = 2 if all(_strong(tok[a:b]) for a, b, _ in subs) else 3
                            options.append((var, q, 0, code, True))
                        sk = var if var.isascii() else _skel(var)
                        entries = ucache.get(sk)
                        if entries is None:
                            entries = m.umlaut_entries(sk)
                        for w, z, is_word, may_head, may_tail, is_lex in entries:
                            if not (may_tail if final else may_head):
                                continue
                            nplain = _consistent(var, w)
                            if nplain is None or (not nplain and not subs):
                                continue
                            q = z + boost.get(w, 0.0) if final else max(z, head_score.get(w, 0.0))
                            code = 1 if not subs else (2 if all(_strong(tok[a:b]) for a, b, _ in subs) else 3)
                            options.append((w, q, nplain, code, is_lex))
                        if len(part_cache) > 200_000:
                            part_cache.clear()
                        part_cache[key] = options
                        if options:
                            variants.append((options, cost))
                for options, cost in variants:
                    links = [""]
                    if not final:
                        links += [l for l in _LINKS if tok.startswith(l, j) and j + len(l) <= n - 3]
                    for w, q, nplain, changed, is_lex in options:
                        # log-frequency-like: every part costs, frequent parts less, short parts more
                        pscore = 0.5 * (min(q, 6.0) - 7.0) - (1.0 if len(w) < 4 else 0.0) - cost - 0.2 * nplain
                        for link in links:
                            jj = j + len(link)
                            for state in (0, 1):
                                prev = best[i][state]
                                if prev is None or len(prev[1]) >= self.MAX_PARTS:
                                    continue
                                ns = 1 if (state or changed) else 0
                                sc = prev[0] + pscore - (0.1 if link else 0.0)
                                cur = best[jj][ns]
                                if cur is None or sc > cur[0]:
                                    best[jj][ns] = (sc, prev[1] + ((w, q, changed, link, is_lex, nplain),))
        plain, edited = best[n]

        def pack(state):
            if state is None or len(state[1]) < 2:
                return None
            return (state[0], "".join(p[0] + p[3] for p in state[1]),
                    tuple((w, q, ch, lex, npl) for w, q, ch, _, lex, npl in state[1]))

        out_plain, out_edit = pack(plain), pack(edited)
        if out_plain is None and out_edit is None:
            return None
        return out_plain, out_edit


# --------------------------------------------------------------------------------------------- text

_CACHE: dict[str, object] = {}
_CACHE_MAX = 500_000
_ANALYZER: _Analyzer | None = None


def clear_caches() -> None:
    """Forget every per-word decision (for benchmarks that measure a cold start; models stay loaded)."""
    global _ANALYZER
    _CACHE.clear()
    _ANALYZER = None
    if _MODELS is not None:
        _MODELS._umlaut.clear()


def _analyzer() -> _Analyzer:
    global _ANALYZER
    if _ANALYZER is None:
        _ANALYZER = _Analyzer(load_models())
    return _ANALYZER


def _decide(analyzer: _Analyzer, tok: str):
    dec = _CACHE.get(tok, 0)
    if dec == 0:
        dec = analyzer.classify(tok)
        if len(_CACHE) < _CACHE_MAX:
            _CACHE[tok] = dec
    return dec


def _sentence_start(text: str, start: int, short_line: bool = False) -> bool:
    """Does a sentence begin at ``start``: after . ! ? : ; a bullet, a blank line, a page break (or, with
    ``short_line``, the start of a line after a short line such as a heading)?"""
    i = start - 1
    newlines = 0
    while i >= 0 and text[i] in " \t\r\n\f":
        if text[i] == "\n":
            newlines += 1
        elif text[i] == "\f":
            return True
        i -= 1
    if i < 0 or newlines >= 2:
        return True
    if newlines == 1 and short_line:
        line_start = text.rfind("\n", 0, i) + 1
        if i + 1 - line_start < 45 and text[i] not in ",-":
            return True  # after a heading or another short line
    ch = text[i]
    if ch in ".!?:;•„“\"'(»«–-*":
        return True
    return False


def repair_text(text: str) -> Repaired:
    """Repair OCR damage in ``text``; pure (models are loaded once and cached)."""
    m = load_models()
    analyzer = _analyzer()

    # line-end hyphens: join decisions
    joins: dict[int, tuple[int, int, bool]] = {}  # left token end (hyphen pos) -> (gap_start, gap_end, keep_hyphen)
    for h in _HYPHEN.finditer(text):
        hpos = h.start(1)
        gap_end = h.end(2)
        left = text[hpos - 1]
        mt = _TOKEN.match(text, gap_end)
        right_word = mt.group(0) if mt else text[gap_end]
        if h.group(1) == "\u00ad":
            joins[hpos] = (hpos, gap_end, False)
        elif (left.isalpha() or (left in "63" and text[hpos - 2:hpos - 1].isalpha())) and right_word[0].islower():
            if right_word in _NON_JOIN:
                continue
            joins[hpos] = (hpos, gap_end, False)
        else:
            joins[hpos] = (h.start(2), gap_end, True)

    # pass 1: a decision per word (cached per word form); joined words count as one. Only words that are not
    # plainly kept are remembered.
    get = _CACHE.get
    pending: list = []  # [decision or 0, word, start, end, gap_start, gap_end]; gap -1: not joined
    intact = 0
    carry = None  # the left piece of a word hyphenated across a line end, waiting for its right piece
    soft_joins = {k: v for k, v in joins.items() if not v[2]}
    suffixes = m.suffix_words
    for mt in _TOKEN.finditer(text):
        if carry is not None:
            cm, gap_end = carry
            carry = None
            if mt.start() == gap_end:
                pending.append([0, cm.group() + mt.group(), cm.start(), mt.end(), cm.end(), gap_end])
                continue
            w = cm.group()
            pending.append([get(w, 0), w, cm.start(), cm.end(), -1, -1])
        if soft_joins:
            j = soft_joins.get(mt.end())
            if j is not None:
                carry = (mt, j[1])
                continue
        w = mt.group()
        d = get(w, 0)
        if d is None:
            if suffixes and w.endswith(suffixes):
                pending.append([d, w, mt.start(), mt.end(), -1, -1])
            continue
        if d is _KEEP_UMLAUT:
            intact += 1
            continue
        pending.append([d, w, mt.start(), mt.end(), -1, -1])
    if carry is not None:
        cm = carry[0]
        pending.append([get(cm.group(), 0), cm.group(), cm.start(), cm.end(), -1, -1])

    # words not seen before are analysed now; e-mail addresses, URLs and domain names are left alone
    protected = _protected_spans(text)
    starts = [p[0] for p in protected]
    damaged = 0
    work = []
    for item in pending:
        if protected:
            k = bisect.bisect_right(starts, item[2]) - 1
            if k >= 0 and item[2] < protected[k][1]:
                continue
        d = item[0]
        if d == 0 and d is not _KEEP_UMLAUT:
            d = _decide(analyzer, item[1])
            item[0] = d
        if d is _KEEP:
            if m.suffix_words and item[1].endswith(m.suffix_words):
                work.append(item)
            continue
        if d is _KEEP_UMLAUT:
            intact += 1
            continue
        if type(d) is _Fix and not d.tier:
            damaged += 1
        work.append(item)
    ratio = (damaged + 0.3) / (damaged + intact + 1.0)
    log_ratio = math.log10(ratio)
    # tier-1 repairs and typographic ones need evidence: words that OCR surely damaged
    damaged_doc = damaged > 0 and ratio >= _DAMAGED_DOC

    repairs: list[Repair] = []
    for dec, word, s, e, gs, ge in work:
        if dec is _KEEP:
            rep = _suffix_rule(m, word, text[e:e + 8])
            if rep:
                _emit(repairs, text, word, rep, s, e, gs, ge, 0.7, "context")
            continue
        kind = type(dec)
        if kind is _Fix:
            if dec.tier and not damaged_doc:
                continue
            rep = dec.repaired
            if dec.lower_mid and not _sentence_start(text, s):
                if dec.lower_mid == 1 or not _NOMINAL.search(text, max(0, s - 8), s):
                    rep = rep[0].lower() + rep[1:]
            _emit(repairs, text, word, rep, s, e, gs, ge, dec.confidence, dec.reason)
        elif kind is _Acronym:
            if e < len(text) and text[e] == "." and not dec.roman:
                continue
            _emit(repairs, text, word, dec.repaired, s, e, gs, ge, 0.85, "confusion")
        else:  # _Real
            if dec.needs_start and not _sentence_start(text, s, short_line=True):
                continue
            pm = _PREV_WORD.search(text, max(0, s - 60), s)
            prev = pm.group(1) if pm else None
            nm = _TOKEN.search(text, e)
            nxt = nm.group(0) if nm else None
            attached = nm is not None and text[e:nm.start()].isspace()
            fix = _real_decision(m, dec, prev, nxt, attached, log_ratio, text[e:e + 8])
            if fix:
                _emit(repairs, text, word, dec.twin, s, e, gs, ge, fix, dec.reason)

    # hyphenation repairs and the line break that moves
    for hpos, (gs, ge, keep) in joins.items():
        if keep:
            repairs.append(Repair(text[gs:ge], "", gs, ge, 0.9, "hyphenation"))
        else:
            # only when the word was joined (pieces are adjacent tokens)
            repairs.append(Repair(text[hpos:ge], "", hpos, ge, 0.9, "hyphenation"))
        # move the line break to the next space after the joined word
        mt = _TOKEN.match(text, ge)
        p = mt.end() if mt else ge
        limit = min(len(text), p + 4)
        while p < limit and not text[p].isspace():
            p += 1
        if p < len(text) and text[p] in " \t":
            repairs.append(Repair(text[p], "\n", p, p + 1, 0.9, "hyphenation"))

    # quotes: a low comma glued to the next word is the German opening quote; its closing quote is “
    for q in _QUOTE.finditer(text):
        if q.group(1) == "»":
            close = _GUILLEMET_CLOSE.search(text, q.end(1), q.end(1) + 400)
            if close is None or close.group(0) == "«":
                continue  # »…« are German quotes too
        repairs.append(Repair(q.group(1), "„", q.start(1), q.end(1), 0.8, "quote"))
    if "”" in text or '"' in text:
        for q in _CLOSING.finditer(text):
            repairs.append(Repair(q.group(1), "“", q.start(1), q.end(1), 0.7, "quote"))

    # punctuation and symbols (models/confusions_punct.tsv)
    for pattern, replacement, before, always in m.punct:
        if not (always or damaged_doc):
            continue
        for mt in pattern.finditer(text):
            a, b = mt.span("x")
            if before is not None:
                bm = before.search(text, max(0, a - 40), a)
                if bm is None:
                    continue
                if "b" in pattern.groupindex:
                    low = bm.group("a") if "a" in before.groupindex else mt.group("a")
                    if not int(low) < int(mt.group("b")):
                        continue  # 837-02 is a reference number, not a range
            repairs.append(Repair(text[a:b], replacement, a, b, 0.7, "confusion"))

    repairs.sort(key=lambda r: (r.start, r.end))
    # drop overlaps (keep the first)
    clean: list[Repair] = []
    last_end = -1
    for r in repairs:
        if r.start < last_end:
            continue
        clean.append(r)
        last_end = r.end
    parts = []
    pos = 0
    for r in clean:
        parts.append(text[pos:r.start])
        parts.append(r.repaired)
        pos = r.end
    parts.append(text[pos:])
    return Repaired("".join(parts), clean)


def _real_decision(m: Models, dec: _Real, prev, nxt, attached, log_ratio, after="") -> float:
    """Confidence of using the umlaut twin of a real word, 0 to keep it."""
    rule = m.rules.get(dec.rule_word) if dec.rule_word else None
    if rule is not None:
        twin, keeps, fixes = rule
        if twin == dec.twin.lower():
            for r in keeps:
                if r.holds(prev, nxt, attached, after):
                    return 0.0
            for r in fixes:
                if r.holds(prev, nxt, attached, after):
                    return 0.8
    if dec.gain + log_ratio >= 0.35:
        return 0.6
    return 0.0


def _suffix_rule(m: Models, word: str, after: str) -> str | None:
    """A word ending in a real word that OCR made of another in this context (``…strafe 12``)."""
    low = word.lower()
    for suffix, (twin, keeps, fixes) in m.suffix_rules.items():
        if not low.endswith(suffix):
            continue
        if any(r.holds(None, None, False, after) for r in keeps):
            return None
        if any(r.holds(None, None, False, after) for r in fixes):
            cut = len(word) - len(suffix)
            tail = twin
            if cut == 0 and word[0].isupper():
                tail = twin[0].upper() + twin[1:]
            return word[:cut] + tail
    return None


def _emit(repairs, text, word, rep, s, e, gs, ge, conf, reason):
    if rep == word:
        return
    if gs < 0:
        repairs.append(Repair(text[s:e], rep, s, e, conf, reason))
        return
    # a word joined across a line end: split the repair into the piece before and after the gap
    cut = gs - s  # length of the left piece in the joined word
    # align: common prefix/suffix of word and rep to find where the cut falls in rep
    rcut = _align_cut(word, rep, cut)
    if rcut is None:
        repairs.append(Repair(text[s:e], rep, s, e, conf, reason))
        return
    lw, rw = word[:cut], word[cut:]
    lr, rr = rep[:rcut], rep[rcut:]
    if lw != lr:
        repairs.append(Repair(lw, lr, s, gs, conf, reason))
    if rw != rr:
        repairs.append(Repair(rw, rr, ge, e, conf, reason))


def _align_cut(word: str, rep: str, cut: int) -> int | None:
    """Position in ``rep`` that corresponds to position ``cut`` of ``word`` (None if a change straddles it)."""
    sm = difflib.SequenceMatcher(None, word, rep, autojunk=False)
    for tag, a0, a1, b0, b1 in sm.get_opcodes():
        if a0 <= cut <= a1:
            if tag == "equal":
                return b0 + (cut - a0)
            if cut == a0:
                return b0
            if cut == a1:
                return b1
            return None
    return len(rep)
