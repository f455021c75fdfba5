"""Consistency checks: named rules with stable codes, one small function each, findings with evidence."""

from __future__ import annotations

from typing import Callable, Iterable

from ..extract import Mentions, View
from ..records import Finding, Grant
from ..rules import SEVERITY, Rule
from .common import euro, fte
from .grants import (
    check_dates_in_period,
    check_decision_before_payment,
    check_instalments,
    check_not_filled,
    check_periods,
    check_rates,
    check_unnumbered_not_filled,
    check_words_digits,
)
from .sums import check_amount_sums, check_fte_sums, check_table_sums

__all__ = ["RULES", "Rule", "SEVERITY", "euro", "fte", "grants_to_findings"]


RULES: dict[Rule, Callable[[View, Mentions, list[Grant]], Iterable[Finding]]] = {
    Rule.WORDS_DIGITS: check_words_digits,
    Rule.AMOUNT_SUM: check_amount_sums,
    Rule.FTE_SUM: check_fte_sums,
    Rule.TABLE_SUM: check_table_sums,
    Rule.INSTALMENTS_SUM: check_instalments,
    Rule.DATE_OUTSIDE_PERIOD: check_dates_in_period,
    Rule.DECISION_AFTER_PAYMENT: check_decision_before_payment,
    Rule.PERIOD_REVERSED: check_periods,
    Rule.RATE: check_rates,
    Rule.NOT_FILLED: lambda *args: [*check_not_filled(*args), *check_unnumbered_not_filled(*args)],
}


def grants_to_findings(view: View, mentions: Mentions, grants: list[Grant], disabled: frozenset[str] = frozenset()) -> list[Finding]:
    """Run every rule that is not disabled; findings in rule order, then document order."""
    findings: list[Finding] = []
    for rule, check in RULES.items():
        if rule.value in disabled:
            continue
        for finding in check(view, mentions, grants):
            if finding.rule not in disabled:
                findings.append(finding)
    return findings
