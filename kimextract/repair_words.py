"""What to do with one OCR'd word form, and with a real word in its context.

:class:`WordAnalyzer` decides per word form, without context: keep it (:data:`KEEP`, :data:`KEEP_UMLAUT`),
repair it (:class:`Fix`), or leave a real word whose umlaut twin may be meant to the context
(:class:`Real`); an acronym whose I OCR read as l becomes an :class:`Acronym`. The readings it scores come
from :mod:`kimextract.repair_candidates`; :func:`decide` caches its decisions per word form.
:func:`real_decision` and :func:`suffix_rule` then apply the context rules of ``models/realword_rules.tsv``
where the word stands.
"""

from __future__ import annotations

import re

from .lexicon import UMLAUTS, Models, load_models, skeleton
from .repair_candidates import (MAX_SUBS, blind_reading, confusion_sites, consistent, is_plain_compound,
                                is_strong, match_case, number_reading, split_compound, variants)

_STRONG = re.compile(r"[éèêóòáàâúùû&@368]|ii|(?<=.)[A-ZÄÖÜ]")  # what OCR makes and German words rarely hold
_ROMAN = re.compile(r"^[IVX]+$")
_ACRONYM = re.compile(r"^(?=[^l1]*[A-ZÄÖÜ])[A-ZÄÖÜl1]{2,6}$")

# decision kinds
KEEP = None
KEEP_UMLAUT = 1  # a correct word holding an umlaut: evidence that the document's umlauts survived


class Fix:
    """Repair the word form to ``repaired``."""

    __slots__ = ("repaired", "confidence", "reason", "lower_mid", "tier")

    def __init__(self, repaired, confidence, reason, lower_mid=False, tier=0):
        self.repaired, self.confidence, self.reason = repaired, confidence, reason
        self.lower_mid = lower_mid
        # 0: sure enough anywhere; 1: only where the document shows OCR damage (a weak confusion such as
        # i for ü, a rare word, a guess), as an unknown word in clean text is more likely a name
        self.tier = tier


class Real:
    """A real word whose umlaut ``twin`` may be meant: its context decides (see :func:`real_decision`)."""

    __slots__ = ("twin", "gain", "rule_word", "needs_start", "reason")

    def __init__(self, twin, gain, rule_word, needs_start=False, reason="context"):
        self.twin, self.gain, self.rule_word = twin, gain, rule_word
        self.reason = reason
        self.needs_start = needs_start  # the twin is capitalised only as the first word of a sentence


class Acronym:
    """An acronym whose I OCR read as l or 1 (``Kl`` -> ``KI``), or whose Ä as A (``VZA`` -> ``VZÄ``)."""

    __slots__ = ("repaired", "roman")

    def __init__(self, repaired, roman=False):
        self.repaired = repaired
        self.roman = roman  # may stand before a full stop: a Roman numeral ("III."), VZÄ (not "Kl." = Klasse)


class WordAnalyzer:
    """Per word form: keep, fix, real-word twin or acronym. Results are cached by :func:`decide`."""

    def __init__(self, m: Models):
        self.m = m
        self.part_cache: dict = {}  # (segment reading, final, changed, known) -> compound part options

    def classify(self, tok: str):
        """The decision on ``tok``: KEEP, KEEP_UMLAUT, a Fix, a Real or an Acronym."""
        m = self.m
        if len(tok) < 2:
            return KEEP
        if not tok.isalpha():
            if any(ch.isdigit() and ch not in "638" for ch in tok):
                return KEEP
        if ("l" in tok or "1" in tok) and _ACRONYM.match(tok):
            rep = tok.replace("l", "I").replace("1", "I")
            if rep in m.acronyms and not m.is_word(tok):
                return Acronym(rep, _ROMAN.match(rep) is not None)
            return KEEP
        if tok.isupper():
            if not m.is_word(tok):
                acro = m.acronym_skel.get(skeleton(tok.lower().replace("6", "ö")))
                if acro is not None and acro != tok:
                    return Acronym(acro, True)
                return self._capitals(tok)
            return KEEP
        if m.is_word(tok):
            return self._known(tok)
        return self._unknown(tok)

    def _capitals(self, tok: str):
        """A word in capitals (a letterhead's 'BEZIRKSREGIERUNG MUNSTER'): read as the word it spells, and
        repaired only where that gives its umlauts back."""
        if len(tok) < 3 or not tok.isalpha():
            return KEEP
        decision = self.classify(tok.capitalize())
        if isinstance(decision, Fix) and skeleton(decision.repaired.lower()) == skeleton(tok.lower()):
            return Fix(decision.repaired.upper(), decision.confidence, decision.reason, False, max(decision.tier, 1))
        return KEEP

    def _unknown(self, tok: str):
        """A word no list holds as it stands: the best reading of the whole word, a number in words, a
        compound, else the weaker guesses."""
        m = self.m
        sites = confusion_sites(m, tok)
        inner_caps = [i for i in range(1, len(tok)) if tok[i].isupper()]
        if inner_caps:  # inner capitals only as part of a confusion (fR, lR, B)
            covered = set()
            for a, b, _, _ in sites:
                covered.update(range(a, b))
            if any(i not in covered for i in inner_caps):
                return KEEP
        best = self._whole(tok, sites)
        if best is not None and (best[5] or best[3] >= 2.0):
            score, cand, subs, zipf, exotic, is_lex = best
            sure = is_lex and (zipf >= 3.5 or (zipf >= 2.5 and all(is_strong(tok[a:b]) for a, b, _ in subs)))
            return self._make_fix(tok, cand, 0.9 if sure else 0.75, "confusion" if exotic else "lexicon",
                                  0 if sure else 1)
        if m.is_part(tok.lower(), True):
            return KEEP  # a known word in another case (a line-broken noun, a capitalised verb)
        num = number_reading(tok, sites)
        if num is not None:
            return KEEP if num == tok.lower() else Fix(match_case(tok, num), 0.85, "compound")
        cpd = self._compound(tok, sites)
        if cpd != 0:
            return cpd
        if best is not None:  # only a rare word attested by wordfreq alone
            return self._make_fix(tok, best[1], 0.6, "confusion" if best[4] else "lexicon", 1)
        free = self._free_head(tok, sites)
        if free is not None:
            return free
        dropped = self._dropped(tok, sites)
        if dropped is not None:
            return dropped
        blind = blind_reading(tok)
        if blind is not None:
            return Fix(blind, 0.5, "confusion", False, 1)
        return KEEP

    def _compound(self, tok, sites):
        """The word as a compound of known parts. Returns a decision, or 0 if no split reads it."""
        if not _STRONG.search(tok) and is_plain_compound(self.m, tok):
            return KEEP  # a compound of known parts, none of which has an umlaut twin
        cpd = split_compound(self.m, tok, sites, self.part_cache)
        plain, edited = cpd if cpd is not None else (None, None)
        if plain is not None:
            if edited is not None and edited[0] >= plain[0] + 0.1:
                # a compound of real words whose umlaut reading is more frequent (Forderbaustein): decided
                # like a real word, by how damaged the document is; the gain in Zipf points, without the
                # cost of the edits
                cand = match_case(tok, edited[1])
                gain = 2.0 * (edited[0] - plain[0]) + 0.4 * sum(p[4] for p in edited[2])
                return Real(cand, gain, None, False, "compound")
            return KEEP
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
            for var, cost, subs in variants(tail, tail_sites, max_subs=2):
                if not subs or not all(is_strong(tail[a:b]) or b - a > 1 for a, b, _ in subs):
                    continue
                for w, z, is_word, _, _, is_lex in m.umlaut_entries(skeleton(var)):
                    if not is_lex or len(w) < 5 or z < 2.5:
                        continue
                    if consistent(var, w) == 0:
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
                return KEEP
            if cz < ez + 1.5:
                tier = 1
        rep = match_case(tok, cand_lower)
        lower_mid = False
        if rep[0] in "ÜÄÖ" and tok[0] != rep[0] and cand_lower in m.words:
            # OCR read ü as U: lower case again inside a sentence (Richtlinie Uber die); 2: the capitalised
            # form is a word too (a noun), kept after an article (im Übrigen, das Übertragen)
            lower_mid = 2 if rep in m.words else 1
        return Fix(rep, conf, reason, lower_mid, tier)

    def _known(self, tok: str):
        m = self.m
        low = tok.lower()
        if UMLAUTS & set(low):
            return KEEP_UMLAUT
        if low not in m.twins:
            return KEEP
        best = None
        for w, z, is_word, _, _, is_lex in m.umlaut_entries(skeleton(low)):
            if not is_lex:
                continue
            cased = match_case(tok, w)
            if not m.is_word(cased):
                continue
            zz = z + m.boost.get(w, 0.0)
            if best is None or zz > best[1]:
                best = (cased, zz)
        if best is None:
            return KEEP
        gain = best[1] - m.zipf.get(low, 0.0)
        return Real(best[0], gain, low, best[0] not in m.words)

    def _whole(self, tok, sites):
        """Best whole-word candidate: (score, cand, subs, zipf, exotic, is_lexicon) or None."""
        m = self.m
        best = None
        max_subs = MAX_SUBS if len(sites) <= 8 else 2
        for var, cost, subs in variants(tok, sites, max_subs=max_subs):
            if subs and m.is_part(var, True) and not (UMLAUTS & set(var)):
                # a confusion that gives a word without umlaut (InvestitionsmitteIn: I for l)
                z = m.zipf.get(var, 3.0)
                score = z + 0.5 - cost
                if best is None or score > best[0]:
                    best = (score, var, subs, z, True, True)
                continue
            entries = m.umlaut_entries(skeleton(var))
            if not entries:
                continue
            for w, z, is_word, _, _, is_lex in entries:
                if not is_word:
                    continue
                if not is_lex and (z < 1.5 or (z < 3.0 and len(w) < 6)):
                    continue
                if len(tok) <= 3 and z < 5.0:
                    continue  # a short word is repaired only to a very common one (fur -> für, not no -> nö)
                res = consistent(var, w)
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
        for var, cost, subs in variants(tok, sites, max_subs=1):
            for pos in range(1, len(var)):
                for ch in "üäöß":
                    cand_var = var[:pos] + ch + var[pos:]
                    for w, z, is_word, _, _, is_lex in m.umlaut_entries(skeleton(cand_var)):
                        if not is_lex or z < min_z or (len(w) < 5 and n >= 4):
                            continue
                        if consistent(cand_var, w) is None:
                            continue
                        score = z - cost
                        if best is None or score > best[0]:
                            best = (score, w)
        if best is None:
            return None
        return self._make_fix(tok, best[1], 0.6, "confusion", 1)


# --------------------------------------------------------------------------------------------- decisions

DECISIONS: dict[str, object] = {}  # word form -> decision: the cache of decide(), read directly by the caller
_DECISIONS_MAX = 500_000
_ANALYZER: WordAnalyzer | None = None


def decide(tok: str):
    """The decision on a word form (cached)."""
    global _ANALYZER
    dec = DECISIONS.get(tok, 0)
    if dec == 0:
        if _ANALYZER is None:
            _ANALYZER = WordAnalyzer(load_models())
        dec = _ANALYZER.classify(tok)
        if len(DECISIONS) < _DECISIONS_MAX:
            DECISIONS[tok] = dec
    return dec


def forget_decisions() -> None:
    """Forget every decision and the compound parts read so far (the models stay loaded)."""
    global _ANALYZER
    DECISIONS.clear()
    _ANALYZER = None


# --------------------------------------------------------------------------------------------- context rules

def sentence_start(text: str, start: int, short_line: bool = False) -> bool:
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


def real_decision(m: Models, dec: Real, prev, nxt, attached, log_ratio, after="") -> float:
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


def suffix_rule(m: Models, word: str, after: str) -> str | None:
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
