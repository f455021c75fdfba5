"""For people: findings as a rich table on the terminal (or JSON for tools); a batch's progress and summary."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .records import DocumentRecord, Evidence

if TYPE_CHECKING:  # types only: batch.py imports this module
    from .batch import Summary
    from .pool import Result

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def findings_json(results: list[tuple[Path, DocumentRecord]]) -> str:
    return json.dumps(
        [{"path": str(path), "findings": [f.model_dump(mode="json") for f in record.findings]} for path, record in results],
        indent=2,
        ensure_ascii=False,
    )


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # and tabs and newlines, which would split a log line


def _escaped(match: re.Match) -> str:
    return f"\\x{ord(match.group()):02x}"


def shown(text: object) -> str:
    """Text from a document or a path, safe for the terminal: rich markup escaped ('[/x]' stays as it is),
    control characters shown as escapes (an ESC from a PDF never reaches the terminal)."""
    from rich.markup import escape

    return escape(CONTROL.sub(_escaped, str(text)))


def one_line(text: object) -> str:
    """A path or a message for a plain log line: every control character, newlines too, shown as an escape.

    >>> one_line("a\\nb\\x1b[2J.txt")
    'a\\\\x0ab\\\\x1b[2J.txt'
    """
    return LINE_CONTROL.sub(_escaped, str(text))


def print_findings(results: list[tuple[Path, DocumentRecord]]) -> None:
    """One table per document, headed in English; a finding's message and evidence stay German, as auditors
    read them, with numbers and dates written as the document writes them."""
    from rich.console import Console
    from rich.table import Table

    console = Console() if Console().is_terminal else Console(width=160)
    for path, record in results:
        if not record.findings:
            console.print(f"{shown(path)}: no findings")
            continue
        table = Table(title=shown(path), show_lines=True)
        table.add_column("Rule", no_wrap=True)
        table.add_column("Severity", no_wrap=True)
        for column in ("Module", "Finding", "Evidence (page: text)"):
            table.add_column(column)
        for finding in record.findings:
            evidence = "\n".join(shown(_evidence_line(e)) for e in finding.evidence)
            table.add_row(finding.rule, f"[{SEVERITY_STYLE[finding.severity]}]{finding.severity}[/]",
                          "" if finding.module is None else str(finding.module), shown(finding.message), evidence)
        console.print(table)


def print_archive_findings(findings: list) -> None:
    """The findings across documents as one table: each with the decision and, per value, the document and
    page it stands on."""
    from rich.console import Console
    from rich.table import Table

    console = Console() if Console().is_terminal else Console(width=160)
    if not findings:
        console.print("no findings across documents")
        return
    table = Table(title="Findings across documents", show_lines=True)
    for column in ("Rule", "Severity", "Decision", "Finding", "Evidence (document, page: value)"):
        table.add_column(column, no_wrap=column in ("Rule", "Severity"))
    for finding in findings:
        evidence = "\n".join(shown(f"{_short(e.path)}, {e.provenance.page if e.provenance else '?'}: {e.label} {e.value}")
                             for e in finding.evidence)
        table.add_row(finding.rule, f"[{SEVERITY_STYLE[finding.severity]}]{finding.severity}[/]", shown(finding.decision or ""),
                      shown(finding.message), evidence)
    console.print(table)


def _short(path: str | None) -> str:
    """A document's folder and name: papers of an archive often share a file name."""
    return "/".join(Path(path).parts[-2:]) if path else "?"


def _evidence_line(evidence: Evidence) -> str:
    page = evidence.provenance.page if evidence.provenance else "?"
    return f"{evidence.label}: {german(evidence.value)} ({page}: {' '.join(evidence.text.split())[:60]})"


DECIMAL = re.compile(r"-?\d+(?:\.\d+)?")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def german(value: str) -> str:
    """A record's plain decimal or ISO date as a German document writes it.

    >>> german("112500"), german("3.5"), german("1234.50"), german("2021-01-01/2021-12-31"), german("n. a.")
    ('112.500', '3,5', '1.234,50', '01.01.2021/31.12.2021', 'n. a.')
    """
    if DECIMAL.fullmatch(value):
        sign, digits = ("-", value[1:]) if value.startswith("-") else ("", value)
        whole, _, fraction = digits.partition(".")
        grouped = sign + f"{int(whole):,}".replace(",", ".")
        return f"{grouped},{fraction}" if fraction else grouped
    return ISO_DATE.sub(lambda m: f"{m[3]}.{m[2]}.{m[1]}", value)


# ---------------------------------------------------------------------------------------------------------
# a batch


def make_progress(kind: str, total: int, skipped: int):
    """The progress display for ``kind`` (auto, rich, plain or none); auto: a bar on a terminal, lines elsewhere."""
    if kind == "auto":
        kind = "rich" if sys.stderr.isatty() else "plain"
    if kind == "rich":
        return RichProgress(total, skipped)
    if kind == "plain":
        return PlainProgress(total, skipped)
    return NoProgress()


class NoProgress:
    def done(self, result: Result) -> None:
        pass

    def close(self) -> None:
        pass


class PlainProgress:
    """One log line per document on stderr, in output order (for logs and pipes)."""

    def __init__(self, total: int, skipped: int):
        self.total, self.count = total, skipped
        self.width = len(str(total))
        if skipped:
            self._print(f"resume: {skipped} of {total} inputs already have a record, skipped")

    def done(self, result: Result) -> None:
        self.count += 1
        head = f"[{self.count:>{self.width}}/{self.total}] {result.status}"
        if result.status == "ok":
            pages = f"{result.pages} page{'s' if result.pages != 1 else ''}" + (", OCR" if result.ocr else "")
            self._print(f"{head} {one_line(result.path)} ({pages}, {result.seconds:.2f} s)")
        else:
            self._print(f"{head} {one_line(result.path)}: {one_line(result.error)}")

    def _print(self, text: str) -> None:
        sys.stderr.write(f"kimextract: {text}\n")
        sys.stderr.flush()

    def close(self) -> None:
        pass


class RichProgress:
    """A progress bar on the terminal: documents, pages per second, errors, time left."""

    def __init__(self, total: int, skipped: int):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]kimextract"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[speed]} pages/s"),
            TextColumn("[red]{task.fields[errors]} errors"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=self.console, transient=False,
        )
        self.task = self.progress.add_task("batch", total=total, completed=skipped, speed="0", errors=0)
        self.started, self.pages, self.errors = time.monotonic(), 0, 0
        self.progress.start()

    def done(self, result: Result) -> None:
        self.pages += result.pages
        self.errors += result.status != "ok"
        speed = self.pages / max(time.monotonic() - self.started, 1e-6)
        self.progress.update(self.task, advance=1, speed=f"{speed:.0f}", errors=self.errors)

    def close(self) -> None:
        self.progress.stop()


def summary_text(summary: Summary) -> str:
    """The summary printed at the end: documents by status, pages, findings by rule, the slowest documents."""
    lines = []
    rate = summary.pages / summary.seconds if summary.seconds else 0.0
    lines.append(f"kimextract batch: {summary.inputs} input{'s' if summary.inputs != 1 else ''} → {one_line(summary.out)}, "
                 f"{summary.seconds:.1f} s with {summary.workers} worker{'s' if summary.workers != 1 else ''}")
    statuses = summary.statuses + summary.skipped_statuses
    by_status = ", ".join(f"{status} {count}" for status, count in sorted(statuses.items(), key=lambda kv: (kv[0] != "ok", kv[0])))
    lines.append(f"  documents: {by_status or 'none'}" + (f" ({summary.skipped} from the earlier run)" if summary.skipped else ""))
    if summary.unsupported:
        lines.append(f"  skipped: {summary.unsupported} file{'s' if summary.unsupported != 1 else ''} neither .pdf, .txt nor an image "
                     "(kimextract -v batch … names them)")
    lines.append(f"  pages: {summary.pages} in this run ({rate:.1f} pages/s)" + (f", {summary.ocr_documents} document{'s' if summary.ocr_documents != 1 else ''} OCR'd" if summary.ocr_documents else ""))
    if summary.findings:
        parts = []
        for key, count in sorted(summary.findings.items(), key=lambda kv: (-kv[1], kv[0])):
            rule, severity = key.rsplit(" ", 1)
            parts.append(f"{rule} {count} ({severity})")
        lines.append("  findings: " + ", ".join(parts))
    else:
        lines.append("  findings: none")
    if summary.slowest:
        lines.append("  slowest:")
        for seconds, path, pages, ocr in sorted(summary.slowest, reverse=True):
            lines.append(f"    {seconds:7.2f} s  {one_line(path)} ({pages} page{'s' if pages != 1 else ''}{', OCR' if ocr else ''})")
    if summary.failures:
        lines.append(f"  failed: {summary.failed}")
        for path, status, message in summary.failures:
            lines.append(f"    {status}: {one_line(path)}: {one_line(message)}")
        if summary.failed > len(summary.failures):
            lines.append(f"    … and {summary.failed - len(summary.failures)} more")
    if summary.peak_worker_kb:
        starts = f"; {summary.worker_starts} worker starts" if summary.worker_starts else ""  # not counted on a cluster
        lines.append(f"  worker memory: peak {summary.peak_worker_kb / 1024:.0f} MiB{starts}")
    lines.append(f"  {summary.exit_reason}")
    return "\n".join(lines)
