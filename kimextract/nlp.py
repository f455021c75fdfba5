"""The spaCy pipeline: ``spacy.blank("de")`` with a sentencizer, a span ruler for domain terms (authorities
and roles, patterns in ``models/patterns.jsonl``) and our own component that runs the value scanners.

The pipeline is built once per process; importing this module loads spaCy, so the CLI imports it lazily.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Optional

import numpy
import regex

from . import spacy_import  # noqa: F401, I001 - first: spaCy imported without its command line
import spacy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from . import values
from .errors import DataFileError
from .resources import model_path

VALUE_KINDS = ("amounts", "dates", "derived_dates", "positions", "modules")
TERMS_KEY = "kim_terms"


@Language.component("kim_values")
def kim_values(doc: Doc) -> Doc:
    """Scan the text for values: the hits of each kind in ``doc.user_data['kim_<kind>']``, spans in ``doc.spans``."""
    text = _text_of(doc)  # with its line breaks: headings and tables need them
    default_year = doc.user_data.get("kim_default_year")
    found = {
        "amounts": values.scan_amounts(text),
        "dates": values.scan_dates(text, default_year),
        "derived_dates": values.scan_derived_dates(text),
        "positions": values.scan_positions(text),
        "modules": values.scan_modules(text),
    }
    for kind, hits in found.items():
        # The hits themselves live in user_data: spans over the same tokens share their extension values,
        # and one token such as '01.01.–31.12.2021' holds two dates.
        doc.user_data[f"kim_{kind}"] = hits
        spans = [doc.char_span(h.start, h.end, alignment_mode="expand") for h in hits]
        doc.spans[f"kim_{kind}"] = [span for span in spans if span is not None]
    return doc


def _text_of(doc: Doc) -> str:
    """The text the pipeline was given, with its line breaks; ``doc.text`` (joined token by token) only without."""
    text = doc.user_data.get("kim_text")
    return doc.text if text is None else text


# A sentence ends at '.', '!' or '?' before a capital, unless the dot closes an abbreviation or an ordinal
# ('3. Februar'); a blank line, a bullet or a lettered item ('c) Verfügungsfonds') always starts a new sentence.
MONTHS = r"(?:Januar|Februar|März|Maerz|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)\b"
ABBREVIATIONS = r"(?:Jan|Febr?|Mär|Apr|Jun|Jul|Aug|Sept?|Okt|Nov|Dez|z\.\s?B|bzw|ca|Nr|Abs|Art|gem|ggf|i\.\s?H\.\s?v|i\.\s?V\.\s?m|u\.\s?a|d\.\s?h|o\.\s?g|Dr|Hr|Fr|Str|S|vgl|inkl|zzgl|sog|lfd|Tel|bzgl|Mio|Mrd|Tsd|Az|v|ff|Kap|Ziff|max|mind|evtl|usw|etc|St|e|e\.\s?V|gem)"
SENTENCE_END = regex.compile(
    rf"(?<!\b{ABBREVIATIONS}\.)(?<!\b\d{{1,2}}\.)(?:(?<=[.!?])\s+(?=[„\"(]?[A-ZÄÖÜ0-9])|(?<=:)\s+(?=[„\"(]?[A-ZÄÖÜ]))|(?<!\b(?:von|über|uber|i\.\s?H\.\s?v\.|insgesamt|Betrag|H(?:ö|o)he|beträgt|betragt|auf|mit|zu|je|und))\n[ \t]*\n\s*|\n(?=[ \t]*(?:[-•–]\s|\d{{1,2}}\.\s+(?!{MONTHS})[A-ZÄÖÜ]|(?:[a-h]|\d{{1,2}})\)[ \t]+[A-ZÄÖÜ]))"
    # a list item or table row that ends in an amount, then prose: 'Summe …: 2.925.000 €' / 'Das Quartiersbüro …'
    rf"|(?<=(?:€|EUR|\d))[ \t]*\n(?=(?:Das|Die|Der|Den|Dem|Ein|Eine|Im|In|Mit|Für|Zur|Zum|Auf|Nach|Von|Bei|Damit|Hinzu)\s)"
    # a numbered heading ('2. Zuwendungszweck', 'III. Auszahlung') is a sentence of its own
    rf"|(?m)(?<=^[ \t]*(?:\d{{1,2}}|[IVX]{{1,4}})\.[ \t]+(?!{MONTHS})[A-ZÄÖÜ][^\n.!?:;]{{0,60}})\n"
    # so is an item of the minutes ('TOP 4 Bekanntgaben'), after whatever line ends before it
    rf"|\n(?=[ \t]*(?:TOP|Tagesordnungspunkt)[ \t]*\d)|(?m)(?<=^[ \t]*(?:TOP|Tagesordnungspunkt)[ \t]*\d[^\n]{{0,100}})\n"
)


@Language.component("kim_sentences")
def kim_sentences(doc: Doc) -> Doc:
    """Sentence starts from punctuation and layout (blank lines, bullets) of the text with its line breaks."""
    text = _text_of(doc)
    starts = numpy.fromiter((m.end() for m in SENTENCE_END.finditer(text)), dtype="int64")
    # One array write: setting token.is_sent_start token by token makes spaCy scan the whole Doc each time.
    # The tokens' offsets come as one array too: a Token object per token costs more than the rule.
    if len(doc):
        starting = numpy.isin(doc.to_array(IDX).astype("int64"), starts)
        starting[0] = True
        flags = numpy.where(starting, 1, -1).astype("int64").astype("uint64").reshape(-1, 1)
        doc.from_array([SENT_START], flags)
    return doc


def _load_patterns() -> list[dict]:
    path = model_path("patterns.jsonl")
    patterns = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                pattern = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFileError(f"{path}:{number}: {exc.msg}") from None
            if not {"label", "pattern"} <= pattern.keys():
                raise DataFileError(f"{path}:{number}: a pattern needs 'label' and 'pattern'")
            patterns.append(pattern)
    return patterns


@lru_cache(maxsize=1)
def build_pipeline() -> Language:
    """The pipeline, built once per process."""
    nlp = spacy.blank("de")
    nlp.max_length = 10**9  # no parser or vectors: a long document costs tokens, not the model's memory
    nlp.add_pipe("kim_sentences")
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": TERMS_KEY, "overwrite": True})
    ruler.add_patterns(_load_patterns())
    nlp.add_pipe("kim_values")
    return nlp


def text_to_doc(text: str, default_year: Optional[int] = None) -> Doc:
    """Run the pipeline. Line breaks and form feeds become spaces (same length, so offsets hold): spaCy's
    tokenizer caches far better on such text."""
    nlp = build_pipeline()
    flat = text.replace("\n", " ").replace("\f", " ").replace("\r", " ").replace("\t", " ")
    doc = nlp.make_doc(flat)
    doc.user_data["kim_default_year"] = default_year
    doc.user_data["kim_text"] = text
    for _, component in nlp.pipeline:
        doc = component(doc)
    return doc
