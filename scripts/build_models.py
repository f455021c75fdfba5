#!/usr/bin/env python3
"""Build the OCR-repair data files under ``models/`` from Debian and PyPI word lists.

Sources (see models/README.md for formats and licences):

* Debian ``wngerman``       -> /usr/share/dict/ngerman            (plain word list)
* Debian ``hunspell-de-de`` -> /usr/share/hunspell/de_DE.dic/.aff (expanded here by our own affix expander;
                                                                   no ``unmunch`` needed)
* PyPI ``wordfreq``         -> ``wordfreq.get_frequency_dict('de')`` (Zipf frequencies)

Install them with ``apt-get install wngerman hunspell-de-de`` and ``pip install wordfreq``. The output is
deterministic for the same inputs (sorted lines, gzip without a time stamp).

Written files:

* ``lexicon_words.txt.gz``  every standalone German word form (case as in the sources), one a line.
* ``lexicon_parts.txt.gz``  compound parts that are not standalone words: ``B<TAB>part`` (may begin or
                            stand inside a compound) or ``E<TAB>part`` (may end one), lower case.
* ``lexicon_umlaut.tsv.gz`` ``skeleton<TAB>word:zipf:flags,word:zipf:flags...`` for every word or part
                            holding ä/ö/ü/ß (lower case), grouped by skeleton (the word without umlauts, ß as
                            ss); flags: ``L`` standalone lexicon word, ``W`` attested in wordfreq, ``B``/``E``
                            compound part (begin / end).
* ``lexicon_twins.tsv.gz``  ``word<TAB>zipf`` for lexicon words without umlaut whose skeleton equals that of an
                            umlaut word (``wurde``/``würde``): their frequency decides real-word repairs.
* ``lexicon_english.tsv.gz`` ``word<TAB>zipf`` English words (wordfreq 'en', Zipf >= 3, lower case): an English
                            word in German text is no damaged German word (``make`` is not ``Maße``) unless the
                            German reading is far more frequent (``fur`` is ``für``).
* ``lexicon_heads.tsv.gz``  ``part<TAB>score`` how productive a compound head is: Zipf value (log10 per
                            10^9 words) of the summed frequency of the wordfreq words that are this head +
                            linking element + a known word; heads scoring below 1.0 are left out.
"""

from __future__ import annotations

import argparse
import gzip
import math
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"^[A-Za-zÄÖÜäöüß]+$")
UMLAUT = re.compile(r"[äöüßÄÖÜ]")
SKEL = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "Ä": "a", "Ö": "o", "Ü": "u"})
LINKS = ("", "s", "es", "n", "en", "e", "er", "ns")
MIN_WORDFREQ_ZIPF = 1.0  # umlaut words attested in wordfreq below this are ignored (noise)
MIN_ENGLISH_ZIPF = 3.0  # English words at least this frequent are recognised in German text
ASCII_WORD = re.compile(r"^[a-z]+$")


def skeleton(word: str) -> str:
    return word.lower().translate(SKEL).replace("ß", "ss")


# --------------------------------------------------------------------------- hunspell expansion


class Affix:
    __slots__ = ("kind", "flag", "cross", "strip", "add", "cont", "cond")

    def __init__(self, kind, flag, cross, strip, add, cont, cond):
        self.kind, self.flag, self.cross = kind, flag, cross
        self.strip, self.add, self.cont = strip, add, cont
        self.cond = cond


def _condition(kind: str, cond: str):
    if cond == ".":
        return None
    return re.compile(("^" + cond) if kind == "PFX" else (cond + "$"))


def read_aff(path: Path) -> tuple[dict[str, list[Affix]], dict[str, str]]:
    affixes: dict[str, list[Affix]] = defaultdict(list)
    options: dict[str, str] = {}
    header: dict[tuple[str, str], bool] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.startswith("#") else ""
        if not line:
            continue
        parts = line.split()
        if parts[0] in ("PFX", "SFX"):
            kind, flag = parts[0], parts[1]
            if len(parts) == 4 and parts[2] in ("Y", "N") and (kind, flag) not in header:
                header[(kind, flag)] = parts[2] == "Y"
                continue
            strip = "" if parts[2] == "0" else parts[2]
            add, _, cont = parts[3].partition("/")
            add = "" if add == "0" else add
            cond = parts[4] if len(parts) > 4 else "."
            affixes[flag].append(Affix(kind, flag, header[(kind, flag)], strip, add, cont, _condition(kind, cond)))
        elif len(parts) >= 2:
            options[parts[0]] = parts[1]
    return affixes, options


def _apply(affix: Affix, word: str) -> str | None:
    if affix.kind == "SFX":
        if affix.strip and not word.endswith(affix.strip):
            return None
        if affix.cond is not None and not affix.cond.search(word):
            return None
        return (word[: len(word) - len(affix.strip)] if affix.strip else word) + affix.add
    if affix.strip and not word.startswith(affix.strip):
        return None
    if affix.cond is not None and not affix.cond.search(word):
        return None
    return affix.add + word[len(affix.strip):]


def expand_hunspell(dic: Path, aff: Path) -> tuple[set[str], set[str], set[str]]:
    """Standalone word forms, compound begin/middle parts and compound end parts of a hunspell dictionary.

    Honours ONLYINCOMPOUND, NEEDAFFIX, FORBIDDENWORD and the compound flags (igerman98 keeps compound
    information in continuation classes of zero affixes, e.g. ``SFX j 0 0/xoc``)."""
    affixes, opt = read_aff(aff)
    only_cpd, need_affix, forbidden = opt.get("ONLYINCOMPOUND", "o"), opt.get("NEEDAFFIX", "h"), opt.get("FORBIDDENWORD", "d")
    c_begin, c_middle, c_end = opt.get("COMPOUNDBEGIN", "x"), opt.get("COMPOUNDMIDDLE", "y"), opt.get("COMPOUNDEND", "z")
    words: set[str] = set()
    heads: set[str] = set()
    tails: set[str] = set()

    def record(form: str, flags: str, root_flags: str, affixed: bool) -> None:
        form_clean = form.strip("-")
        if not form_clean or not WORD.match(form_clean):
            return
        allflags = flags + root_flags
        if c_begin in allflags or c_middle in allflags:
            heads.add(form_clean.lower())
        if c_end in allflags:
            tails.add(form_clean.lower())
        if "-" in form:
            return
        if only_cpd in allflags or forbidden in root_flags:
            return
        if not affixed and need_affix in root_flags:
            return
        if need_affix in flags:
            return
        words.add(form)

    lines = dic.read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        line = line.strip()
        if not line or line.startswith(("#", "\t")):
            continue
        word, _, flags = line.partition("/")
        flags = flags.split()[0] if flags else ""
        if forbidden in flags:
            continue
        record(word, "", flags, False)
        sfx_forms = []
        for flag in flags:
            for affix in affixes.get(flag, ()):
                if affix.kind != "SFX":
                    continue
                form = _apply(affix, word)
                if form is None:
                    continue
                record(form, affix.cont, flags, True)
                sfx_forms.append((form, affix))
                for flag2 in affix.cont:  # twofold suffixes
                    for affix2 in affixes.get(flag2, ()):
                        if affix2.kind == "SFX":
                            form2 = _apply(affix2, form)
                            if form2 is not None:
                                record(form2, affix2.cont + affix.cont, flags, True)
        for flag in flags:
            for affix in affixes.get(flag, ()):
                if affix.kind != "PFX":
                    continue
                form = _apply(affix, word)
                if form is None:
                    continue
                record(form, affix.cont, flags, True)
                if affix.cross:
                    for sform, saffix in sfx_forms:
                        if saffix.cross:
                            both = _apply(affix, sform)
                            if both is not None:
                                record(both, affix.cont + saffix.cont, flags, True)
    return words, heads, tails


# --------------------------------------------------------------------------- build


def read_wordlist(path: Path) -> set[str]:
    out = set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            w = line.strip()
            if WORD.match(w):
                out.add(w)
    return out


def write_gz(path: Path, lines) -> int:
    data = ("\n".join(lines) + "\n").encode("utf-8")
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(data)
    return path.stat().st_size


def zipf_of(freq: float) -> float:
    return round(math.log10(freq) + 9, 2) if freq > 0 else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ngerman", default="/usr/share/dict/ngerman")
    ap.add_argument("--hunspell", default="/usr/share/hunspell/de_DE", help="path without .dic/.aff")
    ap.add_argument("--out", default=str(ROOT / "models"))
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    try:
        import wordfreq
    except ImportError:
        print("pip install wordfreq", file=sys.stderr)
        return 2
    for p in (Path(args.ngerman), Path(args.hunspell + ".dic"), Path(args.hunspell + ".aff")):
        if not p.is_file():
            print(f"missing {p}: apt-get install wngerman hunspell-de-de", file=sys.stderr)
            return 2

    ngerman = read_wordlist(Path(args.ngerman))
    hwords, heads, tails = expand_hunspell(Path(args.hunspell + ".dic"), Path(args.hunspell + ".aff"))
    words = ngerman | hwords
    lower_words = {w.lower() for w in words}
    heads -= lower_words
    tails -= lower_words
    print(f"ngerman {len(ngerman)}, hunspell {len(hwords)} forms, union {len(words)}; "
          f"extra compound heads {len(heads)}, tails {len(tails)}")

    freq = {w: f for w, f in wordfreq.get_frequency_dict("de").items() if WORD.match(w)}
    zipf = {w: zipf_of(f) for w, f in freq.items()}

    def zipf_word(w: str) -> float:
        # wordfreq case-folds, so "maßnahmen" is counted as "massnahmen"
        return zipf.get(w.replace("ß", "ss") if "ß" in w else w, 0.0)

    # umlaut words and parts
    umlaut: dict[str, set[str]] = defaultdict(set)
    for w in lower_words:
        if UMLAUT.search(w):
            umlaut[w].add("L")
    for w, z in zipf.items():
        if z >= MIN_WORDFREQ_ZIPF and UMLAUT.search(w):
            umlaut[w].add("W")
    for w in heads:
        if UMLAUT.search(w):
            umlaut[w].add("B")
    for w in tails:
        if UMLAUT.search(w):
            umlaut[w].add("E")
    umlaut_skels = {skeleton(w) for w in umlaut}

    # twins: standalone words / parts without umlaut that read like an umlaut word (wurde/würde); their
    # frequency decides real-word repairs. ss-words are no twins of their ß-spelling (wordfreq merges them).
    twins = sorted(w for w in (lower_words | heads | tails)
                   if not UMLAUT.search(w) and skeleton(w) in umlaut_skels)

    # head productivity: summed frequency of attested compounds head + link + known part
    all_parts = lower_words | heads | tails
    head_ok = {w for w in (lower_words | heads) if len(w) >= 3}
    prod: dict[str, float] = defaultdict(float)
    links = ("s", "es", "n", "en", "e", "er", "ns")
    for w, f in freq.items():
        n = len(w)
        if n < 6:
            continue
        for i in range(3, n - 2):
            head = w[:i]
            if head not in head_ok:
                continue
            rest = w[i:]
            if rest in all_parts:
                prod[head] += f
                continue
            for link in links:
                if rest.startswith(link) and len(rest) - len(link) >= 3 and rest[len(link):] in all_parts:
                    prod[head] += f
                    break
    heads_z = {h: zipf_of(f) for h, f in prod.items()}
    heads_z = {h: z for h, z in heads_z.items() if z >= 1.0}

    size = write_gz(out / "lexicon_words.txt.gz", sorted(words))
    print(f"lexicon_words.txt.gz {len(words)} words, {size} bytes")
    size = write_gz(out / "lexicon_parts.txt.gz", [f"B\t{w}" for w in sorted(heads)] + [f"E\t{w}" for w in sorted(tails)])
    print(f"lexicon_parts.txt.gz {len(heads) + len(tails)} parts, {size} bytes")
    groups: dict[str, list[str]] = defaultdict(list)
    for w in sorted(umlaut):
        groups[skeleton(w)].append(f"{w}:{zipf_word(w):.2f}:{''.join(sorted(umlaut[w]))}")
    size = write_gz(out / "lexicon_umlaut.tsv.gz", [f"{s}\t{','.join(groups[s])}" for s in sorted(groups)])
    print(f"lexicon_umlaut.tsv.gz {len(umlaut)} words, {size} bytes")
    size = write_gz(out / "lexicon_twins.tsv.gz", [f"{w}\t{zipf.get(w, 0.0):.2f}" for w in twins])
    print(f"lexicon_twins.tsv.gz {len(twins)} words, {size} bytes")
    english = {}
    for w, f in wordfreq.get_frequency_dict("en").items():
        if ASCII_WORD.match(w) and len(w) >= 2:
            z = zipf_of(f)
            if z >= MIN_ENGLISH_ZIPF:
                english[w] = z
    size = write_gz(out / "lexicon_english.tsv.gz", [f"{w}\t{english[w]:.2f}" for w in sorted(english)])
    print(f"lexicon_english.tsv.gz {len(english)} words, {size} bytes")
    size = write_gz(out / "lexicon_heads.tsv.gz", [f"{h}\t{heads_z[h]:.2f}" for h in sorted(heads_z)])
    print(f"lexicon_heads.tsv.gz {len(heads_z)} heads, {size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
