"""What every rule uses: German money and FTE formats, findings with evidence, the end of a sentence."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Callable, Optional

import regex

from ..records import Evidence, Finding, Provenance
from ..rules import SEVERITY, Rule
from ..values import plain

if TYPE_CHECKING:
    from ..extract import View


CENT = Decimal("0.01")
FTE_TOLERANCE = Decimal("0.005")


def euro(value: Decimal) -> str:
    """German money format: euro(Decimal('137250')) -> '137.250 €'.

    >>> euro(Decimal("137250")), euro(Decimal("1234.5"))
    ('137.250 €', '1.234,50 €')
    """
    if value == value.to_integral_value():
        text = f"{int(value):,}".replace(",", ".")
    else:
        text = f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{text} €"


def fte(value: Decimal) -> str:
    return format(plain(value), "f").replace(".", ",")


def evidence_of(label: str, item, value: str) -> Evidence:
    return Evidence(label=label, value=value, text=item.text, provenance=item.provenance)


def evidence_at(view: View, label: str, value: str, provenance: Provenance) -> Evidence:
    """Evidence whose text is what the original text holds where its provenance points."""
    return Evidence(label=label, value=value, text=view.document.text[provenance.start:provenance.end], provenance=provenance)


def finding(rule: Rule, message: str, evidence: list[Evidence], module: Optional[int] = None) -> Finding:
    return Finding(rule=rule.value, severity=SEVERITY[rule], message=message, evidence=evidence, module=module)


# A sentence ends at a full stop before a capital, unless it closes an abbreviation; list items do not end it.
PART_BREAK = regex.compile(r"(?<!\b(?:ca|rd|Nr|bzw|z\.\s?B|Mio|Mrd|Tsd|[a-zA-Z]))\.\s+(?![-•–]\s)[A-ZÄÖÜ]|\n\s*\n")  # not 'e. V.'
ROUNDED = {"rund", "ca.", "etwa", "gut", "knapp"}


def part_end(text: str, offset: int) -> int:
    """Where the sentence or part that goes on at ``offset`` ends: just after its full stop, else at the text's end."""
    stop = PART_BREAK.search(text, offset)
    return stop.start() + 1 if stop else len(text)


def sum_finding(rule: Rule, parts, total, fmt: Callable[[Decimal], str], value=lambda a: a.value, unit: str = "") -> Finding:
    summed = sum((value(p) for p in parts), Decimal(0))
    shown = " + ".join(fmt(value(p)) for p in parts)
    message = f"Die Teile ergeben {shown} = {fmt(summed)}{unit}, genannt ist als Summe {fmt(value(total))}{unit}."
    evidence = [evidence_of("Teil", p, str(value(p))) for p in parts] + [evidence_of("Summe", total, str(value(total)))]
    return finding(rule, message, evidence, getattr(total, "module", None))
