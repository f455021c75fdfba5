"""The consistency rules by stable code, with their severity. Kept apart from the checks so that the command
line can name them without loading the extraction pipeline."""

from __future__ import annotations

from enum import Enum


class Rule(str, Enum):
    """The checks, by stable code."""

    AMOUNT_SUM = "amount_sum_mismatch"
    """Amounts named as parts do not add up to the stated total."""
    FTE_SUM = "fte_sum_mismatch"
    """Position shares named as parts do not add up to the stated total."""
    TABLE_SUM = "table_sum_mismatch"
    """A sum row or sum column of a table differs from the sum of its cells."""
    WORDS_DIGITS = "words_digits_mismatch"
    """An amount written in words differs from its digits."""
    DATE_OUTSIDE_PERIOD = "date_outside_period"
    """A payment or event date lies outside the funding period of its grant."""
    RATE = "rate_mismatch"
    """A grant's amount per FTE contradicts the rate the document states for it."""
    RATE_ACROSS_YEARS = "rate_changes_across_years"
    """Grants of one module give different amounts per FTE in different years."""
    INSTALMENTS_SUM = "instalments_sum_mismatch"
    """The instalments of a grant do not add up to the grant."""
    DECISION_AFTER_PAYMENT = "decision_after_payment"
    """A payment is dated before the decision that grants it."""
    PERIOD_REVERSED = "period_reversed"
    """A period ends before it starts."""
    NOT_FILLED = "funded_positions_not_filled"
    """Funded positions are stated as not set up or not filled: money at risk of repayment."""


SEVERITY = {rule: "error" for rule in Rule}
SEVERITY[Rule.NOT_FILLED] = "warning"
SEVERITY[Rule.RATE_ACROSS_YEARS] = "info"


class ArchiveRule(str, Enum):
    """The checks across the documents of an archive, by stable code (``kimextract archive``). Two papers state
    one decision when they give it the same file number, or the same deciding body, decision date and module;
    where the Bescheid that bears it is in the archive, every other paper is held against the Bescheid."""

    AMOUNT = "decision_amount_differs"
    """Two papers state one decision with different amounts."""
    POSITIONS = "decision_positions_differ"
    """Two papers state one decision with different position shares (FTE)."""
    PERIOD = "decision_period_differs"
    """Two papers state one decision with different funding periods."""
    INSTALMENTS = "decision_instalments_differ"
    """Two papers give different amounts for an instalment of one decision due or paid on the same date."""
    MODULE_YEAR_TOTAL = "module_year_total_differs"
    """A paper's total of a module's decisions for a year differs from the sum of those decisions in the archive."""
    CITED_ABSENT = "cited_decision_absent"
    """A paper cites a decision whose Bescheid is not in the archive."""


ARCHIVE_SEVERITY = {rule: "error" for rule in ArchiveRule}
ARCHIVE_SEVERITY[ArchiveRule.INSTALMENTS] = "warning"
ARCHIVE_SEVERITY[ArchiveRule.CITED_ABSENT] = "info"
