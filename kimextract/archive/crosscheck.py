"""Rules across the documents of an archive: one decision as several papers state it.

A statement is one grant of one paper. Statements are the same decision when they carry the same file number
(and no different decision date), or the same deciding body, decision date and module, and name no different
recipient or programme. The paper that bears
the decision is its Bescheid (a grant of a Bescheid that is not an earlier decision it cites); where it is in
the archive, every other statement is held against it, else the statements against each other. A statement
that reports what several decisions of a module came to in a year ('mit zwei Bescheiden insgesamt …') is a
total, held against the sum of the decisions in the archive for the same recipient, module and year.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple, Optional

import duckdb
import regex

from ..records import ArchiveFinding, Evidence, Provenance
from ..rules import ARCHIVE_SEVERITY, ArchiveRule

APPROXIMATE = frozenset({"rund", "ca.", "circa", "etwa", "gut", "knapp", "über", "mehr als", "fast"})
# 'mit zwei Bescheiden insgesamt', 'Summe der Bewilligungen', 'im Jahr 2022 insgesamt': several decisions summed
TOTAL_OF_SEVERAL = regex.compile(
    r"(?i)\b\w*bescheide[n]?\b|\bbewilligungen\b|\bsumme\b"
    r"|\binsgesamt\b[^.;]{0,60}?\b(?:im|f(?:ü|u)r\s+das)\s+(?:Haushalts|F(?:ö|o)rder|Bewilligungs)?jahr\s+20\d\d"
    r"|\b(?:im|f(?:ü|u)r\s+das)\s+(?:Haushalts|F(?:ö|o)rder|Bewilligungs)?jahr\s+20\d\d\b[^.;]{0,80}?\binsgesamt\b")
YEAR = regex.compile(r"(?i)(?:jahr|jahres)\s+(20\d\d)\b")
FIELD_RULES = {"amount": ArchiveRule.AMOUNT, "positions": ArchiveRule.POSITIONS, "period": ArchiveRule.PERIOD}
FIELD_LABELS = {"amount": "Betrag", "positions": "Stellen", "period": "Zeitraum"}
KIND_NAMES = {"bescheid": "Bescheid", "berichtsvorlage": "Berichtsvorlage", "beschlussvorlage": "Beschlussvorlage",
              "mitteilungsvorlage": "Mitteilungsvorlage", "niederschrift": "Niederschrift", "antrag": "Antrag",
              "verwendungsnachweis": "Verwendungsnachweis", "pressemitteilung": "Pressemitteilung", "bericht": "Bericht",
              "haushalt": "Haushalt", "schreiben": "Schreiben", "stellungnahme": "Stellungnahme", "rede": "Rede",
              "gericht": "Gerichtsentscheidung"}


class Place(NamedTuple):
    """A value's place as a row of the database gives it; a :class:`Provenance` only where evidence needs one."""

    page: int
    start: int
    end: int
    bbox: Optional[tuple[float, float, float, float]]


@dataclass
class Statement:
    """One paper's statement of a decision: a grant with the document it stands in."""

    document_id: str
    path: Optional[str]
    sha256: Optional[str]
    document_kind: Optional[str]
    document_date: Optional[dt.date]
    grant_index: int
    kind: str
    reference: Optional[str]
    authority: Optional[str]
    decision_date: Optional[dt.date]
    module: Optional[int]
    recipient: Optional[str]
    programme: Optional[str]
    amount: Optional[Decimal]
    positions: Optional[Decimal]
    period: Optional[tuple[dt.date, dt.date]]
    text: str
    place: Place
    places: dict[str, Place] = field(default_factory=dict)
    instalments: list[tuple[Optional[dt.date], Optional[Decimal], Place]] = field(default_factory=list)
    approximate: bool = False

    @property
    def own(self) -> bool:
        """The Bescheid that bears the decision, not a paper that cites it."""
        return self.document_kind == "bescheid" and self.kind != "earlier"

    @property
    def total(self) -> bool:
        return not self.own and self.reference is None and TOTAL_OF_SEVERAL.search(self.text) is not None

    @property
    def paper(self) -> str:
        return KIND_NAMES.get(self.document_kind or "", "Papier")


def _provenance(row: dict) -> Place:
    box = (row["x0"], row["top"], row["x1"], row["bottom"])
    return Place(row["page"] or 1, row["start"] or 0, row["end"] or 0, None if None in box else box)


def _fetch(connection: duckdb.DuckDBPyConnection, query: str) -> list[dict]:
    cursor = connection.execute(query)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def load_statements(connection: duckdb.DuckDBPyConnection) -> list[Statement]:
    """Every grant of the archive with its document, field provenance and instalments."""
    grants = _fetch(connection, """
        SELECT g.*, d.path, d.sha256, d.kind AS document_kind, d.date AS document_date
        FROM grants g JOIN documents d USING (document_id) ORDER BY d.path, g.document_id, g.grant_index""")
    places: dict[tuple[str, int], dict[str, Place]] = defaultdict(dict)
    for row in _fetch(connection, "SELECT * FROM grant_evidence"):
        places[(row["document_id"], row["grant_index"])][row["field"]] = _provenance(row)
    paid: dict[tuple[str, int], list] = defaultdict(list)
    for row in _fetch(connection, "SELECT * FROM instalments ORDER BY document_id, grant_index, instalment_index"):
        paid[(row["document_id"], row["grant_index"])].append((row["date"], row["amount"], _provenance(row)))
    approximate = {(row["document_id"], row["start"]) for row in _fetch(
        connection, "SELECT document_id, start, qualifier FROM amounts WHERE qualifier IS NOT NULL")
        if row["qualifier"].lower() in APPROXIMATE}
    statements = []
    for row in grants:
        key = (row["document_id"], row["grant_index"])
        period = (row["period_start"], row["period_end"]) if row["period_start"] and row["period_end"] else None
        amount_place = places[key].get("amount")
        statements.append(Statement(
            document_id=row["document_id"], path=row["path"], sha256=row["sha256"], document_kind=row["document_kind"],
            document_date=row["document_date"], grant_index=row["grant_index"], kind=row["kind"],
            reference=row["reference"], authority=row["authority"], decision_date=row["decision_date"],
            module=row["module"], recipient=row["recipient"], programme=row["programme"], amount=row["amount"], positions=row["positions"],
            period=period, text=row["text"] or "", place=_provenance(row), places=places[key], instalments=paid[key],
            approximate=amount_place is not None and (row["document_id"], amount_place.start) in approximate))
    return statements


# ---------------------------------------------------------------------------------------------------------
# which statements are one decision


@lru_cache(maxsize=4096)
def _reference_key(reference: str) -> str:
    """'Az. 36.08.02-KIM1-09/21' and '36.08.02 - KIM1 - 09/21' are one file number."""
    return regex.sub(r"[\s.\-/_]", "", reference).upper()


@lru_cache(maxsize=4096)
def _authority_key(authority: str) -> str:
    return regex.sub(r"\s+", " ", authority).strip().lower()


class Clusters:
    """Union-find over statements."""

    def __init__(self, count: int) -> None:
        self.parent = list(range(count))

    def find(self, index: int) -> int:
        while self.parent[index] != index:
            self.parent[index] = self.parent[self.parent[index]]
            index = self.parent[index]
        return index

    def join(self, indices: list[int]) -> None:
        for index in indices[1:]:
            self.parent[self.find(index)] = self.find(indices[0])


def _resolve_modules(statements: list[Statement]) -> None:
    """A statement without a module takes the one module its decision has elsewhere: under the same file
    number, or from the same body on the same day for the same named recipient."""
    by_identity: dict[tuple, list[Statement]] = defaultdict(list)
    for s in statements:
        if s.module is not None:
            for key in _identities(s):
                by_identity[key].append(s)
    for s in statements:
        if s.module is None:
            modules = {t.module for key in _identities(s) for t in by_identity.get(key, [])
                       if _compatible(s, t) and (key[0] == "reference" or (s.recipient is not None and t.recipient is not None))}
            if len(modules) == 1:
                s.module = modules.pop()


def _compatible(a: Statement, b: Statement) -> bool:
    """Nothing says they are different decisions: no two recipients, no two programmes named."""
    return _same_party(a.recipient, b.recipient) and _same_party(a.programme, b.programme)


def _join_compatible(clusters: "Clusters", indices: list[int], statements: list[Statement]) -> None:
    """Join the statements of one key that may be one decision: one body deciding on one day for two
    recipients, or under two programmes, made two decisions; where one paper states two amounts for the same
    recipient and programme, the key names no single decision (a list of grants of one day, recipients unnamed)."""
    parties: list[list] = []  # [recipient, programme, member indices]
    for index in indices:
        s = statements[index]
        party = next((p for p in parties if _same_party(p[0], s.recipient) and _same_party(p[1], s.programme)), None)
        if party is None:
            parties.append([s.recipient, s.programme, [index]])
        else:
            party[0], party[1] = party[0] or s.recipient, party[1] or s.programme
            party[2].append(index)
    for _, _, members in parties:
        amounts: dict[str, set] = defaultdict(set)
        for index in members:
            amounts[statements[index].document_id].add(statements[index].amount)
        if all(len(values) == 1 for values in amounts.values()):
            clusters.join(members)


def _identities(s: Statement) -> list[tuple]:
    keys = []
    if s.reference:
        keys.append(("reference", _reference_key(s.reference)))
    if s.authority and s.decision_date:
        keys.append(("dated", _authority_key(s.authority), s.decision_date))
    return keys


def decisions(statements: list[Statement]) -> list[list[Statement]]:
    """The statements grouped by the decision they state; totals and statements that name no decision apart."""
    candidates = [s for s in statements if not s.total and (s.reference or (s.authority and s.decision_date))]
    _resolve_modules(candidates)
    clusters = Clusters(len(candidates))
    by_dated: dict[tuple, list[int]] = defaultdict(list)
    by_reference: dict[tuple, dict[Optional[dt.date], list[int]]] = defaultdict(lambda: defaultdict(list))
    for index, s in enumerate(candidates):
        if s.authority and s.decision_date:
            by_dated[(_authority_key(s.authority), s.decision_date, s.module)].append(index)
        if s.reference:
            by_reference[(_reference_key(s.reference), s.module)][s.decision_date].append(index)
    for indices in by_dated.values():
        _join_compatible(clusters, indices, candidates)
    for dates in by_reference.values():
        dated = [d for d in dates if d is not None]
        for day in dated:  # one file number, different decision dates: a change under the first's number
            _join_compatible(clusters, dates[day], candidates)
        if None in dates:
            _join_compatible(clusters, dates[None] + (dates[dated[0]] if len(dated) == 1 else []), candidates)
    groups: dict[int, list[Statement]] = defaultdict(list)
    for index, s in enumerate(candidates):
        groups[clusters.find(index)].append(s)
    return list(groups.values())


# ---------------------------------------------------------------------------------------------------------
# the rules


def _value(s: Statement, name: str):
    return getattr(s, name)


def _shown(name: str, value) -> str:
    if value is None:
        return "–"
    if name == "period":
        return f"{value[0].strftime('%d.%m.%Y')}–{value[1].strftime('%d.%m.%Y')}"
    if name == "amount":
        return _euro(value)
    if name == "positions":
        return format(value.normalize(), "f").replace(".", ",") + " Stellen"
    return str(value)


def _euro(value: Decimal) -> str:
    whole, _, cents = f"{value:,.2f}".partition(".")
    return whole.replace(",", ".") + ("" if cents == "00" else "," + cents) + " €"


def _differ(name: str, a: Statement, b: Statement) -> bool:
    x, y = _value(a, name), _value(b, name)
    if x is None or y is None or x == y:
        return False
    if name == "amount" and (a.approximate or b.approximate):
        return abs(x - y) > Decimal("0.05") * max(x, y)  # 'rund 385.000 €' for 384.870 € says the same
    return True


def _decision_label(group: list[Statement]) -> str:
    own = next((s for s in group if s.own), group[0])
    reference = next((s.reference for s in ([own] + group) if s.reference), None)
    if reference:
        return f"Az. {reference}" + (f", Modul {own.module}" if own.module is not None else "")
    parts = [own.authority or "", own.decision_date.strftime("%d.%m.%Y") if own.decision_date else ""]
    return ", ".join(p for p in parts if p) + (f", Modul {own.module}" if own.module is not None else "")


def _evidence(s: Statement, label: str, value: str, place: Optional[Place] = None) -> Evidence:
    return Evidence(label=f"{s.paper}: {label}", value=value, text=" ".join(s.text.split())[:300],
                    provenance=Provenance(**(place or s.place)._asdict()), path=s.path, sha256=s.sha256)


def _finding(rule: ArchiveRule, message: str, evidence: list[Evidence], decision: str, module: Optional[int]) -> ArchiveFinding:
    return ArchiveFinding(rule=rule.value, severity=ARCHIVE_SEVERITY[rule], message=message, evidence=evidence,
                          decision=decision, module=module)


def _field_findings(group: list[Statement], label: str) -> list[ArchiveFinding]:
    """Amount, posts, period: each other paper against the Bescheid, or, without it, the papers among themselves."""
    found = []
    own = next((s for s in group if s.own), None)
    for name, rule in FIELD_RULES.items():
        if own is not None:
            for other in group:
                if other is not own and other.document_id != own.document_id and _differ(name, own, other):
                    found.append(_finding(rule, (
                        f"{other.paper} nennt für die Entscheidung {label} {FIELD_LABELS[name]} {_shown(name, _value(other, name))}, "
                        f"der Bescheid selbst {_shown(name, _value(own, name))}."),
                        [_evidence(s, FIELD_LABELS[name], _shown(name, _value(s, name)), s.places.get(name)) for s in (own, other)],
                        label, own.module))
            continue
        stating = [s for s in group if _value(s, name) is not None]
        if _disagree(name, stating):
            values = ", ".join(dict.fromkeys(_shown(name, _value(s, name)) for s in stating))
            found.append(_finding(rule, f"Die Papiere nennen für die Entscheidung {label} verschiedene {FIELD_LABELS[name]}: {values}.",
                                  [_evidence(s, FIELD_LABELS[name], _shown(name, _value(s, name)), s.places.get(name)) for s in stating],
                                  label, group[0].module))
    return found


def _disagree(name: str, stating: list[Statement]) -> bool:
    """Two papers give different values: each distinct value is compared once, not every pair of papers."""
    first_of = {}
    for s in stating:
        first_of.setdefault((_value(s, name), s.approximate), s)
    distinct = list(first_of.values())
    return any(_differ(name, a, b) and a.document_id != b.document_id for i, a in enumerate(distinct) for b in distinct[i + 1:])


def _instalment_findings(group: list[Statement], label: str) -> list[ArchiveFinding]:
    """An instalment of one date with different amounts in two papers."""
    found = []
    own = next((s for s in group if s.own), None)
    # without the Bescheid: each paper against the first of the others that gives a different amount that day
    pairs = [(own, s) for s in group if s is not own] if own else _first_disagreeing(group)
    for a, b in pairs:
        if a.document_id == b.document_id:
            continue
        dated_a = {date: (amount, place) for date, amount, place in a.instalments if date and amount is not None}
        for date, amount, place in b.instalments:
            if date in dated_a and amount is not None and dated_a[date][0] != amount:
                day = date.strftime("%d.%m.%Y")
                found.append(_finding(ArchiveRule.INSTALMENTS, (
                    f"Die Rate zum {day} der Entscheidung {label}: {a.paper} {_euro(dated_a[date][0])}, {b.paper} {_euro(amount)}."),
                    [_evidence(a, "Rate", f"{day}: {_euro(dated_a[date][0])}", dated_a[date][1]),
                     _evidence(b, "Rate", f"{day}: {_euro(amount)}", place)], label, (own or a).module))
    return found


def _first_disagreeing(group: list[Statement]) -> list[tuple[Statement, Statement]]:
    """(earlier paper, paper) where the paper gives another amount for a date than an earlier one of the group."""
    seen: dict[tuple[dt.date, Decimal], Statement] = {}
    pairs: dict[tuple[int, int], tuple[Statement, Statement]] = {}
    for s in group:
        for date, amount, _ in s.instalments:
            if date is None or amount is None:
                continue
            other = next((t for (d, a), t in seen.items() if d == date and a != amount and t.document_id != s.document_id), None)
            if other is not None:
                pairs.setdefault((id(other), id(s)), (other, s))
            seen.setdefault((date, amount), s)
    return list(pairs.values())


def _absent_finding(group: list[Statement], label: str) -> list[ArchiveFinding]:
    if any(s.own for s in group):
        return []
    return [_finding(ArchiveRule.CITED_ABSENT, f"Die Entscheidung {label} wird zitiert, ihr Bescheid ist nicht im Archiv.",
                     [_evidence(s, "zitiert", _shown("amount", s.amount), s.places.get("amount")) for s in group],
                     label, group[0].module)]


def _year_of(s: Statement) -> Optional[int]:
    if s.period and s.period[0].year == s.period[1].year:
        return s.period[0].year
    match = YEAR.search(s.text)
    return int(match.group(1)) if match else None


def _superseded(statements: list[Statement]) -> set[tuple[str, int]]:
    """Decisions a change replaces: the earlier decisions cited in a paper that states a change of that module."""
    changed = {(s.document_id, s.module) for s in statements if s.kind == "change"}
    return {(s.document_id, s.grant_index) for s in statements if s.kind == "earlier" and (s.document_id, s.module) in changed}


def _year_decisions(statements: list[Statement], groups: list[list[Statement]]) -> dict[tuple[int, int], list[Statement]]:
    """Per (module, year): each decision in force, as its Bescheid states it (else its first statement)."""
    superseded = _superseded(statements)
    by_year: dict[tuple[int, int], list[Statement]] = defaultdict(list)
    for group in groups:
        if any((s.document_id, s.grant_index) in superseded for s in group):
            continue
        decision = next((s for s in group if s.own), group[0])
        if decision.module is not None and decision.period and decision.amount is not None:
            by_year[(decision.module, decision.period[0].year)].append(decision)
    return by_year


def _total_findings(statements: list[Statement], groups: list[list[Statement]]) -> list[ArchiveFinding]:
    """A later paper's total of a module's decisions for a year against the sum of those decisions."""
    by_year = _year_decisions(statements, groups)
    found = []
    for total in (s for s in statements if s.total and s.module is not None and s.amount is not None):
        year = _year_of(total)
        summed = [d for d in by_year.get((total.module, year), []) if d.document_id != total.document_id
                  and _same_recipient(d, total) and _same_party(d.authority, total.authority)
                  and (total.document_date is None or d.decision_date is None or d.decision_date <= total.document_date)]
        if not summed:
            continue
        amount = sum((d.amount for d in summed), Decimal(0))
        if amount != total.amount:
            label = f"Modul {total.module}, {year}"
            found.append(_finding(ArchiveRule.MODULE_YEAR_TOTAL, (
                f"{total.paper} nennt für {label} insgesamt {_euro(total.amount)}; die {len(summed)} Entscheidungen im "
                f"Archiv ergeben {_euro(amount)}."),
                [_evidence(total, "Summe", _euro(total.amount), total.places.get("amount"))]
                + [_evidence(d, "Teil", _euro(d.amount), d.places.get("amount")) for d in summed], label, total.module))
    return found


def _same_recipient(a: Statement, b: Statement) -> bool:
    """Both name the recipient, and the same one: a total is held only against decisions known to be for it."""
    return a.recipient is not None and b.recipient is not None and _authority_key(a.recipient) == _authority_key(b.recipient)


def _same_party(a: Optional[str], b: Optional[str]) -> bool:
    return a is None or b is None or _authority_key(a) == _authority_key(b)


def cross_findings(statements: list[Statement]) -> list[ArchiveFinding]:
    """Every rule over the archive's statements, in a stable order."""
    groups = decisions(statements)
    found = []
    for group in groups:
        label = _decision_label(group)
        found += _field_findings(group, label) + _instalment_findings(group, label) + _absent_finding(group, label)
    found += _total_findings(statements, groups)
    return sorted(found, key=lambda f: (f.rule, f.decision or "", [e.path or "" for e in f.evidence]))
