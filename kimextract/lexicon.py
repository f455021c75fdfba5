"""The data of the OCR repair: the lexicon, the confusion tables and the context rules of ``models/``.

``load_models()`` reads the files once per process (about 0.2 s; the folder is found by
:mod:`kimextract.resources`) and returns a :class:`Models` object that answers the repair's questions: is
this a word, may it stand in a compound, which umlaut words share its skeleton, how frequent is it. The
files, their formats and their sources are described in ``models/README.md``. A malformed row of a
hand-written table fails loudly with its file and line.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from .errors import DataFileError
from .resources import models_dir, read_gz_lines, read_table

__all__ = ["Models", "load_models", "clear_parsed_entries", "skeleton", "UMLAUTS", "UPPER_UMLAUT", "SKEL"]

SKEL = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})  # str.translate table: the umlauts without their dots
UMLAUTS = frozenset("äöüßÄÖÜ")
UPPER_UMLAUT = {"ä": "Ä", "ö": "Ö", "ü": "Ü"}
_NEXT_NUMBER = re.compile(r"[ \t]*\d")


def skeleton(word_lower: str) -> str:
    """The word without umlauts (ß as ss): the key of models/lexicon_umlaut."""
    if word_lower.isascii():
        return word_lower
    return word_lower.replace("ä", "a").replace("ö", "o").replace("ü", "u").replace("ß", "ss")


# where in a word a confusion may stand: anywhere, as the first letter, not as the first letter, between
# consonants, after a vowel before a consonant
WHERE = ("any", "first", "inner", "cc", "vc")


class Confusion:
    """A line of models/confusions.tsv: OCR printed ``ocr`` where the page had ``target``."""

    __slots__ = ("ocr", "target", "where", "cost")

    def __init__(self, ocr: str, target: str, where: str, cost: float):
        self.ocr, self.target, self.where, self.cost = ocr, target, where, cost


class Rule:
    """The conditions of a line of models/realword_rules.tsv, parsed; :meth:`holds` checks them."""

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
                raise ValueError(f"unknown condition {cond!r}")

    def holds(self, prev: str | None, nxt: str | None, next_attached: bool, after: str = "") -> bool:
        """Do all conditions hold for these neighbours (``after``: the text just after the word)?"""
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


# a word's context rules: (twin, keep rules, fix rules)
RuleSet = tuple[str, list[Rule], list[Rule]]
# a punctuation confusion: (expression, replacement, what must stand before, always or only in damaged text)
PunctRule = tuple[re.Pattern, str, re.Pattern | None, bool]


class Models:
    """The data of models/, loaded once (see :func:`load_models`)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.words: set[str] = set(read_gz_lines(folder / "lexicon_words.txt.gz"))
        self.heads: set[str] = set()
        self.tails: set[str] = set()
        for line in read_gz_lines(folder / "lexicon_parts.txt.gz"):
            kind, _, part = line.partition("\t")
            (self.heads if kind == "B" else self.tails).add(part)
        # skeleton -> "word:zipf:flags,..." (parsed on first use, see umlaut_entries)
        self._umlaut_raw: dict[str, str] = {}
        for line in read_gz_lines(folder / "lexicon_umlaut.tsv.gz"):
            sk, _, rest = line.partition("\t")
            self._umlaut_raw[sk] = rest
        self._umlaut: dict[str, tuple] = {}
        self.zipf = _read_zipf(folder / "lexicon_twins.tsv.gz")
        self.twins = set(self.zipf)
        self.english = _read_zipf(folder / "lexicon_english.tsv.gz")
        self.head_score = _read_zipf(folder / "lexicon_heads.tsv.gz")
        self.boost: dict[str, float] = {}
        self.acronyms: set[str] = set()
        self._domain: dict[str, str] = {}  # lower-case domain word with umlaut -> skeleton
        self._add_domain_terms(folder / "domain_terms.tsv")
        self.acronym_skel = {skeleton(a.lower()): a for a in self.acronyms}
        self._domain_by_skel: dict[str, list[str]] = {}
        for low, sk in self._domain.items():
            self._domain_by_skel.setdefault(sk, []).append(low)
        self.punct = _read_punct(folder / "confusions_punct.tsv")
        self.confusions = _read_confusions(folder / "confusions.tsv")
        self.confusion_first: dict[str, list[Confusion]] = {}
        for c in self.confusions:
            self.confusion_first.setdefault(c.ocr[0], []).append(c)
        self.rules, self.suffix_rules = _read_rules(folder / "realword_rules.tsv")
        self.suffix_words = tuple(sorted({v for w in self.suffix_rules for v in (w, w.capitalize())}))

    def _add_domain_terms(self, path: Path) -> None:
        """Words and acronyms of models/domain_terms.tsv; a domain word with an umlaut makes twins of the
        lexicon words that share its skeleton."""
        for number, row in _rows(path, 2):
            term, kind = row[0], row[1]
            boost = _number(path, number, row[2]) if len(row) > 2 and row[2] else 0.0
            if kind == "acronym":
                self.acronyms.add(term)
                continue
            self.words.add(term)
            low = term.lower()
            if boost:
                self.boost[low] = boost
            if UMLAUTS & set(low):
                sk = skeleton(low)
                self._domain[low] = sk
                if self.is_word(low.translate(SKEL)) or self.is_word(sk):
                    self.twins.add(low.translate(SKEL))
                    self.twins.add(sk)

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
        for e in self.umlaut_entries(skeleton(low)) if UMLAUTS & set(low) else ():
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
        if (UPPER_UMLAUT.get(first) or first.upper()) + low[1:] in self.words:
            return True
        return low in (self.tails if final else self.heads)


# --------------------------------------------------------------------------------------------- readers

def _read_zipf(path: Path) -> dict[str, float]:
    """A built ``word<TAB>zipf`` file (lexicon_twins, lexicon_english, lexicon_heads)."""
    out: dict[str, float] = {}
    for line in read_gz_lines(path):
        w, _, z = line.partition("\t")
        out[w] = float(z)
    return out


def _rows(path: Path, columns: int) -> list[tuple[int, list[str]]]:
    """The rows of a hand-written table; a row with fewer than ``columns`` fields fails loudly."""
    rows = read_table(path)
    for number, row in rows:
        if len(row) < columns:
            raise DataFileError(f"{path}:{number}: {columns} tab-separated fields expected, found {len(row)}")
    return rows


def _number(path: Path, line: int, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise DataFileError(f"{path}:{line}: a number expected, found {text!r}") from None


def _compile(path: Path, line: int, expression: str) -> re.Pattern:
    try:
        return re.compile(expression)
    except re.error as exc:
        raise DataFileError(f"{path}:{line}: {expression!r} is no regular expression: {exc}") from None


def _read_punct(path: Path) -> list[PunctRule]:
    """models/confusions_punct.tsv: expression (its group ``x`` is replaced), replacement, before, when."""
    out: list[PunctRule] = []
    for number, row in _rows(path, 2):
        pattern = _compile(path, number, row[0])
        if "x" not in pattern.groupindex:
            raise DataFileError(f"{path}:{number}: the expression needs a group named x, the text to replace")
        before = row[2] if len(row) > 2 and row[2] not in ("", "-") else None
        always = len(row) > 3 and row[3] == "always"
        out.append((pattern, row[1], _compile(path, number, f"(?:{before})\\Z") if before else None, always))
    return out


def _read_confusions(path: Path) -> list[Confusion]:
    """models/confusions.tsv: OCR string, what was on the page, where in a word, cost."""
    out = []
    for number, row in _rows(path, 4):
        if row[2] not in WHERE:
            raise DataFileError(f"{path}:{number}: where is one of {', '.join(WHERE)}, not {row[2]!r}")
        out.append(Confusion(row[0], row[1], row[2], _number(path, number, row[3])))
    return out


def _read_rules(path: Path) -> tuple[dict[str, RuleSet], dict[str, RuleSet]]:
    """models/realword_rules.tsv: the rules of whole words and, for a word beginning with ``*``, of word
    endings."""
    rules: dict[str, RuleSet] = {}
    suffix_rules: dict[str, RuleSet] = {}
    for number, row in _rows(path, 3):
        word, twin, action = row[0], row[1], row[2]
        cond = row[3] if len(row) > 3 else "always"
        table = rules
        if word.startswith("*"):
            word, twin, table = word[1:], twin[1:], suffix_rules
        _, keeps, fixes = table.setdefault(word, (twin, [], []))
        try:
            rule = Rule(action, cond)
        except ValueError as exc:
            raise DataFileError(f"{path}:{number}: {exc}") from None
        (keeps if action == "keep" else fixes).append(rule)
    return rules, suffix_rules


# --------------------------------------------------------------------------------------------- loading

_MODELS: Models | None = None
_LOCK = threading.Lock()


def load_models() -> Models:
    """Load models/ once per process (thread-safe)."""
    global _MODELS
    if _MODELS is None:
        with _LOCK:
            if _MODELS is None:
                _MODELS = Models(models_dir())
    return _MODELS


def clear_parsed_entries() -> None:
    """Forget the umlaut entries parsed so far (the files stay loaded): for benchmarks of a cold start."""
    if _MODELS is not None:
        _MODELS._umlaut.clear()
