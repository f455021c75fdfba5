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

Decisions per word form are cached in a module-level dict (in :mod:`kimextract.repair_words`), so repair is
fast on long texts.

This module holds the records, the text-level flow and the edits; a word's readings are found in
:mod:`kimextract.repair_candidates` and decided on in :mod:`kimextract.repair_words` (with the context
rules); the data is loaded by :mod:`kimextract.lexicon`.
"""

from __future__ import annotations

import bisect
import difflib
import math
import re
from dataclasses import dataclass, field

from .lexicon import Models, clear_parsed_entries, load_models
from .repair_words import (DECISIONS, KEEP, KEEP_UMLAUT, Acronym, Fix, decide, forget_decisions, real_decision,
                           sentence_start, suffix_rule)

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


# --------------------------------------------------------------------------------------------- text

_TOKEN = re.compile(r"[^\W\d_][^\W_]*(?:[&@®](?<=[a-zäöü][&@®])(?![A-Z0-9])[^\W_]*)*"
                    r"|6(?<!\w6)(?=[a-zäöüß]{3})[^\W_]*")  # a word; 6 for ö may begin one; & ® @ for ß inside
_NOMINAL = re.compile(r"(?:^|\W)(?:im|am|zum|vom|beim|das|ein|eine|einen|einem|eines|einer)\s+\Z", re.I)
_DAMAGED_DOC = 0.2  # share of damaged umlaut words from which a document counts as OCR-damaged
_PREV_WORD = re.compile(r"([^\W\d_][^\W_]*)\s+$")
_HYPHEN = re.compile(r"([-\u00ad])(?<=\w[-\u00ad])([ \t]*\r?\n[ \t]*)(?=\w)")
_NON_JOIN = frozenset("und oder bzw sowie bis als wie noch respektive resp beziehungsweise u o".split())
_PROTECT = re.compile(r"@(?=[\w-]+\.\w)|://|www\.|\.(?:de|com|org|net|eu|nrw|info)\b")
_QUOTE = re.compile(r"([,‚»](?<![^\s(][,‚»])(?:(?<=,),|(?<=‚)‚)?)(?=[^\W\d_])")
_CLOSING = re.compile(r"(?:„|(?<![^\s(])(?:,,?|»))[^„“”\"’‘\n]{1,300}?(?:\n[^„“”\"’‘\n]{1,300}?){0,3}"
                      r"(?:(?<=\w)|(?<=\w[.)]))([”\"]|[’‘](?=[\s.,;:!?)]))")
_GUILLEMET_CLOSE = re.compile(r"[«“”\"]")


def clear_caches() -> None:
    """Forget every per-word decision (for benchmarks that measure a cold start; models stay loaded)."""
    forget_decisions()
    clear_parsed_entries()


def repair_text(text: str) -> Repaired:
    """Repair OCR damage in ``text``; pure (models are loaded once and cached)."""
    m = load_models()
    joins = _hyphen_joins(text)
    pending, intact = _words(text, joins, m.suffix_words)
    work, damaged, more_intact = _decide_words(text, pending, m.suffix_words)
    intact += more_intact
    ratio = (damaged + 0.3) / (damaged + intact + 1.0)
    # tier-1 repairs and typographic ones need evidence: words that OCR surely damaged
    damaged_doc = damaged > 0 and ratio >= _DAMAGED_DOC
    repairs = _word_repairs(text, work, m, damaged_doc, math.log10(ratio))
    repairs += _hyphenation_repairs(text, joins)
    repairs += _quote_repairs(text)
    repairs += _punct_repairs(text, m, damaged_doc)
    return _apply(text, repairs)


def _hyphen_joins(text: str) -> dict[int, tuple[int, int, bool]]:
    """Line-end hyphens: the position of each -> (start, end of the text that goes, whether the hyphen stays).
    A word split across a line end is joined; before a capital (``Nordrhein-|Westfalen``) only the line break
    goes; before ``und``, ``oder`` … (``Ausländer-|und``) nothing does."""
    joins: dict[int, tuple[int, int, bool]] = {}
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
    return joins


def _words(text: str, joins: dict[int, tuple[int, int, bool]], suffixes: tuple[str, ...]) -> tuple[list, int]:
    """Pass 1: the words that are not plainly kept, by the decisions cached per word form, each as [decision
    or 0, word, start, end, gap start, gap end] (gap -1: not joined); a word joined across a line end counts
    as one. Returns them and the number of intact umlaut words."""
    get = DECISIONS.get
    pending: list = []
    intact = 0
    carry = None  # the left piece of a word hyphenated across a line end, waiting for its right piece
    soft_joins = {k: v for k, v in joins.items() if not v[2]}
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
        if d is KEEP:
            if suffixes and w.endswith(suffixes):
                pending.append([d, w, mt.start(), mt.end(), -1, -1])
            continue
        if d is KEEP_UMLAUT:
            intact += 1
            continue
        pending.append([d, w, mt.start(), mt.end(), -1, -1])
    if carry is not None:
        cm = carry[0]
        pending.append([get(cm.group(), 0), cm.group(), cm.start(), cm.end(), -1, -1])
    return pending, intact


def _decide_words(text: str, pending: list, suffixes: tuple[str, ...]) -> tuple[list, int, int]:
    """Pass 2: words not seen before are analysed now; e-mail addresses, URLs and domain names are left
    alone. Returns the words to repair (or to check against the context rules), the number of surely
    damaged words and that of intact umlaut words among them."""
    protected = _protected_spans(text)
    starts = [p[0] for p in protected]
    damaged = intact = 0
    work = []
    for item in pending:
        if protected:
            k = bisect.bisect_right(starts, item[2]) - 1
            if k >= 0 and item[2] < protected[k][1]:
                continue
        d = item[0]
        if d == 0 and d is not KEEP_UMLAUT:
            d = decide(item[1])
            item[0] = d
        if d is KEEP:
            if suffixes and item[1].endswith(suffixes):
                work.append(item)
            continue
        if d is KEEP_UMLAUT:
            intact += 1
            continue
        if type(d) is Fix and not d.tier:
            damaged += 1
        work.append(item)
    return work, damaged, intact


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


def _word_repairs(text: str, work: list, m: Models, damaged_doc: bool, log_ratio: float) -> list[Repair]:
    """The repairs of the words decided on, in their context: case inside a sentence, evidence of damage,
    the context rules of real words."""
    repairs: list[Repair] = []
    for dec, word, s, e, gs, ge in work:
        if dec is KEEP:
            rep = suffix_rule(m, word, text[e:e + 8])
            if rep:
                _emit(repairs, text, word, rep, s, e, gs, ge, 0.7, "context")
            continue
        kind = type(dec)
        if kind is Fix:
            if dec.tier and not damaged_doc:
                continue
            rep = dec.repaired
            if dec.lower_mid and not sentence_start(text, s):
                if dec.lower_mid == 1 or not _NOMINAL.search(text, max(0, s - 8), s):
                    rep = rep[0].lower() + rep[1:]
            _emit(repairs, text, word, rep, s, e, gs, ge, dec.confidence, dec.reason)
        elif kind is Acronym:
            if e < len(text) and text[e] == "." and not dec.roman:
                continue
            _emit(repairs, text, word, dec.repaired, s, e, gs, ge, 0.85, "confusion")
        else:  # Real
            if dec.needs_start and not sentence_start(text, s, short_line=True):
                continue
            pm = _PREV_WORD.search(text, max(0, s - 60), s)
            prev = pm.group(1) if pm else None
            nm = _TOKEN.search(text, e)
            nxt = nm.group(0) if nm else None
            attached = nm is not None and text[e:nm.start()].isspace()
            fix = real_decision(m, dec, prev, nxt, attached, log_ratio, text[e:e + 8])
            if fix:
                _emit(repairs, text, word, dec.twin, s, e, gs, ge, fix, dec.reason)
    return repairs


def _hyphenation_repairs(text: str, joins: dict[int, tuple[int, int, bool]]) -> list[Repair]:
    """The line-end hyphens that go, and the line break of a joined word moved to the next space."""
    repairs: list[Repair] = []
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
    return repairs


def _quote_repairs(text: str) -> list[Repair]:
    """A low comma glued to the next word is the German opening quote; its closing quote is “."""
    repairs: list[Repair] = []
    for q in _QUOTE.finditer(text):
        if q.group(1) == "»":
            close = _GUILLEMET_CLOSE.search(text, q.end(1), q.end(1) + 400)
            if close is None or close.group(0) == "«":
                continue  # »…« are German quotes too
        repairs.append(Repair(q.group(1), "„", q.start(1), q.end(1), 0.8, "quote"))
    if "”" in text or '"' in text:
        for q in _CLOSING.finditer(text):
            repairs.append(Repair(q.group(1), "“", q.start(1), q.end(1), 0.7, "quote"))
    return repairs


def _punct_repairs(text: str, m: Models, damaged_doc: bool) -> list[Repair]:
    """Punctuation and symbols (models/confusions_punct.tsv); some only in a text that shows OCR damage."""
    repairs: list[Repair] = []
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
    return repairs


# --------------------------------------------------------------------------------------------- edits

def _apply(text: str, repairs: list[Repair]) -> Repaired:
    """The repaired view: repairs in text order, of overlapping ones the first, applied to the text."""
    repairs.sort(key=lambda r: (r.start, r.end))
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
