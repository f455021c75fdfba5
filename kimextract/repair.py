"""Repair what OCR did to German text: lost umlauts and ß, ``Kl`` for ``KI``, ``,`` for ``„``, words
hyphenated across a line end.

``repair_text(text)`` returns a :class:`Repaired` view: the repaired text, the list of repairs (with offsets
in the original text) and ``to_original`` to map an offset of the repaired text back. The layout is kept:
line breaks and form feeds stay where they are, except that a word hyphenated across a line end is joined
and its line break moves to the next space.

Method (data under ``models/``, built by ``scripts/build_models.py``, described in ``models/README.md``):

1. Every word is looked up in a German lexicon (wngerman + hunspell de_DE expanded + domain terms). A known
   word is kept, unless it is a *real-word twin* of an umlaut word (``Forderung``/``Förderung``).
2. An unknown word gets candidates from the OCR confusion table (``é``->``ö``, ``ii``->``ü``, ``fR``->``ß``
   ...; plain ``a``/``o``/``u``/``ss`` are covered by looking words up by their umlaut-free skeleton). The
   candidates are scored with wordfreq frequencies and confusion costs.
3. A word no list holds is split into compound parts with linking elements
   (``Einbürgerung|s|behörde``), each part repaired the same way; a reading without changes wins unless the
   changed one is clearly more frequent (``Warendorf`` stays, ``Fordervolumen`` becomes ``Fördervolumen``).
4. Real-word twins are decided by context rules kept as data (``in Hohe von`` -> ``in Höhe von``) and else
   by frequency, weighed by how damaged the document's umlauts are (clean text is never touched this way).

Decisions per word form are cached in a module-level dict, so repair is fast on long texts.
"""

from __future__ import annotations

import bisect
import gzip
import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Repair", "Repaired", "repair_text", "load_models"]

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
        to the same character of the original, clamped to the span."""
        if pos <= 0:
            return 0
        if pos >= len(self.text):
            return self.original_length
        k = bisect.bisect_right(self._rep_starts, pos) - 1
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
_LINKS = ("s", "es", "n", "en", "e", "er", "ns")
_UPPER_UMLAUT = {"ä": "Ä", "ö": "Ö", "ü": "Ü"}


def _skel(word_lower: str) -> str:
    return word_lower.translate(_SKEL).replace("ß", "ss")


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
    __slots__ = ("action", "prev", "next_in", "next_not", "next_lower", "next_upper")

    def __init__(self, action: str, conditions: str):
        self.action = action
        self.prev = self.next_in = self.next_not = None
        self.next_lower = self.next_upper = False
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
            elif cond != "always":
                raise ValueError(f"unknown condition {cond!r} in realword_rules.tsv")

    def holds(self, prev: str | None, nxt: str | None, next_attached: bool) -> bool:
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
        words = _read_gz_lines(folder / "lexicon_words.txt.gz")
        self.words: set[str] = set(words)
        self.lower: set[str] = {w.lower() for w in words}
        self.heads: set[str] = set()
        self.tails: set[str] = set()
        for line in _read_gz_lines(folder / "lexicon_parts.txt.gz"):
            kind, _, part = line.partition("\t")
            (self.heads if kind == "B" else self.tails).add(part)
        # skeleton -> [(word, zipf, is_word, may_head, may_tail, is_lexicon)]
        self.umlaut: dict[str, list[tuple]] = {}
        self.zipf: dict[str, float] = {}
        for line in _read_gz_lines(folder / "lexicon_umlaut.tsv.gz"):
            sk, w, z, flags = line.split("\t")
            zf = float(z)
            self.zipf[w] = zf
            is_word = "L" in flags or "W" in flags
            entry = (w, zf, is_word, is_word or "B" in flags, is_word or "E" in flags, "L" in flags)
            self.umlaut.setdefault(sk, []).append(entry)
        for line in _read_gz_lines(folder / "lexicon_twins.tsv.gz"):
            w, z = line.split("\t")
            self.zipf[w] = float(z)
        self.twins = {w for w in self.zipf if not (_UMLAUTS & set(w))}
        self.head_score: dict[str, float] = {}
        for line in _read_gz_lines(folder / "lexicon_heads.tsv.gz"):
            w, z = line.split("\t")
            self.head_score[w] = float(z)
        self.boost: dict[str, float] = {}
        self.acronyms: set[str] = set()
        for row in _read_table(folder / "domain_terms.tsv"):
            term, kind = row[0], row[1]
            boost = float(row[2]) if len(row) > 2 and row[2] else 0.0
            if kind == "acronym":
                self.acronyms.add(term)
                continue
            self.words.add(term)
            low = term.lower()
            self.lower.add(low)
            if boost:
                self.boost[low] = boost
            if _UMLAUTS & set(low):
                sk = _skel(low)
                entries = self.umlaut.setdefault(sk, [])
                if not any(e[0] == low for e in entries):
                    entries.append((low, max(self.zipf.get(low, 0.0), 2.5), True, True, True, True))
                else:
                    entries[:] = [(e[0], e[1], True, True, True, True) if e[0] == low else e for e in entries]
                for t in (low.translate(_SKEL), sk):
                    if t in self.lower and t not in self.twins:
                        self.twins.add(t)
        self.confusions: list[_Confusion] = []
        for row in _read_table(folder / "confusions.tsv"):
            self.confusions.append(_Confusion(row[0], row[1], row[2], float(row[3])))
        self.confusion_first = {}
        for c in self.confusions:
            self.confusion_first.setdefault(c.ocr[0], []).append(c)
        self.rules: dict[str, tuple[str, list[_Rule], list[_Rule]]] = {}
        for row in _read_table(folder / "realword_rules.tsv"):
            word, twin, action = row[0], row[1], row[2]
            cond = row[3] if len(row) > 3 else "always"
            _, keeps, fixes = self.rules.setdefault(word, (twin, [], []))
            (keeps if action == "keep" else fixes).append(_Rule(action, cond))

    # -- lexicon checks
    def is_word(self, tok: str) -> bool:
        """Known standalone word in this case (a lower-case word may be capitalised, a noun not lowered)."""
        if tok in self.words:
            return True
        if tok[0].isupper() and (tok[0].lower() + tok[1:]) in self.words:
            return True
        return False


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

_TOKEN = re.compile(r"[^\W\d_][^\W_]*")
_ACRONYM = re.compile(r"^(?=[^l1]*[A-ZÄÖÜ])[A-ZÄÖÜl1]{2,6}$")
_HYPHEN = re.compile(r"(?<=\w)([-\u00ad])([ \t]*\n[ \t]*)(?=\w)")
_QUOTE = re.compile(r"(?<![^\s(])(,,?|‚‚?)(?=[^\W\d_])")
_NON_JOIN = frozenset("und oder bzw sowie bis als wie noch respektive resp beziehungsweise u o".split())

# decision kinds
_KEEP = None
_KEEP_UMLAUT = 1  # a correct word holding an umlaut: evidence that the document's umlauts survived


class _Fix:
    __slots__ = ("repaired", "confidence", "reason", "lower_mid", "edits")

    def __init__(self, repaired, confidence, reason, lower_mid=False, edits=()):
        self.repaired, self.confidence, self.reason = repaired, confidence, reason
        self.lower_mid = lower_mid
        self.edits = edits  # ((start, end, new), ...) in the word, for words joined across a line end


class _Real:
    __slots__ = ("twin", "gain", "rule_word")

    def __init__(self, twin, gain, rule_word):
        self.twin, self.gain, self.rule_word = twin, gain, rule_word


class _Acronym:
    __slots__ = ("repaired",)

    def __init__(self, repaired):
        self.repaired = repaired


def _match_case(tok: str, cand: str) -> str:
    """Give the candidate (lower case) the case of the OCR word: capital first letter, or all caps."""
    if tok.isupper() and len(tok) > 1:
        return cand.upper().replace("SS", "SS")
    if tok[0].isupper():
        first = cand[0]
        return _UPPER_UMLAUT.get(first, first.upper()) + cand[1:]
    return cand


def _consistent(variant: str, cand: str) -> tuple[int, list[tuple[int, int, str]]] | None:
    """Does the umlaut word ``cand`` read as ``variant`` with only plain confusions (ä->a, ß->ss)?
    Returns (number of plain edits, edits as (start, end, new) in ``variant``)."""
    i = j = 0
    nv, nc = len(variant), len(cand)
    edits = []
    while i < nv and j < nc:
        a, b = variant[i], cand[j]
        if a == b:
            i += 1
            j += 1
        elif b == "ß" and variant.startswith("ss", i):
            edits.append((i, i + 2, "ß"))
            i += 2
            j += 1
        elif b in "äöü" and a == b.translate(_SKEL):
            edits.append((i, i + 1, b))
            i += 1
            j += 1
        else:
            return None
    if i != nv or j != nc:
        return None
    return len(edits), edits


class _Analyzer:
    """Per word form: keep, fix, real-word twin or acronym. Results are cached by the caller."""

    MAX_SUBS = 3

    def __init__(self, m: Models):
        self.m = m

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
                    if w != "any" and i == 0:
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
        """(variant lower-case string, exotic cost, [(start, end, new)] edits in tok coordinates) for every
        choice of at most ``max_subs`` non-overlapping sites inside tok[lo:hi]."""
        if hi is None:
            hi = len(tok)
        seg = tok[lo:hi]
        inside = [s for s in sites if s[0] >= lo and s[1] <= hi]
        yield seg.lower(), 0.0, ()
        if not inside:
            return
        inside.sort()
        m = len(inside)

        def rec(idx, chosen, cost):
            for k in range(idx, m):
                s = inside[k]
                if chosen and s[0] < chosen[-1][1]:
                    continue
                ch = chosen + [s]
                c2 = cost + s[3]
                parts = []
                pos = lo
                for a, b, t, _ in ch:
                    parts.append(tok[pos:a])
                    parts.append(t)
                    pos = b
                parts.append(tok[pos:hi])
                yield "".join(parts).lower(), c2, tuple((a, b, t) for a, b, t, _ in ch)
                if len(ch) < max_subs:
                    yield from rec(k + 1, ch, c2)

        yield from rec(0, [], 0.0)

    # -------------------------------------------------------------- classification
    def classify(self, tok: str):
        m = self.m
        n = len(tok)
        if n < 2:
            return _KEEP
        if not tok.isalpha():
            if any(ch.isdigit() and ch not in "63" for ch in tok):
                return _KEEP
        if _ACRONYM.match(tok) and ("l" in tok or "1" in tok):
            rep = tok.replace("l", "I").replace("1", "I")
            if rep in m.acronyms and not m.is_word(tok):
                return _Acronym(rep)
            return _KEEP
        if tok.isupper():
            return _KEEP
        # inner capitals are only allowed as parts of a confusion (fR, lR, B)
        inner_caps = [i for i in range(1, n) if tok[i].isupper()]
        if m.is_word(tok):
            return self._known(tok)
        low = tok.lower()
        sites = self.sites(tok)
        if inner_caps:
            covered = set()
            for a, b, _, _ in sites:
                covered.update(range(a, b))
            if any(i not in covered for i in inner_caps):
                return _KEEP
        best = self._whole(tok, low, sites)
        cpd = None
        if best is None or best[3] < 2.0:
            cpd = self._compound(tok, sites)
        if cpd is not None:
            plain, edited = cpd
            if best is not None and plain is not None:
                # a known compound without changes competes with a rare whole-word candidate
                if best[0] - 0.3 < plain[0]:
                    best = None
            if best is None:
                if edited is None or (plain is not None and edited[0] < plain[0] + 0.5):
                    return _KEEP
                score, cand, edits, conf = edited
                return self._make_fix(tok, cand, edits, conf, "compound")
        if best is None:
            return _KEEP
        score, cand, edits, zipf, exotic = best
        conf = 0.9 if zipf >= 2.5 else 0.75
        return self._make_fix(tok, cand, edits, conf, "confusion" if exotic else "lexicon")

    def _make_fix(self, tok, cand_lower, edits, conf, reason):
        m = self.m
        rep = _match_case(tok, cand_lower)
        lower_mid = False
        if tok[0] in "UAO" and rep[0] in "ÜÄÖ" and cand_lower in m.words and rep not in m.words:
            lower_mid = True
        return _Fix(rep, conf, reason, lower_mid, tuple(edits))

    def _known(self, tok: str):
        m = self.m
        low = tok.lower()
        if _UMLAUTS & set(low):
            return _KEEP_UMLAUT
        if low not in m.twins:
            return _KEEP
        cands = m.umlaut.get(_skel(low), ())
        best = None
        for w, z, is_word, _, _, is_lex in cands:
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
        return _Real(best[0], gain, low)

    def _whole(self, tok, low, sites):
        """Best whole-word candidate: (score, cand, edits, zipf, exotic) or None."""
        m = self.m
        best = None
        max_subs = self.MAX_SUBS if len(sites) <= 8 else 2
        for var, cost, subs in self.variants(tok, sites, max_subs=max_subs):
            entries = m.umlaut.get(_skel(var))
            if not entries:
                continue
            for w, z, is_word, _, _, is_lex in entries:
                if not is_word:
                    continue
                if not is_lex and z < 3.0 and len(w) < 6:
                    continue
                res = _consistent(var, w)
                if res is None:
                    continue
                nplain, plain_edits = res
                if not subs and not nplain:
                    continue
                score = z + (0.5 if is_lex else 0.0) - cost - 0.15 * nplain
                if best is None or score > best[0]:
                    best = (score, w, subs, z, bool(subs))
        return best

    def _compound(self, tok, sites):
        """Split into compound parts. Returns (plain, edited): the best reading without changes and the best
        with changes, each (score, cand, edits, conf) or None; None if no split at all."""
        m = self.m
        n = len(tok)
        if n < 6:
            return None
        # state per position: (score, parts, edits, cand pieces) for plain (0) and edited (1)
        best = [[None, None] for _ in range(n + 1)]
        best[0][0] = (0.0, 0, (), "")
        lower, heads, tails, umlaut, head_score, zipf = m.lower, m.heads, m.tails, m.umlaut, m.head_score, m.zipf
        for i in range(n):
            if best[i][0] is None and best[i][1] is None:
                continue
            for j in range(i + 3, min(n, i + 24) + 1):
                final = j == n
                for var, cost, subs in self.variants(tok, sites, i, j, max_subs=2):
                    options = []
                    # plain part
                    if not subs:
                        if var in lower or (var in tails if final else var in heads):
                            z = zipf.get(var, 3.0)
                            if not final:
                                z = max(z, head_score.get(var, 0.0)) if var in head_score else z
                            options.append((var, z, 0, ()))
                    entries = umlaut.get(_skel(var))
                    if entries:
                        for w, z, is_word, may_head, may_tail, _ in entries:
                            if not (may_tail if final else may_head):
                                continue
                            res = _consistent(var, w)
                            if res is None:
                                continue
                            nplain, plain_edits = res
                            if not nplain and not subs:
                                continue
                            if not final:
                                z = max(z, head_score.get(w, 0.0))
                            options.append((w, z, nplain, subs))
                    if not options:
                        continue
                    links = ("",) if final else ("",) + tuple(l for l in _LINKS if tok.startswith(l, j) and j + len(l) < n - 2)
                    for w, z, nplain, edits in options:
                        edited = 1 if (edits or nplain) else 0
                        pscore = 0.3 * min(z, 5.0) - 1.0 - (0.4 if len(w) < 4 else 0.0) - cost - 0.1 * nplain
                        for link in links:
                            jj = j + len(link)
                            for state in (0, 1):
                                prev = best[i][state]
                                if prev is None or prev[1] >= 4:
                                    continue
                                ns = state | edited
                                sc = prev[0] + pscore - (0.05 if link else 0.0)
                                cur = best[jj][ns]
                                if cur is None or sc > cur[0]:
                                    best[jj][ns] = (sc, prev[1] + 1, prev[2] + edits, prev[3] + w + link)
        plain, edited = best[n]
        if plain is None and edited is None:
            return None
        out_plain = None if plain is None or plain[1] < 2 else (plain[0], plain[3], (), 0.0)
        out_edit = None
        if edited is not None and edited[1] >= 2:
            out_edit = (edited[0], edited[3], edited[2], 0.75)
        if out_plain is None and out_edit is None:
            return None
        return out_plain, out_edit


# --------------------------------------------------------------------------------------------- text

_CACHE: dict[str, object] = {}
_CACHE_MAX = 500_000


def _decide(analyzer: _Analyzer, tok: str):
    dec = _CACHE.get(tok, 0)
    if dec == 0:
        dec = analyzer.classify(tok)
        if len(_CACHE) < _CACHE_MAX:
            _CACHE[tok] = dec
    return dec


def _sentence_start(text: str, start: int) -> bool:
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
    ch = text[i]
    if ch in ".!?:;•„“\"'(»«–-*":
        return True
    return False


def repair_text(text: str) -> Repaired:
    """Repair OCR damage in ``text``; pure (models are loaded once and cached)."""
    m = load_models()
    analyzer = _Analyzer(m)

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
        elif left.isalpha() and right_word[0].islower():
            if right_word in _NON_JOIN:
                continue
            joins[hpos] = (hpos, gap_end, False)
        else:
            joins[hpos] = (h.start(2), gap_end, True)

    # tokens (words joined across a soft line-end hyphen become one token with two pieces)
    toks: list[tuple[str, int, int, int, int]] = []  # (word, start, end, gap_start, gap_end); gap=-1 if none
    matches = list(_TOKEN.finditer(text))
    idx = 0
    nm = len(matches)
    while idx < nm:
        mt = matches[idx]
        s, e = mt.span()
        j = joins.get(e)
        if j is not None and not j[2] and idx + 1 < nm and matches[idx + 1].start() == j[1]:
            nxt = matches[idx + 1]
            toks.append((mt.group(0) + nxt.group(0), s, nxt.end(), e, j[1]))
            idx += 2
            continue
        toks.append((mt.group(0), s, e, -1, -1))
        idx += 1

    # pass 1: decisions per word, evidence of damage
    decisions = []
    damaged = intact = 0
    for tok in toks:
        dec = _decide(analyzer, tok[0])
        decisions.append(dec)
        if dec is _KEEP:
            continue
        if dec is _KEEP_UMLAUT:
            intact += 1
        elif type(dec) is _Fix:
            damaged += 1
    ratio = (damaged + 0.5) / (damaged + intact + 1.0)
    log_ratio = math.log10(ratio)

    repairs: list[Repair] = []
    ntok = len(toks)
    for k in range(ntok):
        dec = decisions[k]
        if dec is _KEEP or dec is _KEEP_UMLAUT:
            continue
        word, s, e, gs, ge = toks[k]
        kind = type(dec)
        if kind is _Fix:
            rep = dec.repaired
            if dec.lower_mid and not _sentence_start(text, s):
                rep = rep[0].lower() + rep[1:]
            _emit(repairs, text, word, rep, s, e, gs, ge, dec.confidence, dec.reason)
        elif kind is _Acronym:
            if e < len(text) and text[e] == ".":
                continue
            _emit(repairs, text, word, dec.repaired, s, e, gs, ge, 0.85, "confusion")
        else:  # _Real
            prev = toks[k - 1][0] if k > 0 and text[toks[k - 1][2]:s].isspace() else None
            nxt = toks[k + 1][0] if k + 1 < ntok else None
            attached = nxt is not None and text[e:toks[k + 1][1]].isspace()
            fix = _real_decision(m, dec, prev, nxt, attached, log_ratio)
            if fix:
                _emit(repairs, text, word, dec.twin, s, e, gs, ge, fix, "context")

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

    # quotes: a low comma glued to the next word is the German opening quote
    for q in _QUOTE.finditer(text):
        repairs.append(Repair(q.group(1), "„", q.start(1), q.end(1), 0.8, "quote"))

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


def _real_decision(m: Models, dec: _Real, prev, nxt, attached, log_ratio) -> float:
    """Confidence of using the umlaut twin of a real word, 0 to keep it."""
    rule = m.rules.get(dec.rule_word)
    if rule is not None:
        twin, keeps, fixes = rule
        if twin == dec.twin.lower():
            for r in keeps:
                if r.holds(prev, nxt, attached):
                    return 0.0
            for r in fixes:
                if r.holds(prev, nxt, attached):
                    return 0.8
    if dec.gain + log_ratio >= 0.35:
        return 0.6
    return 0.0


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
    import difflib

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
