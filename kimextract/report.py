"""Findings for people: a rich table on the terminal, or JSON for tools."""

from __future__ import annotations

import json
from pathlib import Path

from .records import DocumentRecord

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def findings_json(results: list[tuple[Path, DocumentRecord]]) -> str:
    return json.dumps(
        [{"path": str(path), "findings": [f.model_dump(mode="json") for f in record.findings]} for path, record in results],
        indent=2,
        ensure_ascii=False,
    )


def print_findings(results: list[tuple[Path, DocumentRecord]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console() if Console().is_terminal else Console(width=160)
    for path, record in results:
        if not record.findings:
            console.print(f"{path}: keine Befunde")
            continue
        table = Table(title=str(path), show_lines=True)
        table.add_column("Regel", no_wrap=True)
        table.add_column("Schwere", no_wrap=True)
        for column in ("Modul", "Befund", "Belege (Seite: Text)"):
            table.add_column(column)
        for finding in record.findings:
            evidence = "\n".join(
                f"{e.label}: {e.value} (S. {e.provenance.page if e.provenance else '?'}: {' '.join(e.text.split())[:60]})"
                for e in finding.evidence
            )
            table.add_row(finding.rule, f"[{SEVERITY_STYLE[finding.severity]}]{finding.severity}[/]",
                          "" if finding.module is None else str(finding.module), finding.message, evidence)
        console.print(table)
