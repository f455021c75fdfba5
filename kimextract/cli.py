"""The command line: a thin typer app, one library call per command.

Exit codes: 0 success; 1 ``check`` (and ``batch``) found an error-level finding; 2 bad usage, unreadable
input or an output that cannot be written, with one line on stderr; 3 ``batch``: some input failed,
``extract``/``check``: a document over a limit (timeout, too_large); 4 an internal error (a bug: please report).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .errors import KimextractError

EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INPUT_FAILED, EXIT_INTERNAL = 1, 2, 3, 4

app = typer.Typer(
    name="kimextract",
    help="Extract amounts, dates, position shares and modules from OCR'd German funding paperwork.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kimextract {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = None,
) -> None:
    """kimextract reads PDFs and text files, repairs OCR damage, and writes JSON with provenance."""


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    typer.echo(f"kimextract: {message}", err=True)
    raise typer.Exit(code)


def _options(no_repair: bool = False, disable: Optional[list[str]] = None, ocr: str = "auto", timeout: float = 0):
    from .rules import Rule
    from .process import Options

    known = {rule.value for rule in Rule}
    unknown = sorted(set(disable or []) - known)
    if unknown:
        fail(f"unknown rule {', '.join(unknown)}; known rules: {', '.join(sorted(known))}")
    if ocr not in ("auto", "always", "never"):
        fail(f"--ocr takes auto, always or never, not {ocr!r}")
    if timeout < 0:
        fail("--timeout must be positive (0: no limit)")
    return Options(repair=not no_repair, disabled_rules=frozenset(disable or []), ocr=ocr, timeout=timeout or None)


PathArg = Annotated[Path, typer.Argument(help="A .pdf or UTF-8 .txt file.", show_default=False)]
NoRepair = Annotated[bool, typer.Option("--no-repair", help="Extract from the text as read, without OCR repair.")]
Timeout = Annotated[float, typer.Option(help="Seconds allowed per document (0: no limit); over it: exit 3.")]


@app.command()
def extract(
    path: PathArg,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the JSON record to this file.")] = None,
    no_repair: NoRepair = False,
    ocr: Annotated[str, typer.Option(help="OCR pages without a text layer: auto, always or never.")] = "auto",
    timeout: Timeout = 0.0,
) -> None:
    """Extract one document and print its JSON record."""
    from .process import extract_file
    from .write import record_to_json, write_atomically

    record = _run(lambda: extract_file(path, _options(no_repair, ocr=ocr, timeout=timeout)))
    text = record_to_json(record)
    if out is None:
        typer.echo(text)
    else:
        _run(lambda: write_atomically(out, text + "\n"))


@app.command()
def repair(path: PathArg) -> None:
    """Print the document's text with its OCR damage repaired."""
    from .read import read_document
    from .repair import repair_text

    def run():
        with read_document(path) as document:
            return repair_text(document.text).text

    sys.stdout.write(_run(run))


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="Documents to check.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON instead of a table.")] = False,
    disable: Annotated[Optional[list[str]], typer.Option("--disable", help="Switch a rule off by its code (repeatable).")] = None,
    no_repair: NoRepair = False,
    timeout: Timeout = 0.0,
) -> None:
    """Check documents for inconsistent amounts, shares and dates; exit 1 if any error-level finding."""
    from .process import extract_file
    from .report import findings_json, print_findings

    options = _options(no_repair, disable, timeout=timeout)
    results = [(path, _run(lambda p=path: extract_file(p, options))) for path in paths]
    if as_json:
        typer.echo(findings_json(results))
    else:
        print_findings(results)
    if any(f.severity == "error" for _, record in results for f in record.findings):
        raise typer.Exit(EXIT_FINDINGS)


@app.command()
def batch(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders (searched for .pdf and .txt) or glob patterns.", show_default=False)],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the records to this file (default: standard output).")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out-dir", help="Also write one JSON file per input into this folder.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl (one record per line) or csv (one row per amount).")] = "jsonl",
    workers: Annotated[Optional[int], typer.Option("--workers", "-j", help="Worker processes (default: the cores).", show_default=False)] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Skip inputs that already have a record in the output.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds allowed per document (0: no limit); over it: a timeout record.")] = 600.0,
    max_pages: Annotated[Optional[int], typer.Option("--max-pages", help="PDFs with more pages get a too_large record.")] = None,
    max_memory: Annotated[Optional[int], typer.Option("--max-memory", help="MiB of memory per worker (0: no limit; default: half the memory shared among the workers); over it: a too_large record.", show_default=False)] = None,
    ocr: Annotated[str, typer.Option(help="OCR pages without a text layer: auto, always or never.")] = "auto",
    disable: Annotated[Optional[list[str]], typer.Option("--disable", help="Switch a rule off by its code (repeatable).")] = None,
    no_repair: NoRepair = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, only the summary.")] = False,
    fail_on: Annotated[str, typer.Option("--fail-on", help="Exit 1 for documents with findings of this level: error, warning or never.")] = "error",
    follow_symlinks: Annotated[bool, typer.Option("--follow-symlinks", help="Write through subfolders of --out-dir that are symlinks.")] = False,
    csv_raw: Annotated[bool, typer.Option("--csv-raw", help="CSV cells as extracted: no apostrophe before a leading =, +, -, @.")] = False,
) -> None:
    """Extract many documents in parallel: one record per input, in input order. Exit 0 when all went well; 1
    when a document has an error finding (see --fail-on); 3 when an input got an error record; 2 for bad usage."""
    from .batch import BatchConfig, run_batch
    from .report import summary_text

    options = _options(no_repair, disable, ocr)
    options.max_pages = max_pages
    config = BatchConfig(out=out, out_dir=out_dir, fmt=fmt, workers=workers, resume=resume, timeout=timeout or None,
                         progress="none" if quiet else "auto", fail_on=fail_on, max_memory=max_memory,
                         follow_symlinks=follow_symlinks, csv_raw=csv_raw)
    try:
        summary = _run(lambda: run_batch(inputs, options, config))
    except KeyboardInterrupt:
        fail("interrupted; the records written so far are whole: run the same command with --resume to go on", 130)
    typer.echo(summary_text(summary), err=True)
    if summary.exit_code:
        raise typer.Exit(summary.exit_code)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the records."""
    from .write import schema_json

    typer.echo(schema_json())


def _run(call):
    try:
        return call()
    except KimextractError as exc:
        fail(str(exc), EXIT_INPUT_FAILED if exc.status in LIMIT_STATUSES else EXIT_BAD_INPUT)


LIMIT_STATUSES = ("timeout", "too_large")  # a document over a limit: exit 3, as batch for an error record


def main() -> None:
    """Console entry point: errors become one line and an exit code, never a traceback."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("kimextract: interrupted", err=True)
        sys.exit(130)
    except KimextractError as exc:
        typer.echo(f"kimextract: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        typer.echo(f"kimextract: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
