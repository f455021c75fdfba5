"""Grants from decision sentences: the linker for papers without a tenor, and for earlier decisions cited.

A section runs from one module heading to the next; every amount and position gets the module of its
sentence (a module named there) or of its section. A grant is a sentence that reports a decision
(``Bescheid … vom``, ``bewilligt``, ``festgesetzt``, ``erhält … in Höhe von``) with an amount; its fields
are taken from that sentence and from the sentences that follow it up to the next decision.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

import regex
from spacy.tokens import Doc

from ..extract import Mentions, View, is_table_cell
from ..records import Amount, Grant, Instalment, Position
from ..values import Hit, parse_number_words, plain
from ..structure.authority import find_authority, rank_of, resolve_bare
from ..structure.letter import CITES_A_DECISION, return_address

# the verbs that set a grant to a new amount ('wird … auf 280.000 € erhöht')
# '… und setzen die Zuwendung auf 162.550 € neu fest': a separable verb around the new amount
SETS_ANEW = r"\bsetz(?:en|t|e)\b[^.;]{0,160}?\bauf\s+[\d.,]+\s*(?:€|EUR|Euro)\s+(?:neu\s+)?fest\b"
SET_TO = (r"festgesetzt|erh(?:ö|o)ht|reduziert|gek(?:ü|u)rzt|herabgesetzt|heraufgesetzt|hochgesetzt|angehoben|aufgestockt"
          r"|verringert|vermindert")
DECISION = regex.compile(
    r"""(?ix)
      \bBescheid\w*\b(?:(?!\bAntrag\b).){0,120}?\bvom\b      # 'Mit Bescheid der Bezirksregierung … vom'
    | \b(?:bewillig(?:t|te|e)|festgesetzt|festsetze|setze\s+ich|gew(?:ä|a)hr(?:t|te|e)\s+ich|bewillige)\b
    | \b(?:Zuschuss|Zuwendung|Förderung|Forderung|Beihilfe)\b(?:(?!\.\s).){0,120}?\bgew(?:ä|a)hrt\b   # 'wird … ein Zuschuss von 450 Euro gewährt'
    | \bgew(?:ä|a)hrt\b[^;]{0,160}?\b(?:Zuschuss|Zuwendung|Beihilfe|\w*[Ff]inanzierung)\b  # 'Der Gemeinderat gewährt … einen Zuschuss' 
    | \b(?:erh(?:ä|a)lt|erhielt|erhalten)\b(?:(?!\.\s).){0,160}?(?:\b(?:in\s+H(?:ö|o|é)he\s+von|i\.\s?H\.\s?v\.|Pauschale|Zuwendung|EUR)|\d\s*€\s+zur\s+(?:Finanzierung|F(?:ö|o)rderung)\b)
    | \bZuwendung\s+in\s+H(?:ö|o|é)he\s+von
    # a press release's prose list: 'Mit 420.000 Euro unterstützt das Land …', 'fließen 96.500 Euro an die Stadt',
    # 'bekommt 187.000 Euro für …', 'mit einem Zuschuss von 238.000 Euro'
    | \bMit\s+[\d.,]+\s*(?:Mio\.?\s*|Millionen\s+)?(?:Euro|€|EUR)\s+(?:unterst(?:ü|u)tzt|f(?:ö|o)rdert|bezuschusst)\b
    | \b(?:unterst(?:ü|u)tzt|f(?:ö|o)rdert)\b[^.;]{0,120}?\bmit\s+(?:rund\s+|knapp\s+|gut\s+)?[\d.,]+\s*(?:Mio\.?\s*|Millionen\s+)?(?:Euro|€|EUR)
    | \b(?:flie(?:ß|ss)en|gehen)\s+[\d.,]+\s*(?:Mio\.?\s*|Millionen\s+)?(?:Euro|€|EUR)\s+an\b
    | \bbekomm(?:t|en)\s+(?:\w+\s+){0,3}?[\d.,]+\s*(?:Mio\.?\s*|Millionen\s+)?(?:Euro|€|EUR)\b
    | [\d.,]+\s*(?:Mio\.?\s*|Millionen\s+)?(?:Euro|€|EUR)\s+(?:erh(?:ä|a)lt|bekommt)\b  # 'die für zwei Stellen 186.000 Euro erhält'
    | \bmit\s+einem\s+Zuschuss\s+von\s+[\d.,]+
    | \b\w*[Bb]escheid\w*\s+(?:über|in\s+H(?:ö|o|é)he\s+von)\s+(?:rund\s+)?\d        # 'den Förderbescheid über 378.000 Euro unterzeichnet'
    | \bauf\s+(?:EUR\s+|€\s+)?[\d.,]+\s*(?:€|EUR|Euro)?[^.;]{0,120}?\b(?:""" + SET_TO + r""")\b
    | """ + SETS_ANEW + r"""
    """,
    regex.DOTALL,  # a sentence runs over the lines a PDF wrapped it into
)
# A decision that changes an earlier one: 'von bisher 224.000 € … auf 280.000 € … erhöht', '… um 110.000 € auf 715.000 € erhöht'.
CHANGE_VERB = regex.compile(rf"(?i)\b(?:{SET_TO}|abgesenkt|ge(?:ä|a)ndert|setze\s+ich|setzen\s+wir)\b|{SETS_ANEW}")  # '… setze ich … auf … fest'
NOT_A_DECISION = regex.compile(
    r"(?i)\b(?:beantragt|beantragen|Antrag\s+(?:auf|über|wurde\s+am)|soll(?:en)?\b|würde|würden|"
    r"weitergeleitet|weiterleiten|vorgeschlagen|Beschlussvorschlag|geplant|voraussichtlich|beabsichtig\w*)\b"
    r"|\b(?:kann|können|konnen|könnten)\b[^.;]{0,160}\b(?:gew(?:ä|a)hrt|bewilligt|gef(?:ö|o)rdert)\s+werden\b"  # a rule, not a decision
    r"|\blehne\s+ich\b|\blehnen\s+wir\b|\babgelehnt\b"  # a refusal
    # a programme's tally or reach, not one decision: 'rund 2,9 Millionen Euro für insgesamt 22 Projekte bewilligt',
    # 'fördert das Ministerium die landesweite Qualifizierung … mit 1,5 Mio. €'
    r"|\b(?:landes|bundes)weit\w*"
    r"|\binsgesamt\s+\d+\s+(?:\w+\s+)?(?:Projekte|Vorhaben|Ma(?:ß|ss)nahmen|Antr(?:ä|a)ge|Kommunen|Tr(?:ä|a)ger|Bescheide)\b"
)
AUTHORITY = regex.compile(
    r"(?:Bezirksregierung|Regierungspr(?:ä|a)sidium)\s+[A-ZÄÖÜ][\wäöüß-]+"
    r"|Ministerium\s+f(?:ü|u)r\s+[\w ,äöüß-]+?(?:\s+des\s+Landes\s+(?:Nordrhein-Westfalen|NRW))?(?=\s*\(|\s+(?:hat|vom|mit|in|des|ist|wird|gewährt|bewilligt)\b|[.;]|,\s+(?![A-ZÄÖÜ])|\s*$)"
    r"|\bMK\w{2,8}\b|\bLand(?:es)?\s+(?:NRW|Nordrhein-Westfalen)"
    r"|\b(?:Jobcenter|Landschaftsverband|Bundesagentur\s+f(?:ü|u)r\s+Arbeit|Bundesamt\s+f(?:ü|u)r\s+Migration\s+und\s+Fl(?:ü|u)chtlinge)(?:\s+[A-ZÄÖÜ][\wäöüß-]+)?"
)
INSTALMENT = regex.compile(
    r"(?i)\b(?:(?:Schluss|Teil|Jahres|Abschlags|Rest|Erst)?raten?|Abschlag\w*|H(?:ä|a)lfte|Drittel|Viertel|Teilbetrag|Restbetrag|"
    r"(?:Abschlags|Teil|Schluss|Rest)zahlung\w*|Auszahlung\w*|ausgezahlt|zugewiesen|"
    r"(?:ü|u)berwiesen|angewiesen)\b"
)
FRACTIONS = {"hälfte": Decimal("0.5"), "halfte": Decimal("0.5"), "drittel": Decimal(1) / 3, "viertel": Decimal("0.25")}
PAYMENT = regex.compile(
    r"(?i)\b(?:(?:Schluss|Teil|Jahres|Abschlags|Rest|Erst)?raten?|Abschlag\w*|Teilbetrag|(?:Abschlags|Teil|Schluss|Rest)zahlung\w*|Auszahlung\w*"
    r"|ausgezahlt|auszuzahlen|zugewiesen|zuweisen|(?:ü|u)berwiesen|angewiesen|gezahlt"
    r"|abgerufen|abzurufen)\b"
)
PAID = regex.compile(r"(?i)\bbereits\b|\bwurde[n]?\b.*\b(?:zugewiesen|ausgezahlt|(?:ü|u)berwiesen)\b")


# A sentence about one payment ('Die zweite Rate wird auf … erhöht') changes no decision.
PAGE_FOOTER = regex.compile(r"^\s*Seite\s+\d+\s+von\s+\d+[^\n]*\n")  # a page break inside the text before a sentence
ABOUT_A_PAYMENT = regex.compile(r"(?i)\s*(?:\d+\.\s+\w+\s+)?(?:Die|Der)\s+(?:\w+\s+)?(?:Rate|Teilbetrag|Abschlag|Auszahlung|Abschlagszahlung)\b")

# 'mit dem oben genannten Bescheid habe ich … bewilligt': a decision made earlier, dated where it is cited.
REFERS_TO_EARLIER = regex.compile(
    r"(?i)\b(?:oben\s+genannte\w*|o\.\s?g\.|genannte\w*|bezeichnete\w*|angefochtene\w*|mein\w*|Ihr\w*|urspr(?:ü|u)nglich\w*)\s+(?:\w+\s+)?\w*bescheid\w*"
    r"|\b(?:habe|hatte)\s+ich\b.*\bbewilligt\b"
)
# '80 % der zuwendungsfähigen Ausgaben von 390.000 €': the base of a share, not the amount granted
SHARE_BASE = regex.compile(r"(?i)(?:%|Prozent)\s+(?:der|des)\s+[^.;€]{0,50}?(?:Ausgaben|Kosten|Gesamtkosten|Betrag\w*)\s+(?:von|in\s+H(?:ö|o)he\s+von|\()?\s*$")
# '41.250,00 EUR mit Wirkung für die Vergangenheit widerrufen' (not '312.000 € wird teilweise widerrufen': the grant)
WITHDRAWN = regex.compile(r"(?i)[\d.,]+\s*(?:€|EUR|Euro)(?:(?!teilweise|anteilig)[^.;\d]){0,60}?\b(?:widerru|zur(?:ü|u)ckgefordert|gek(?:ü|u)rzt|erstattet)")
# 'widerrufen Sie die Bewilligung in Höhe von 23.850,00 €': what is withdrawn, told before the amount
WITHDRAWN_BEFORE = regex.compile(r"(?i)\b(?:widerru\w*|zur(?:ü|u)ckgefordert|zur(?:ü|u)ckfordern|erstatte\w*)\b[^.;\d]{0,60}$")
GRANT_OR_EXPENSES = regex.compile(r"(?i)\b(?:Zuwendung|F(?:ö|o)rderung|Zuschuss|Betrag)\w*|(?P<expenses>\w*(?:Ausgaben|Kosten))\b")
DATED_BY = regex.compile(r"(?i)\b(?:vom|datiert|am)\s*:?\s*$")  # 'Bescheid vom 3.3.2023', 'Zuwendungsbescheid vom: 03.03.2023'
ONE_DECISION_REPORTED = frozenset({"verwendungsnachweis"})
DECIDER_LABEL = regex.compile(r"(?im)^[ \t]*(?:Bewilligungsbeh(?:ö|o)rde|Bewilligungsstelle|Zuwendungsgeber(?:in)?|Zuwendungsbeh(?:ö|o)rde)\s*:")
FIXES = regex.compile(r"(?i)fest(?:ge)?-?\s*setz|\bsetze\s+ich\b|\bsetzen\s+wir\b")  # a Festsetzung, not an increase ('festge-' / 'setzt')
BESCHEID_CITED = regex.compile(r"(?i)bescheid\w*\s+(?:[\w-]+\s+){0,6}vom\b")  # 'Förderbescheid des Amtes für … Niederbayern vom'
FIRST_PERSON = regex.compile(r"\b(?:ich|wir|mein\w*|unser\w*)\b", regex.IGNORECASE)
LOCAL_BODY = regex.compile(r"(?:Land)?[Kk]reis\b|Stadt\b|Gemeinde\b|Städteregion\b")
SAME_DAY = regex.compile(r"(?i)\bBescheid\w*\s+(?:von|vom)\s+(?:diesem|demselben|gleichen|selben)\s+Tag")
ABBREVIATION_USED = regex.compile(r"\b(?:des|der|das|die|dem|vom|beim)\s+([A-ZÄÖÜ]{2,6})\b")  # 'des LS', 'das LAZuF'
NEW_STATE = regex.compile(r"(?i)\b(?:nunmehr|k(?:ü|u)nftig)\b")  # 'Gefördert werden nunmehr 5,5 Stellen'
CITED_DECISION = regex.compile(r"(?i)bescheid\w*\s+(?:der\s+\w+\s+\w+\s+)?vom\s*:?\s*$")


@dataclass
class Sentence:
    start: int
    end: int


def sections(text: str, module_hits: list[Hit]) -> list[tuple[int, int, int]]:
    """(start, end, module) for every module heading: a module named at a line start, or a split heading."""
    heads = []
    for hit in module_hits:
        line_start = text.rfind("\n", 0, hit.start) + 1
        if hit.details.get("split") or not text[line_start:hit.start].strip(" \t-•"):
            if not heads or heads[-1][1] != hit.value:
                heads.append((hit.start, hit.value))
    return [(start, heads[i + 1][0] if i + 1 < len(heads) else len(text), module) for i, (start, module) in enumerate(heads)]


def _module_at(offset: int, sections_: list[tuple[int, int, int]], sentence: Sentence, module_hits: list[Hit]) -> Optional[int]:
    named = {h.value for h in module_hits if sentence.start <= h.start < sentence.end and not h.details.get("split")}
    if len(named) == 1:
        return named.pop()
    for start, end, module in sections_:
        if start <= offset < end:
            return module
    return None


@dataclass
class Context:
    """What every linker step reads: the sentences, the module sections and the view offsets of the mentions."""

    sents: list[Sentence]
    sections: list[tuple[int, int, int]]
    starts: dict[int, int]


def link_context(doc: Doc, view: View, mentions: Mentions) -> Context:
    """Sentences and module sections; every amount and position gets the module of its sentence or section."""
    sents = Sentences(Sentence(s.start_char, s.end_char) for s in doc.sents)
    secs = sections(view.text, mentions.module_hits)
    starts = _view_offsets(view, mentions)
    for item in mentions.amounts + mentions.positions:
        offset = starts[id(item)]
        item.module = _module_at(offset, secs, _sentence_at(sents, offset), mentions.module_hits)
    return Context(sents, secs, starts)


def decision_sentences(view: View, mentions: Mentions, context: Context) -> list[Sentence]:
    """The sentences (or parts of one) that report a decision with an amount; a headline without a full stop
    ('Gut eine Million Euro für …') is no part of the sentence after it."""
    letter = mentions.structure.letter
    subject_end = letter.subject_span[1] if letter.subject_span and not (letter.subject or "").endswith(".") else 0
    sentences = (Sentence(subject_end, s.end) if s.start < subject_end < s.end else s for s in context.sents)
    by_decision = sorted(t.start for t in mentions.structure.tables if len(CITES_A_DECISION.findall(t.column_heads)) > 1)
    sentences = (_before_table(s, by_decision) for s in sentences)
    found = []
    for sentence in sentences:
        parts = _decision_parts(view.text, sentence)
        decides = [_is_decision(view.text, part, mentions, context.starts) for part in parts]
        found += [part for index, part in enumerate(parts) if decides[index] or index and decides[0]
                  and ELLIPTIC_RECIPIENT.match(view.text, part.start) and _in(mentions.amounts, context.starts, part.start, part.end)]
    return found


def _before_table(sentence: Sentence, table_starts: list[int]) -> Sentence:
    """A sentence without a full stop before a table whose columns are decisions ('Förderung Baustein 3 | Bescheid
    vom 27.01.2023 | Änderungsbescheid vom 06.06.2023') ends where the table's rows begin: they are no sentence."""
    index = bisect.bisect_right(table_starts, sentence.start)
    if index < len(table_starts) and table_starts[index] < sentence.end:
        return Sentence(sentence.start, table_starts[index])
    return sentence


def sentence_grants(view: View, mentions: Mentions, context: Context, decisions: list[Sentence]) -> list[Grant]:
    """One grant per decision sentence, its fields from the sentences that follow up to the next decision."""
    text, starts, sents, secs = view.text, context.starts, context.sents, context.sections
    grants = []
    for index, sentence in enumerate(decisions):
        # the section that holds the end of the sentence: page furniture or a heading may open the sentence
        limit = decisions[index + 1].start if index + 1 < len(decisions) else _section_end(secs, sentence.end - 1, len(text))
        change = _change(text, mentions, starts, sentence)
        if change is None:
            grants.append(_grant(view, mentions, starts, sents, sentence, limit))
            continue
        earlier, changed = change
        if earlier is not None:
            grants.append(_grant(view, mentions, starts, sents, sentence, limit, amount=earlier,
                                 part=(sentence.start, starts[id(changed)]), role="earlier"))
        grants.append(_grant(view, mentions, starts, sents, sentence, limit, amount=changed,
                             part=(starts[id(changed)], sentence.end), role="change"))
    _share_within_lists(text, decisions, grants)
    return finish(view, mentions, context, grants)


def _share_within_lists(text: str, decisions: list[Sentence], grants: list[Grant]) -> None:
    """The recipients of one sentence's list ('Der Kreis Borken erhält 330.000 Euro …, der Kreis Coesfeld 247.500
    Euro …') share what the text around the list says of their decisions (period, date, funder)."""
    if len(decisions) != len(grants):
        return  # a change gave two grants for one sentence: no list here
    group: list[Grant] = []
    for sentence, grant in zip(decisions + [None], grants + [None]):
        if sentence is not None and group and ELLIPTIC_RECIPIENT.match(text, sentence.start):
            group.append(grant)
            continue
        for member in group if len(group) > 1 else []:
            for other in group:  # each recipient's posts and payments are its own
                fill_gaps(member, other, DECISION_FIELDS, instalments=False)
        group = [grant] if grant is not None else []


def finish(view: View, mentions: Mentions, context: Context, grants: list[Grant]) -> list[Grant]:
    """Several-module decisions split per module; what a change leaves unsaid taken from the earlier grant."""
    split = [(grant, _split_by_module(view, mentions, context.starts, context.sents, grant)) for grant in grants]
    parts = [part for grant, found in split if len(found) > 1 for part in found]
    grants = [part for grant, found in split if len(found) > 1 or not _told_as_part(grant, parts) for part in found]
    _inherit_from_earlier(grants)
    return grants


def _told_as_part(grant: Grant, parts: list[Grant]) -> bool:
    """A module's share that a several-module decision before it gave already ('Bewilligt wurden 3,0 VZÄ zu je
    60.000 €, zusammen 180.000 €' under 'Baustein 3')."""
    return any(p.amount == grant.amount and p.module == grant.module and p.evidence["amount"].start == grant.evidence["amount"].start
               for p in parts)


def _split_by_module(view: View, mentions: Mentions, starts, sents: list[Sentence], grant: Grant) -> list[Grant]:
    """A decision on several modules at once ('Pauschalen der Module 2 und 3 … insgesamt 570.250 €', then a
    row or a sentence per module) is one grant per module, when one amount per module adds up to the total."""
    if grant.amount is None or grant._scope is None:
        return [grant]
    start, end = grant._scope
    if len({h.value for h in mentions.module_hits if start <= h.start < _sentence_at(sents, start).end}) > 1:
        end = max(end, mentions.structure.section_at(start).end)  # 'für die Bausteine 1 bis 3 … Im Einzelnen:' and a part each
    by_module: dict[int, list[Amount]] = {}
    for amount in _in(mentions.amounts, starts, start, end):
        if amount.module is not None and amount.per is None and amount.value < grant.amount and not _is_rate(view.text, starts, amount):
            by_module.setdefault(amount.module, []).append(amount)
    from itertools import combinations, product

    for size in range(len(by_module), 1, -1):
        for modules in combinations(sorted(by_module), size):
            for choice in product(*(by_module[m][:8] for m in modules)):
                if sum(a.value for a in choice) == grant.amount:
                    return [_module_part(view, mentions, starts, sents, grant, amount) for amount in choice]
    clauses = _module_clauses(view, mentions, starts, _sentence_at(sents, start))
    if clauses:
        return [_module_part(view, mentions, starts, sents, grant, amount, module, clause) for module, amount, clause in clauses]
    return [grant]


def _module_clauses(view: View, mentions: Mentions, starts, sentence: Sentence) -> list[tuple[int, Amount, tuple[int, int]]]:
    """'… für den Baustein 1 einen Festbetrag von 143.000 € und für den Baustein 2 einen Festbetrag von 330.000 €
    … bewilligt': one sentence that gives each module its own amount, each after the module's name."""
    hits = [h for h in mentions.module_hits if sentence.start <= h.start < sentence.end and not h.details.get("split")]
    if len(hits) < 2 or len({h.value for h in hits}) != len(hits):
        return []
    clauses = []
    for hit, following in zip(hits, hits[1:] + [None]):
        end = following.start if following is not None else sentence.end
        amounts = [a for a in _in(mentions.amounts, starts, hit.end, end) if a.per is None and not _is_rate(view.text, starts, a)]
        if not amounts:
            return []
        clauses.append((hit.value, amounts[0], (hit.start, end)))
    return clauses


def _module_part(view: View, mentions: Mentions, starts, sents: list[Sentence], grant: Grant, amount: Amount,
                 module: Optional[int] = None, clause: Optional[tuple[int, int]] = None) -> Grant:
    """The share of a several-module grant that one module gets, with the posts named beside it (in its
    ``clause`` of a sentence that names each module's amount)."""
    offset = starts[id(amount)]
    scope = grant._scope
    if clause is not None:
        positions = _in(mentions.positions, starts, *clause)
    elif is_table_cell(amount):  # a table row: the posts of the same row
        line_start = view.text.rfind("\n", 0, offset) + 1
        line_end = view.text.find("\n", offset)
        positions = _in(mentions.positions, starts, line_start, line_end if line_end >= 0 else len(view.text))
    else:
        sentence = _sentence_at(sents, offset)
        positions = _total_or_all(view, starts, _in(mentions.positions, starts, sentence.start, sentence.end))
        index = bisect.bisect_right(sents.starts, sentence.start) - 2
        before = sents[index] if index >= 0 and not positions else None
        if before is not None and not _in(mentions.amounts, starts, before.start, before.end):
            positions = _total_or_all(view, starts, _in(mentions.positions, starts, before.start, before.end))  # 'Gefördert werden 1,5 VZÄ …'
        scope = ((before or sentence).start, sentence.end)  # its own rate: 'die mit je 62.000 € gefördert werden (zusammen 310.000 €)'
    fte = plain(sum((p.fte for p in positions), Decimal(0))) if positions else None
    part = grant.model_copy(update={
        "amount": amount.value, "module": module or amount.module, "positions": fte, "positions_by": {}, "instalments": [],
        "rate_per_fte": rate_per_post(amount.value, fte),
        "evidence": {**grant.evidence, "amount": amount.provenance},
    })
    part._scope = scope
    return part


def _authority(text: str) -> Optional[str]:
    """The deciding authority named in the text, in the nominative; a ministry's abbreviation ('MKFFI') or 'Land
    NRW' where no body is named."""
    found = find_authority(text)
    if found is not None:
        return found[0]
    match = AUTHORITY.search(text)
    return regex.sub(r"\s+", " ", match.group()).strip() if match else None


# '…, der Kreis Coesfeld 247.500 Euro für 4,5 Stellen und die Stadt Gelsenkirchen 440.000 Euro …': the next
# recipient of a list that the decision's verb, said once, goes on to ('Der Kreis Borken erhält 330.000 Euro …')
ELLIPTIC_RECIPIENT = regex.compile(
    r"(?:,[ \t\n]*(?:(?:und|sowie)[ \t\n]+)?|[ \t\n]+(?:und|sowie)[ \t\n]+)(?:der|die|das)[ \t\n]+(?:Stadt|Gemeinde|Kreis|Landkreis|Markt|Region|Städteregion)"
    r"[ \t\n]+[A-ZÄÖÜ][\w-]*(?:[ \t\n]+[A-ZÄÖÜ][\w-]*)?[ \t\n]+(?:mit[ \t\n]+)?[\d.,]+[ \t\n]*(?:Euro|€|EUR)\b")
DECISION_PART = regex.compile(
    r"(?i)\b(?:und|sowie)\s+(?:mit\s+)?(?:\w+)?bescheid\w*\s+vom\b"
    # ', und die Stadt Bad Bergzabern bekommt 187.000 Euro': a clause about the next recipient
    r"|,\s+(?:und|sowie)\s+(?=(?:die|der|das)\s+(?-i:(?:Stadt|Gemeinde|Ortsgemeinde|Verbandsgemeinde|Samtgemeinde|Kreis|Landkreis|Markt)\b)"
    r"[^,.;]{0,80}?\b(?:erh(?:ä|a)lt|bekommt)\b)"
    rf"|(?={ELLIPTIC_RECIPIENT.pattern})")


def _decision_parts(text: str, sentence: Sentence) -> list[Sentence]:
    """A sentence that reports several decisions ('mit Bescheid vom … 225.900 € und mit Bescheid vom …
    171.900 €') in parts, one per decision."""
    cuts = [m.start() for m in DECISION_PART.finditer(text[sentence.start:sentence.end])]
    if not cuts:
        return [sentence]
    bounds = [sentence.start] + [sentence.start + c for c in cuts] + [sentence.end]
    return [Sentence(a, b) for a, b in zip(bounds, bounds[1:])]


class Offsets(dict):
    """View offset of every mention by ``id``; finds the mentions of a list that stand in a stretch of text by
    bisection (each list is in document order), so that linking stays linear in the document's length."""

    def __init__(self, pairs) -> None:
        super().__init__(pairs)
        self._sorted: dict[int, tuple[list[int], bool]] = {}

    def within(self, items: list, start: int, end: int) -> list:
        cached = self._sorted.get(id(items))
        if cached is None or len(cached[0]) != len(items):
            offsets = [self[id(item)] for item in items]
            cached = self._sorted[id(items)] = (offsets, all(a <= b for a, b in zip(offsets, offsets[1:])))
        offsets, in_order = cached
        if not in_order:  # look at every item
            return [item for item, offset in zip(items, offsets) if start <= offset < end]
        return items[bisect.bisect_left(offsets, start):bisect.bisect_left(offsets, end)]


class Sentences(list):
    """Sentences in order, found by offset with bisection."""

    def __init__(self, sentences) -> None:
        super().__init__(sentences)
        self.starts = [s.start for s in self]

    def at(self, offset: int) -> Sentence:
        index = bisect.bisect_right(self.starts, offset) - 1
        if index >= 0 and self[index].start <= offset < self[index].end:
            return self[index]
        return Sentence(offset, offset + 1)


def _view_offsets(view: View, mentions: Mentions) -> Offsets:
    """Offsets in the repaired view of every mention (records hold original offsets)."""
    back = view.from_original
    items = mentions.amounts + mentions.positions + mentions.dates + mentions.periods + mentions.modules
    return Offsets((id(item), back(item.provenance.start)) for item in items)


def _between(sents: Sentences, start: int, end: int) -> list[Sentence]:
    """The sentences that begin in [start, end)."""
    return sents[bisect.bisect_left(sents.starts, start):bisect.bisect_left(sents.starts, end)]


def _sentence_at(sents: Sentences, offset: int) -> Sentence:
    return sents.at(offset)


def _section_end(secs: list[tuple[int, int, int]], offset: int, default: int) -> int:
    for start, end, _ in secs:
        if start <= offset < end:
            return end
    return default


def _in(items, starts: Offsets, start: int, end: int) -> list:
    return starts.within(items, start, end)


def _is_decision(text: str, sentence: Sentence, mentions: Mentions, starts: dict[int, int]) -> bool:
    body = PAGE_FOOTER.sub("", text[sentence.start:sentence.end], count=1)
    if not DECISION.search(body) or NOT_A_DECISION.search(body) or ABOUT_A_PAYMENT.match(body):
        return False
    return any(a.per is None and not is_table_cell(a) and not _is_rate(text, starts, a) and not _share_base(text, starts[id(a)])
               for a in _in(mentions.amounts, starts, sentence.start, sentence.end))


def _share_base(text: str, offset: int) -> bool:
    """'80 % der zuwendungsfähigen Aus-' / 'gaben von 390.000 €': the base of a share, not an amount granted."""
    return SHARE_BASE.search(regex.sub(r"-\s*\n\s*", "", text[max(0, offset - 90):offset])) is not None


def _is_rate(text: str, starts, amount: Amount) -> bool:
    """'zu je 1.012 €', 'à 55.000 €': a price per unit, not an amount granted."""
    return regex.search(r"(?i)(?:\bje|\bà|\bpro)\s*$", text[max(0, starts[id(amount)] - 8):starts[id(amount)]]) is not None


def _grant(view: View, mentions: Mentions, starts, sents: list[Sentence], sentence: Sentence, limit: int,
           amount: Optional[Amount] = None, part: Optional[tuple[int, int]] = None, role: str = "decision") -> Grant:
    """One grant from its decision sentence. A sentence that changes an earlier decision gives two: the
    ``earlier`` grant (the part of the sentence before the new amount) and the ``change``."""
    text = view.text
    body = text[sentence.start:sentence.end]
    if amount is None:
        amounts = [a for a in _in(mentions.amounts, starts, sentence.start, sentence.end) if a.per is None and not is_table_cell(a)]
        # not '80 % der Ausgaben von 390.000 €' nor '… bei Kosten von 750.000 €'; '…, höchstens 312.000 €' is granted
        granted = [a for a, before in zip(amounts, [None] + amounts) if not _share_base(text, starts[id(a)])
                   and not _about_expenses(text, starts[id(before)] + 1 if before else sentence.start, starts[id(a)])]
        amount = max(granted or amounts, key=lambda a: a.value)
        amount = _exact_for_rounded(mentions, starts, amount, sentence.end, limit)
    part_start, part_end = part or (sentence.start, sentence.end)
    evidence = {"amount": amount.provenance}
    grant_text, provenance = view.provenance(sentence.start, sentence.end)
    grant = Grant(text=grant_text, provenance=provenance, amount=amount.value, module=amount.module)

    grant.authority = resolve_bare(_authority(body) or _authority(text[max(0, sentence.start - 300):sentence.start]),
                                   text, sentence.start, sender=mentions.header.authority)
    if mentions.header.kind == "bescheid" and (role == "decision" or grant.authority is None or FIRST_PERSON.search(body)
                                               or LOCAL_BODY.match(grant.authority)):
        grant.authority = mentions.header.authority  # 'hatte ich dem Kreis … bewilligt': the sender decided
    elif grant.authority is None and BESCHEID_CITED.search(body):
        found = find_authority(text[:sentence.start], near=sentence.start)  # 'Mit Bescheid vom …': the funder named before
        grant.authority = resolve_bare(found[0], text, found[1]) if found and not LOCAL_BODY.match(found[0]) else None

    # a change told in a sentence of its own ('… hat … mit Bescheid vom 06.05.2025 die Zuwendung auf … festgesetzt')
    alone = not any(starts[id(a)] < part_start for a in _in(mentions.amounts, starts, sentence.start, sentence.end))
    for date in _in(mentions.dates, starts, sentence.start, sentence.end):
        before = text[max(sentence.start, starts[id(date)] - 40):starts[id(date)]]
        if not DATED_BY.search(before) or date.derived or id(date) in mentions.period_dates:
            continue
        before = regex.sub(r"-[ \t]*\n[ \t]*", "", before)  # 'mit Ände-' / 'rungsbescheid vom'
        if regex.search(r"(?i)\b\w*(?:antrag\w*|Schreiben|Mail|Verwendungsnachweis\w*|Nachweis\w*)(?:\s+(?:der|des|die|dem|den)\s+\w+)?\s+vom\s*$", before):
            continue  # the date of an application or a letter ('Änderungsantrag der Stadt vom'), not of the decision
        if regex.search(r"(?i)\bam\s*$", before) and PAYMENT.search(text, starts[id(date)], min(sentence.end, starts[id(date)] + 60)):
            continue  # 'am 30.06. ausgezahlt': a payment
        names_change = bool(regex.search(r"(?i)(?:(?:Ä|A)nderungs|Festsetzungs)bescheid\w*\s+vom\s*$", before))
        if role == "decision" or names_change == (role == "change") or role == "change" and alone:
            grant.decision_date = date.value
            evidence["decision_date"] = date.provenance
            break
    if grant.decision_date is None and role != "change" and (role == "earlier" or REFERS_TO_EARLIER.search(body)):
        grant.decision_date = _referenced_decision_date(text, mentions, starts)
    if grant.decision_date is None and role == "change" and mentions.header.kind != "bescheid" and REFERS_TO_EARLIER.search(body):
        grant.decision_date = _decision_in_subject(text, mentions, starts)  # 'mit dem angefochtenen Bescheid … neu fest'
    if grant.decision_date is None and role != "change":
        grant.decision_date = _dated_just_before(text, mentions, starts, sents, sentence)
    if grant.decision_date is None and role != "change":
        grant.decision_date = _same_day(text, mentions, starts, sentence)
    shared = _shared_citation(text, mentions, starts, sents, sentence) if role == "decision" else None
    if not sentence.start <= starts[id(amount)] < sentence.end:  # stated exactly later: dated and named around there
        exact = _sentence_at(sents, starts[id(amount)])
        grant.decision_date = grant.decision_date or _dated_just_before(text, mentions, starts, sents, exact)
        named = find_authority(text[max(sentence.start, exact.start - 300):exact.end])
        grant.authority = grant.authority or (named[0] if named else None)
    if shared is not None:
        dates = cited_dates(text, mentions, starts, shared.start, shared.end)
        grant.decision_date = grant.decision_date or (dates[-1].value if dates else None)
        named = find_authority(text[shared.start:shared.end])
        if named and rank_of(named[0]) == 0 and (grant.authority is None or rank_of(grant.authority) > 0):
            grant.authority = resolve_bare(named[0], text, shared.start)  # the funder the statement names, not the town
    if mentions.header.kind != "bescheid" and (grant.decision_date is None or grant.authority is None or LOCAL_BODY.match(grant.authority)):
        _told_just_after(text, mentions, starts, sents, sentence, grant)
    if mentions.header.kind != "bescheid" and (grant.authority is None or LOCAL_BODY.match(grant.authority)):
        _told_just_before(text, mentions, starts, sents, sentence, grant)
    if grant.authority is None or LOCAL_BODY.match(grant.authority):
        grant.authority = _abbreviated_decider(text, body) or grant.authority
    if (grant.authority is None or LOCAL_BODY.match(grant.authority)) and ADDRESSEE_DECIDED.search(body):
        grant.authority = _addressee(mentions)  # 'hatten Sie der Gemeinde … bewilligt': the body the letter goes to
    if grant.decision_date is None and role != "earlier" and mentions.header.kind == "bescheid":
        grant.decision_date = mentions.header.date
    if mentions.header.kind in ONE_DECISION_REPORTED:  # a Nachweis on the decision its head cites
        grant.decision_date = grant.decision_date or _referenced_decision_date(text, mentions, starts)
        if grant.authority is None or rank_of(grant.authority) > 0:
            grant.authority = _labelled_decider(text) or grant.authority
    if grant.module is None:
        grant.module = _module_of_cited_file(body)
    if grant.module is None:
        numbers = {m.number for m in mentions.modules}
        grant.module = numbers.pop() if len(numbers) == 1 else None

    period = _grant_period(view, mentions, starts, sents, sentence, limit)
    if period is None and shared is not None:  # 'Bewilligungszeitraum ist jeweils …' after the shared citation
        period = next(iter(_in(mentions.periods, starts, shared.start, _shared_end(mentions, starts, sents, shared))), None)
    if period is None and mentions.header.kind in ONE_DECISION_REPORTED:  # a Nachweis's head: 'Bewilligungszeitraum: …'
        period = next((p for p in mentions.periods if PERIOD_WORDS.search(text, max(0, starts[id(p)] - 40), starts[id(p)])), None)
    if period is not None:
        grant.period = (period.start, period.end)
        evidence["period"] = period.provenance

    positions = _in(mentions.positions, starts, part_start, part_end)
    if positions:
        positions = _total_or_all(view, starts, positions)
    # what follows a change ('Gefördert werden nunmehr 5,5 Stellen') tells the new state, not the earlier one
    told_after = not (role == "earlier" and NEW_STATE.search(text, sentence.end, limit))
    if not positions and told_after:
        positions = _funded_positions(view, mentions, starts, sents, sentence.end, limit)
    if not positions and told_after:
        positions = _part_positions(mentions, starts, sents, sentence.end, limit)
    assign_positions(grant, positions, evidence)
    grant.kind = role
    # Payments named after a Festsetzung were made on the earlier grant; after an increase, on the changed one.
    fixes = role != "decision" and FIXES.search(body) is not None
    if (role == "decision") or (role == "earlier") == fixes:
        grant.instalments = _instalments(view, mentions, starts, sents, sentence, limit, grant)
    grant.evidence = evidence
    grant._scope = (sentence.start, limit)
    return grant


# A module in a file number: 'KIM-B2', 'KIM2', '-M3-', 'Baustein 1'.
MODULE_IN_REFERENCE = regex.compile(r"(?i)(?:KIM[-\s]?(?:B|M|Modul|Baustein)?|(?<![A-Z])(?:B|M))[-\s]?([1-3])(?!\d)")
# a file number a sentence cites: '(Az. 36.08.02-KIM-B2-HX/2024)'
CITED_FILE = regex.compile(r"\b(?:Az\.|Aktenzeichen|Gz\.)\s*:?\s*(\S+)")


def _module_of_cited_file(body: str) -> Optional[int]:
    """The module the file number a sentence cites names: the file is the whole funding case's."""
    cited = CITED_FILE.search(body)
    match = MODULE_IN_REFERENCE.search(cited.group(1)) if cited and "KIM" in cited.group(1).upper() else None
    return int(match.group(1)) if match else None


ADDRESSEE_DECIDED = regex.compile(r"(?i)\b(?:hatten|haben)\s+Sie\b|\bsetzen\s+Sie\b|\bfordern\s+Sie\b|\bwiderrufen\s+Sie\b")


def _addressee(mentions: Mentions) -> Optional[str]:
    """The body a letter is addressed to: the first named in its head after the sender's name."""
    letter = mentions.structure.letter if mentions.structure else None
    if letter is None or letter.sender_span is None:
        return None
    head_end = letter.subject_span[0] if letter.subject_span else letter.sender_span[1] + 400
    sender_words = set((letter.sender or "").lower().split())
    lines = mentions.structure.text[letter.sender_span[1]:head_end].split("\n")
    # the address follows the sender's return address ('Kreis Steinfurt · Postfach 42 · …'); what stands above it
    # is the letterhead ('Der Landrat' / 'Amt für Ordnung und Migration')
    below = next((index for index, line in enumerate(lines) if return_address(line)), -1)
    for line in lines[below + 1:]:
        if "·" in line or sender_words & set(line.lower().split()):
            continue  # the sender's return address or its own lines
        named = find_authority(line)
        if named:
            return named[0]
    return None


ROUNDED_WORDS = frozenset({"rund", "ca.", "etwa", "gut", "knapp", "über", "fast"})


def _exact_for_rounded(mentions: Mentions, starts, amount: Amount, after: int, limit: int) -> Amount:
    """A rounded amount ('mit rund 2,38 Millionen Euro') that the grant's next sentences state exactly ('beläuft
    sich exakt auf 2.381.640 Euro'): the exact one."""
    if (amount.qualifier or "").lower() not in ROUNDED_WORDS:
        return amount
    near = [a for a in _in(mentions.amounts, starts, after, limit)
            if a.per is None and not a.qualifier and abs(a.value - amount.value) <= amount.value / 100]
    return near[0] if near else amount


GRANT_FIELDS = ("module", "authority", "decision_date", "positions", "period", "rate_per_fte")
DECISION_FIELDS = ("authority", "decision_date", "period")  # what decisions told together share, unlike their posts


def fill_gaps(grant: Grant, other: Grant, fields: tuple[str, ...] = GRANT_FIELDS, instalments: bool = True) -> None:
    """The ``fields`` the same decision's other mention gives where this one gives none (and its instalments)."""
    for name in fields:
        if getattr(grant, name) is None and getattr(other, name) is not None:
            setattr(grant, name, getattr(other, name))
    if instalments and not grant.instalments:
        grant.instalments = other.instalments


def rate_per_post(amount: Optional[Decimal], posts: Optional[Decimal]) -> Optional[Decimal]:
    """A grant's amount per post, to the cent; None without posts."""
    if not posts or amount is None:
        return None
    return plain((amount / posts).quantize(Decimal("0.01")))


def assign_positions(grant: Grant, positions: list[Position], evidence: dict) -> None:
    """The posts a grant covers: their sum, per authority or role, and the amount per post."""
    if not positions:
        return
    grant.positions = plain(sum((p.fte for p in positions), Decimal(0)))
    evidence["positions"] = positions[0].provenance
    for position in positions:
        key = position.authority or position.role
        if key:
            grant.positions_by[key] = plain(grant.positions_by.get(key, Decimal(0)) + position.fte)
    grant.rate_per_fte = rate_per_post(grant.amount, grant.positions)


def _change(text: str, mentions: Mentions, starts, sentence: Sentence) -> Optional[tuple[Optional[Amount], Amount]]:
    """(earlier amount or None, new amount) of a sentence that changes a decision, else None."""
    if not CHANGE_VERB.search(text, sentence.start, sentence.end):
        return None
    amounts = [a for a in _in(mentions.amounts, starts, sentence.start, sentence.end) if a.per is None]
    changed = next((a for a in amounts if regex.search(r"(?i)\bauf\s*$", text[max(0, starts[id(a)] - 10):starts[id(a)]])
                    and not _about_expenses(text, sentence.start, starts[id(a)])
                    and not _about_a_payment(text, sentence.start, starts[id(a)])), None)
    if changed is None:
        return None
    earlier = [a for a in amounts if starts[id(a)] < starts[id(changed)]  # 'um 110.000 €', '7.560 € widerrufen': differences
               and not regex.search(r"(?i)\bum\s*$", text[max(0, starts[id(a)] - 8):starts[id(a)]])
               and not WITHDRAWN.match(text, starts[id(a)], starts[id(a)] + 60)
               and not WITHDRAWN_BEFORE.search(text, max(0, starts[id(a)] - 80), starts[id(a)])
               and not _about_expenses(text, sentence.start, starts[id(a)])]
    return (earlier[-1] if earlier else None), changed


CLAUSE_END = regex.compile(r"[.:;„“]\s")
PAYMENT_SUBJECT = regex.compile(r"(?i)\b(?:Teilbetrag|Rate|Abschlag|Abschlagszahlung|Auszahlung|Restbetrag|Schlusszahlung)\b")


def _about_a_payment(text: str, start: int, offset: int) -> bool:
    """'Der zweite Teilbetrag wird auf 82.500,00 EUR erhöht': the clause sets a payment, not the grant."""
    clause_start = max([start] + [m.end() for m in CLAUSE_END.finditer(text, start, offset)])
    return PAYMENT_SUBJECT.search(text, clause_start, offset) is not None


def _about_expenses(text: str, start: int, offset: int) -> bool:
    """'… der zuwendungsfähigen Ausgaben gewährt, die auf 268.500 € festgesetzt werden': what is set is the
    expenses, the last thing named before the amount, not the grant."""
    named = list(GRANT_OR_EXPENSES.finditer(text, max(start, offset - 160), offset))
    return bool(named) and named[-1]["expenses"] is not None


def _dated_just_before(text: str, mentions: Mentions, starts, sents: Sentences, sentence: Sentence) -> Optional[dt.date]:
    """'… hat den Antrag mit Zuwendungsbescheid vom 12.12.2023 bewilligt. Sie gewährt … 178.200 €': the
    sentence before, naming the Bescheid and its date but no amount, dates the decision."""
    before = _citing_neighbour(text, mentions, starts, sents, bisect.bisect_right(sents.starts, sentence.start) - 2)
    dates = cited_dates(text, mentions, starts, before.start, before.end) if before else []
    return dates[-1].value if dates else None


def _citing_neighbour(text: str, mentions: Mentions, starts, sents: Sentences, index: int) -> Optional[Sentence]:
    """The sentence at ``index`` where it names a Bescheid ('mit Bescheid vom …') but no amount: it tells of the
    decision the sentence beside it gives the amount of."""
    if not 0 <= index < len(sents):
        return None
    neighbour = sents[index]
    if not BESCHEID_CITED.search(text, neighbour.start, neighbour.end) or _in(mentions.amounts, starts, neighbour.start, neighbour.end):
        return None
    return neighbour


SEVERAL_BESCHEIDE = regex.compile(
    r"(?i)\b(?:zwei|drei|vier|f(?:ü|u)nf|beiden|mehreren)\s+(?:\w+\s+)?\w*Bescheid(?:en|e)\b"
    r"|\b(?:hat|haben)\b[^.]{0,80}\b(?:Zuwendungen|Zusch(?:ü|u)sse|F(?:ö|o)rdermittel)\b[^.]{0,120}\bbewilligt\b")  # 'hat … Zuwendungen für Vorhaben in fünf Städten bewilligt'


def _shared_citation(text: str, mentions: Mentions, starts, sents: Sentences, sentence: Sentence) -> Optional[Sentence]:
    """'Die Bezirksregierung hat … mit zwei Bescheiden vom 17.01.2025 entsprochen.', a few sentences before the
    grant and without an amount of its own: it dates each of the decisions the sentences after it report."""
    index = bisect.bisect_right(sents.starts, sentence.start) - 2
    for before in sents[max(0, index - 5):index + 1][::-1]:
        said = SEVERAL_BESCHEIDE.search(text, before.start, before.end)
        if said and not _in(mentions.amounts, starts, said.start(), before.end):  # a headline above may name a sum
            return Sentence(max(before.start, text.rfind("\n", 0, said.start()) + 1), before.end)
    return None


def _shared_end(mentions: Mentions, starts, sents: Sentences, shared: Sentence) -> int:
    """The end of a shared citation with the sentence after it, where that names no amount ('Bewilligungszeitraum
    ist jeweils …')."""
    index = bisect.bisect_right(sents.starts, shared.start)
    after = sents[index] if index < len(sents) else None
    return after.end if after is not None and not _in(mentions.amounts, starts, after.start, after.end) else shared.end


def _same_day(text: str, mentions: Mentions, starts, sentence: Sentence) -> Optional[dt.date]:
    """'Eine gute Nachricht hat uns am 2. Oktober 2024 erreicht: Das Ministerium … hat mit Bescheid von diesem
    Tag …': the date the text named just before."""
    said = SAME_DAY.search(text, sentence.start, sentence.end)
    if said is None:
        return None
    dates = decision_dates(mentions, starts, max(0, sentence.start - 200), said.start())
    return dates[-1].value if dates else None


def _told_just_after(text: str, mentions: Mentions, starts, sents: Sentences, sentence: Sentence, grant: Grant) -> None:
    """'Der Kreis erhält … 183.600 Euro … Bewilligt hat die Mittel das Landesamt … mit Bescheid vom 4. März
    2024.': the sentence after, naming a Bescheid and its date but no amount, says who decided and when."""
    after = _citing_neighbour(text, mentions, starts, sents, bisect.bisect_right(sents.starts, sentence.start))
    section_at = mentions.structure.section_at
    if after is None or section_at(after.end - 1) is not section_at(sentence.start):
        return  # the next item of the minutes or the next part of the paper tells of another decision
    dates = cited_dates(text, mentions, starts, after.start, after.end)
    if grant.decision_date is None and dates:
        grant.decision_date = dates[-1].value
    found = find_authority(text[after.start:after.end])
    if found and not LOCAL_BODY.match(found[0]) and (grant.authority is None or LOCAL_BODY.match(grant.authority)):
        grant.authority = resolve_bare(found[0], text, after.start)


def _told_just_before(text: str, mentions: Mentions, starts, sents: Sentences, sentence: Sentence, grant: Grant) -> None:
    """'Die Bezirksregierung Münster hat am 22. Februar 2024 die Förderbescheide … versandt. … Der Kreis Borken
    erhält 330.000 Euro …': a sentence of the same part before, naming Bescheide, their funder and a date but no
    amount of this grant, says who decided and when; the Kreis the grant's sentence names receives."""
    index = bisect.bisect_right(sents.starts, sentence.start) - 2
    section = mentions.structure.section_at(sentence.start)
    for before in sents[max(0, index - 3):index + 1][::-1]:
        if mentions.structure.section_at(before.start) is not section:
            break
        if not regex.search(r"(?i)bescheid", text[before.start:before.end]):
            continue
        found = find_authority(text[before.start:before.end])
        if found is None or rank_of(found[0]) > 0:
            continue
        grant.authority = resolve_bare(found[0], text, before.start)
        dates = cited_dates(text, mentions, starts, before.start, before.end)  # 'hat am 22. Februar 2024 … versandt'
        grant.decision_date = grant.decision_date or (dates[-1].value if dates else None)
        return


def _abbreviated_decider(text: str, body: str) -> Optional[str]:
    """'mit Bescheid des LS vom 19.04.2024' where the paper wrote 'Niedersächsisches Landesamt für Soziales,
    Jugend und Familie (LS)' before: the body the abbreviation stands for."""
    for used in ABBREVIATION_USED.finditer(body):
        defined = regex.search(rf"\(\s*{regex.escape(used[1])}\s*\)", text)
        found = find_authority(text[max(0, defined.start() - 200):defined.start()]) if defined else None
        if found and not LOCAL_BODY.match(found[0]):
            return found[0]
    return None


def decision_dates(mentions: Mentions, starts, start: int, end: int) -> list:
    """The dates of a stretch of text that can date a decision: calendar dates, not the ends of a period."""
    return [d for d in _in(mentions.dates, starts, start, end) if not d.derived and id(d) not in mentions.period_dates]


def cited_dates(text: str, mentions: Mentions, starts, start: int, end: int) -> list:
    """Those dates of a stretch that something is dated by ('Bescheid vom 14.02.2023', 'vom: 03.03.2023')."""
    return [d for d in decision_dates(mentions, starts, start, end) if DATED_BY.search(text, max(0, starts[id(d)] - 10), starts[id(d)])]


def _labelled_decider(text: str) -> Optional[str]:
    """The body a form's label names: 'Bewilligungsbehörde: Regierungspräsidium Stuttgart'."""
    label = DECIDER_LABEL.search(text)
    found = find_authority(text[label.end():label.end() + 150]) if label else None
    return found[0] if found and rank_of(found[0]) == 0 else None


def _decision_in_subject(text: str, mentions: Mentions, starts) -> Optional[dt.date]:
    """The date of the Bescheid the Betreff names ('Widerspruch gegen den … Bescheid vom 22.07.2025')."""
    span = mentions.structure.letter.subject_span
    dates = cited_dates(text, mentions, starts, *span) if span else []
    return dates[0].value if dates else None


def _referenced_decision_date(text: str, mentions: Mentions, starts) -> Optional[dt.date]:
    """The date of the first 'Bescheid … vom <date>' cited in the document."""
    for date in mentions.dates:
        offset = starts[id(date)]
        if not date.derived and CITED_DECISION.search(text[max(0, offset - 60):offset]):
            return date.value
    return None


def _inherit_from_earlier(grants: list[Grant]) -> None:
    """A Festsetzung or Änderung repeats a grant: what it leaves unsaid (period, FTE) is the earlier grant's."""
    for index, grant in enumerate(grants):
        if grant.period is None and index and SAME_PERIOD.search(grant.text):
            grant.period = grants[index - 1].period
        if grant.module is None and grant.kind == "change" and index:
            grant.module = grants[index - 1].module  # '… (Baustein 2) wurde zunächst … gefördert. … auf 495.000 € erhöht.'
        earlier = [g for g in grants[:index] if g.module == grant.module]
        if not earlier:
            continue
        if grant.period is None and grant.kind == "change":
            grant.period = earlier[-1].period
        if grant.positions is None and (earlier[-1].amount == grant.amount or grant.kind == "change"):
            grant.positions = earlier[-1].positions
            grant.rate_per_fte = earlier[-1].rate_per_fte
        if grant.kind == "change" and not FIXES.search(grant.text):
            # an increase: what was paid on the earlier grant counts towards the changed one
            paid = [i for i in earlier[-1].instalments if i.paid or (i.date and grant.decision_date and i.date < grant.decision_date)]
            grant.instalments = paid + [i for i in grant.instalments if i not in paid]


SAME_PERIOD = regex.compile(r"(?i)\b(?:denselben|gleichen|selben)\s+(?:Bewilligungs-?\s*)?Zeit-?\s*raum")
PERIOD_WORDS = regex.compile(r"(?i)zeitraum|laufzeit|f(?:ö|o)rderjahr|haushaltsjahr|bewilligungsjahr")


def _grant_period(view: View, mentions: Mentions, starts, sents: list[Sentence], sentence: Sentence, limit: int):
    """The period in the decision sentence, else in a later sentence of the grant that names one as the
    grant's ('Bewilligungszeitraum ist …', 'Sie gilt für …')."""
    inside = _in(mentions.periods, starts, sentence.start, sentence.end)
    if inside:
        return inside[0]
    for later in _between(sents, sentence.end, limit):
        periods = _in(mentions.periods, starts, later.start, later.end)
        body = view.text[later.start:later.end]
        if periods and (PERIOD_WORDS.search(body) or GRANT_REFERENCE.match(body)):
            return periods[0]
    return None


def _total_or_all(view: View, starts, positions: list[Position]) -> list[Position]:
    """'insgesamt 2,5 Stellen, und zwar …': the total alone, else every position named."""
    text = view.text
    for position in positions:
        offset = starts[id(position)]
        end = view.from_original(position.provenance.end)
        if regex.search(r"(?i)\b(?:insgesamt|zusammen|gesamt|in\s+Summe)\s+(?:\w+\s+)?$", text[max(0, offset - 25):offset]):
            return [position]
        if len(positions) > 1 and regex.search(r"(?i)\bauf\s+$", text[max(0, offset - 6):offset]):
            return [position]  # 'von bisher 4,0 auf 5,5': the posts now funded
        if len(positions) > 1 and BREAKDOWN_AFTER.match(text, end, end + 110):
            return [position]  # '2,75 Stellen: … eine Vollzeitstelle und …', '3,0 Stellen zu je 62.000 €, davon …'
    return positions


# what follows a total of posts before its parts: ':', '(', ', davon', ', und zwar' — past a rate ('zu je 62.000 €')
BREAKDOWN_AFTER = regex.compile(
    r"(?:(?!\.\s)[^;:()\d]|\d[\d.,]*\s*(?:€|EUR|Euro))"
    r"{0,80}?(?::|\(|,\s*und\s+zwar|,\s*davon|,\s*n(?:ä|a)mlich|,\s*darunter|,\s*bestehend\s+aus)")


def _funded_positions(view: View, mentions: Mentions, starts, sents: list[Sentence], start: int, limit: int) -> list[Position]:
    """The positions of the first sentence after a decision that says they are funded ('Gefördert werden …')."""
    for sentence in _between(sents, start, limit):
        positions = _in(mentions.positions, starts, sentence.start, sentence.end)
        describes_grant = GRANT_REFERENCE.match(view.text, sentence.start) is not None
        if positions and (describes_grant or any(p.status == "funded" for p in positions)):
            return _total_or_all(view, starts, positions)
    return []


# A sentence that goes on about the grant just named: 'Sie umfasst …', 'Damit werden …', 'Mit ihr …'.
GRANT_REFERENCE = regex.compile(
    r"\s*(?:Sie|Damit|Hiermit|Dadurch|Mit\s+(?:ihr|ihm|diesen\s+Mitteln|der\s+Pauschale|der\s+Zuwendung)"
    r"|(?:Die|Der|Dem)\s+(?:Zuwendung|Pauschale|Mittel|Bewilligung|F(?:ö|o)rderung)|Gef(?:ö|o)rdert)\b"
)


def _part_positions(mentions: Mentions, starts, sents: list[Sentence], start: int, limit: int) -> list[Position]:
    """Positions named beside the parts of a grant's amount in the sentences after it."""
    found = []
    for sentence in _between(sents, start, limit):
        if _in(mentions.amounts, starts, sentence.start, sentence.end):
            found += [p for p in _in(mentions.positions, starts, sentence.start, sentence.end) if not is_table_cell(p)][:1]
    return found


def _instalments(view: View, mentions: Mentions, starts, sents, decision: Sentence, limit: int, grant: Grant,
                 payment_part: bool = False) -> list[Instalment]:
    """Payments of the grant named in its sentences: amounts, or shares ('die Hälfte'), with their dates. In a
    Bescheid's payment part, the items of a list ('– 138.000,00 EUR zum 1. März 2021,') are payments too."""
    text = view.text
    in_table = mentions.structure.in_table  # a table's cells are payments only under a payment's words
    instalments = []
    announced = False  # 'Die Auszahlung erfolgte in drei Teilbeträgen:' before a list of the payments
    for sentence in _between(sents, decision.start, limit):
        body = text[sentence.start:sentence.end]
        listed = (payment_part or announced) and LIST_ITEM.match(body) is not None
        if not listed:
            announced = bool(INSTALMENT.search(body) and PAYMENT.search(body) and body.rstrip().endswith(":"))
        if not listed and (not INSTALMENT.search(body) or not PAYMENT.search(body)) or BUDGET_OUTFLOW.search(body):
            continue  # 'überplanmäßige Auszahlung': money the budget spends, no payment of the grant
        if len(set(regex.findall(r"(?i)\b(?:Modul|Baustein)\w*\s+(\d|I{1,3})\b", body))) > 1:
            continue  # payments of several modules in one sentence: not attributable here
        fraction_word = regex.search(r"(?i)\b(H(?:ä|a)lfte|Drittel|Viertel)\b", body)
        amounts = [a for a in _in(mentions.amounts, starts, sentence.start, sentence.end)
                   if a.value != grant.amount and a.per is None and not is_table_cell(a) and a.value > 0
                   and (grant.amount is None or a.value < grant.amount)  # a payment is a part of what it pays
                   and not REPAYMENT.search(text, max(0, starts[id(a)] - 40), starts[id(a)])
                   and not (in_table(starts[id(a)]) and not PAYMENT.search(text, max(0, starts[id(a)] - 80), starts[id(a)]))]
        if len(amounts) > 2 and TOTAL_BEFORE.search(text, max(0, starts[id(amounts[0])] - 30), starts[id(amounts[0])]):
            amounts = amounts[1:]  # 'von insgesamt 520.000 €, nämlich 300.000 € … und 220.000 € …': the payments
        dates = [d for d in _in(mentions.dates, starts, sentence.start, sentence.end)
                 if not d.derived and id(d) not in mentions.period_dates]
        if amounts:
            parts = [(a.value, None) for a in amounts]
            count = _instalment_count(body)
            if len(amounts) == 1 and count > 1 and regex.search(r"(?i)\bje\s*(?:EUR|€)?\s*$", text[max(0, starts[id(amounts[0])] - 12):starts[id(amounts[0])]]):
                parts = parts * count
        elif fraction_word and grant.amount is not None:
            fraction = FRACTIONS[fraction_word.group(1).lower()]
            parts = [(plain((grant.amount * fraction).quantize(Decimal("0.01"))), fraction)]
        elif ONE_PAYMENT.search(body) and grant.amount is not None and len(dates) == 1 and not instalments \
                and all(int(n) == grant.module for n in regex.findall(r"(?i)\b(?:Modul|Baustein)\w*\s+(\d)\b", body)):
            parts = [(grant.amount, None)]  # 'Dieser Betrag wird in einer Summe zum 15.04.2025 ausgezahlt.'
        else:
            continue
        if not listed and len(parts) == 1 and ORDINAL_PAYMENT.search(body) and any(i.amount == parts[0][0] for i in instalments):
            continue  # 'Hiermit rufen wir den zweiten Teilbetrag in Höhe von 82.500,00 € ab': one listed already
        span_text, provenance = view.provenance(sentence.start, sentence.end)
        paid = bool(PAID.search(body))
        undated = max(0, len(parts) - len(dates))  # 'die erste Rate nach Bestandskraft, die zweite zum …'
        for index, (value, fraction) in enumerate(parts):
            date = dates[index - undated] if index >= undated and index - undated < len(dates) else None
            instalments.append(Instalment(amount=value, fraction=fraction, date=date.value if date else None,
                                          paid=True if paid and date is None else (False if date else None),
                                          text=span_text, provenance=provenance))
    return instalments


BUDGET_OUTFLOW = regex.compile(r"(?i)\b(?:(?:ü|u)ber|au(?:ß|ss)er)planm(?:ä|a)(?:ß|ss)ig\w*\s+Auszahlung|\b(?:Minder|Mehr)auszahlung|\binvestive\w*\s+Auszahlung")
LIST_ITEM = regex.compile(r"\s*[–•\-*]\s")
ORDINAL_PAYMENT = regex.compile(r"(?i)\b(?:erste|zweite|dritte|vierte|letzte|restliche)[nr]?\s+(?:Rate|Teilbetrag|Abschlag|Tranche|Teilzahlung)")
ONE_PAYMENT = regex.compile(r"(?i)\bin\s+einer\s+Summe\b|\bin\s+einem\s+Betrag\b")
TOTAL_BEFORE = regex.compile(r"(?i)\b(?:insgesamt|zusammen|gesamt)\s*$")
REPAYMENT = regex.compile(  # 'eine Überzahlung von 15.000 €': money going back, no payment of the grant
    r"(?i)(?:(?:Ü|U)berzahlung|Erstattung|R(?:ü|u)ckforderung|R(?:ü|u)ckzahlung|Zins)\w*\s+(?:\w+\s+){0,2}(?:von|in\s+H(?:ö|o)he\s+von)?\s*$")
COUNTED = regex.compile(
    r"(?i)\b(?P<n>zwei|drei|vier|f(?:ü|u)nf|sechs|zw(?:ö|o)lf|\d{1,2})\s+(?:\w+\s+)?"
    r"(?:Raten|Teilbetr(?:ä|a)ge\w*|Abschl(?:ä|a)ge\w*|Abschlagszahlungen|Tranchen|Teilzahlungen)\b"
)


def _instalment_count(body: str) -> int:
    """'in vier gleichen Teilbeträgen': 4; 0 when no count is named."""
    match = COUNTED.search(body)
    if not match:
        return 0
    word = match["n"].lower()
    if word.isdigit():
        return int(word)
    return parse_number_words(word.replace("u", "ü") if word in ("funf", "zwolf") else word) or 0
