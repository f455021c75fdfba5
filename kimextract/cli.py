"""The command line: a thin typer app, one library call per command.

Exit codes: 0 success; 1 ``check`` (and ``batch``) found an error-level finding; 2 bad usage, a bad
configuration file, unreadable input or an output that cannot be written, with one line on stderr; 3 ``batch``:
some input failed, ``extract``/``check``: a document over a limit (timeout, too_large); 4 an internal error (a
bug: please report).

Options the user picks from a list are enums, so that ``--help`` and shell completion show the choices. The
library modules log to ``logging.getLogger(__name__)``; only this module configures logging (``-v``,
``--log-level``).
"""

from __future__ import annotations

import logging
import re
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from . import __version__
from .errors import KimextractError

EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INPUT_FAILED, EXIT_INTERNAL = 1, 2, 3, 4

log = logging.getLogger("kimextract")

app = typer.Typer(
    name="kimextract",
    help="Extract amounts, dates, position shares and modules from OCR'd German funding paperwork.",
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help text as written, its paragraphs flowing (no rich or markdown markup to parse)
)


class OcrMode(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


class OutputFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    never = "never"


class BatchEngine(str, Enum):
    local = "local"
    dask = "dask"


class LogLevel(str, Enum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kimextract {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="Read options from this TOML file (default: ./kimextract.toml, or the tool.kimextract table of ./pyproject.toml).", show_default=False)] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="Say more: -v what is done (skipped files, encodings), -vv debug.", show_default=False)] = 0,
    log_level: Annotated[Optional[LogLevel], typer.Option("--log-level", help="Log from this level on (overrides -v).", show_default=False)] = None,
) -> None:
    """kimextract reads PDFs and text files, repairs OCR damage, and writes JSON with provenance."""
    _configure_logging(log_level.value if log_level else "debug" if verbose > 1 else "info" if verbose else "warning")
    ctx.obj = {"config": _apply_config(ctx, config)}


class _LogFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"kimextract: {record.levelname.lower()}: {record.getMessage()}"


def _configure_logging(level: str) -> None:
    """Log kimextract's messages (not those of the libraries under it) to stderr from ``level`` on."""
    for handler in [h for h in log.handlers if isinstance(h, logging.StreamHandler)]:
        log.removeHandler(handler)  # a second run in the same process (tests) replaces the first one's
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormatter())
    log.addHandler(handler)
    log.setLevel(level.upper())


def _apply_config(ctx: typer.Context, explicit: Optional[Path]) -> Optional[Path]:
    """Make the configuration file's values the defaults of the commands' options: flags still win."""
    from .config import config_table, default_map, find_config

    path = _run(lambda: find_config(explicit))
    if path is not None:
        commands = {command.name or command.callback.__name__: command.callback for command in app.registered_commands if command.callback}
        ctx.default_map = _run(lambda: default_map(config_table(path), commands, path))
        log.info("options from %s", path)
    return path


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    typer.echo(f"kimextract: {message}", err=True)
    raise typer.Exit(code)


def _options(no_repair: bool = False, disable: Optional[list[str]] = None, ocr: OcrMode = OcrMode.auto, timeout: float = 0,
             ocr_lang: str = "deu", ocr_dpi: int = 300):
    from .rules import Rule
    from .process import Options

    known = {rule.value for rule in Rule}
    unknown = sorted(set(disable or []) - known)
    if unknown:
        fail(f"unknown rule {', '.join(unknown)}; known rules: {', '.join(sorted(known))}")
    if timeout < 0:
        fail("--timeout must be positive (0: no limit)")
    if not re.fullmatch(r"[a-z_]{3,}(?:\+[a-z_]{3,})*", ocr_lang):
        fail(f"--ocr-lang takes Tesseract language codes such as deu or deu+eng, not {ocr_lang!r}")
    if not 70 <= ocr_dpi <= 1200:
        fail(f"--ocr-dpi takes a resolution from 70 to 1200, not {ocr_dpi}")
    return Options(repair=not no_repair, disabled_rules=frozenset(disable or []), ocr=ocr.value, timeout=timeout or None,
                   ocr_language=ocr_lang, ocr_dpi=ocr_dpi)


def _warn_if_no_tesseract(paths: list[str]) -> None:
    """Results on scans depend on Tesseract: say so before a run that may read PDFs, with the fix."""
    import os

    from .ocr import tesseract

    problem = tesseract().problem
    if problem and any(p.lower().endswith((".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg")) or "*" in p or os.path.isdir(p) for p in paths):
        log.warning("scans are not OCR'd and numbers on scanned pages are not re-read. %s", problem)


PathArg = Annotated[Path, typer.Argument(help="A .pdf, a text file (in any encoding) or a scan as .tif, .png or .jpg.", show_default=False)]
NoRepair = Annotated[bool, typer.Option("--no-repair", help="Extract from the text as read, without OCR repair.")]
Ocr = Annotated[OcrMode, typer.Option(help="OCR pages without a text layer and image files (with Tesseract).")]
OcrLang = Annotated[str, typer.Option("--ocr-lang", metavar="LANG", help="Tesseract's language models for OCR, e.g. deu or deu+eng.")]
OcrDpi = Annotated[int, typer.Option("--ocr-dpi", metavar="DPI", help="Resolution pages are rendered at for OCR.")]
Disable = Annotated[Optional[list[str]], typer.Option("--disable", metavar="RULE", help="Switch a rule off by its code, e.g. rate_changes_across_years (repeatable).")]
Timeout = Annotated[float, typer.Option(help="Seconds allowed per document (0: no limit); over it: exit 3.")]


@app.command()
def extract(
    path: PathArg,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the JSON record to this file.")] = None,
    no_repair: NoRepair = False,
    ocr: Ocr = OcrMode.auto,
    ocr_lang: OcrLang = "deu",
    ocr_dpi: OcrDpi = 300,
    timeout: Timeout = 0.0,
) -> None:
    """Extract one document and print its JSON record."""
    from .process import extract_file
    from .write import record_to_json, write_atomically

    record = _run(lambda: extract_file(path, _options(no_repair, ocr=ocr, timeout=timeout, ocr_lang=ocr_lang, ocr_dpi=ocr_dpi)))
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
    paths: Annotated[list[Path], typer.Argument(help="Documents, folders (searched for .pdf and .txt) or results files (.jsonl from batch, .json from --out-dir: shown again, not extracted).", metavar="PATH", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON instead of a table.")] = False,
    disable: Disable = None,
    no_repair: NoRepair = False,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 for findings of this level.")] = FailOn.error,
    timeout: Timeout = 0.0,
) -> None:
    """Check documents for inconsistent amounts, shares and dates, or show a batch's findings again.

    Exit 1 for an error finding (see --fail-on); 2 when an input cannot be read (one line on stderr each; the
    others are checked)."""
    from .records import DocumentRecord
    from .report import findings_json, print_findings
    from .review import records_of

    options = _options(no_repair, disable, timeout=timeout)
    _warn_if_no_tesseract([str(path) for path in paths])
    skipped: list[str] = []
    records = _run(lambda: list(records_of(paths, options, skipped)))
    if skipped:
        log.warning("skipped %d file%s neither .pdf, .txt nor an image (-v names them)", len(skipped), "s" if len(skipped) != 1 else "")
    results = [(Path(r.source.path or "-"), _without(r, options.disabled_rules)) for r in records if isinstance(r, DocumentRecord)]
    failed = [r for r in records if not isinstance(r, DocumentRecord)]
    for record in failed:
        typer.echo(f"kimextract: {record.source.path}: {record.error}", err=True)
    if as_json:
        typer.echo(findings_json(results))
    else:
        print_findings(results)
    if failed:  # exit 3 when only limits stopped documents, as for extract
        raise typer.Exit(EXIT_BAD_INPUT if any(r.status not in LIMIT_STATUSES for r in failed) else EXIT_INPUT_FAILED)
    levels = {"error": {"error"}, "warning": {"error", "warning"}, "never": set()}[fail_on.value]
    if any(f.severity in levels for _, record in results for f in record.findings):
        raise typer.Exit(EXIT_FINDINGS)


def _without(record: Any, disabled: frozenset[str]) -> Any:
    """A record without the findings of disabled rules (a results file may hold them)."""
    if not disabled or not any(f.rule in disabled for f in record.findings):
        return record
    return record.model_copy(update={"findings": [f for f in record.findings if f.rule not in disabled]})


@app.command()
def batch(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders (searched for .pdf, .txt and scans as .tif, .png, .jpg) or glob patterns.", metavar="INPUT", show_default=False)],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the records to this file (default: standard output).")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out-dir", help="Also write one JSON file per input into this folder.")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="jsonl: one record per line; csv: one row per amount.")] = OutputFormat.jsonl,
    workers: Annotated[Optional[int], typer.Option("--workers", "-j", help="Worker processes (default: the cores).", show_default=False)] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Skip inputs that already have a record in the output.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds allowed per document (0: no limit); over it: a timeout record.")] = 600.0,
    max_pages: Annotated[Optional[int], typer.Option("--max-pages", help="PDFs with more pages get a too_large record.")] = None,
    max_memory: Annotated[Optional[int], typer.Option("--max-memory", help="MiB of memory per worker (0: no limit; default: half the memory shared among the workers); over it: a too_large record.", show_default=False)] = None,
    ocr: Ocr = OcrMode.auto,
    ocr_lang: OcrLang = "deu",
    ocr_dpi: OcrDpi = 300,
    disable: Disable = None,
    no_repair: NoRepair = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, only the summary.")] = False,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 for documents with findings of this level.")] = FailOn.error,
    follow_symlinks: Annotated[bool, typer.Option("--follow-symlinks", help="Write through subfolders of --out-dir that are symlinks.")] = False,
    csv_raw: Annotated[bool, typer.Option("--csv-raw", help="CSV cells as extracted: no apostrophe before a leading =, +, -, @.")] = False,
    engine: Annotated[Optional[BatchEngine], typer.Option("--engine", help="local: worker processes on this machine; dask: a Dask cluster (the one at --cluster, or a local one of --workers processes). Default: dask with --cluster, else local.", show_default=False)] = None,
    cluster: Annotated[Optional[str], typer.Option("--cluster", metavar="ADDRESS", help="The Dask scheduler to run on, e.g. tcp://10.0.0.5:8786; the inputs must be under the same paths on its workers.", show_default=False)] = None,
) -> None:
    """Extract many documents in parallel: one record per input, in input order.

    Exit 0 when all went well; 1 when a document has an error finding (see --fail-on); 3 when an input got an
    error record; 2 for bad usage."""
    from .batch import BatchConfig, run_batch
    from .report import summary_text

    options = _options(no_repair, disable, ocr, ocr_lang=ocr_lang, ocr_dpi=ocr_dpi)
    options.max_pages = max_pages
    config = BatchConfig(out=out, out_dir=out_dir, fmt=fmt.value, workers=workers, resume=resume, timeout=timeout or None,
                         progress="none" if quiet else "auto", fail_on=fail_on.value, max_memory=max_memory,
                         follow_symlinks=follow_symlinks, csv_raw=csv_raw,
                         engine=engine.value if engine else "dask" if cluster else "local", cluster=cluster)
    _warn_if_no_tesseract(inputs)
    _run_to_summary(lambda: run_batch(inputs, options, config), summary_text,
                    "interrupted; the records written so far are whole: run the same command with --resume to go on")


class ExportFormat(str, Enum):
    parquet = "parquet"
    csv = "csv"
    excel = "excel"


@app.command()
def archive(
    inputs: Annotated[list[str], typer.Argument(help="Results files (.jsonl from batch, .json records), documents or folders (run through the batch).", metavar="INPUT", show_default=False)],
    db: Annotated[Optional[Path], typer.Option("--db", help="The DuckDB database file (made if missing; a second run adds new documents only). Without it, --export writes the tables of these inputs alone.", show_default=False)] = None,
    export_dir: Annotated[Optional[Path], typer.Option("--export", help="Also write every table of the archive into this folder (see --format).", show_default=False)] = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="For --export: parquet (typed), csv (comma, decimal point, ISO dates) or excel (BOM, ';', decimal comma).")] = ExportFormat.parquet,
    findings_out: Annotated[Optional[Path], typer.Option("--findings", help="Write the findings across documents to this file as JSON lines.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON lines instead of a table.")] = False,
    workers: Annotated[Optional[int], typer.Option("--workers", "-j", help="Worker processes for documents (default: the cores).", show_default=False)] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 for findings across documents of this level.")] = FailOn.error,
) -> None:
    """Load records into a database and check the documents against each other.

    The same decision stated with a different amount, FTE, period or instalment; a paper against the Bescheid
    in the archive; a module's decisions of a year against a total a later paper reports; a decision cited but
    absent. Query the tables (documents, amounts, dates, periods, positions, grants, grant_positions,
    grant_evidence, instalments, findings, evidence, repairs) with SQL, e.g. duckdb FILE. Exit 1 for an error
    finding (see --fail-on); 2 for bad input."""
    try:
        import duckdb  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as exc:
        fail(f"the archive needs {exc.name}: pip install 'kimextract[archive]'")
    from .archive import build_archive
    from .archive.export import archive_tables, export
    from .archive.store import open_archive
    from .report import print_archive_findings
    import tempfile

    from .write import write_atomically

    if db is None and export_dir is None:
        fail("give the database file (--db FILE), or a folder for the tables (--export DIR)")
    scratch = tempfile.TemporaryDirectory(prefix="kimextract-archive-") if db is None else None
    if scratch is not None:
        db = Path(scratch.name) / "archive.duckdb"
    summary = _run(lambda: build_archive(inputs, db, _options(), workers))
    lines = "".join(f.model_dump_json() + "\n" for f in summary.findings)
    if findings_out is not None:
        _run(lambda: write_atomically(findings_out, lines))
    if export_dir is not None:
        def write_tables():
            connection = open_archive(db)
            try:
                return export(archive_tables(connection), export_dir, fmt.value)
            finally:
                connection.close()
        _run(write_tables)
    if scratch is not None:
        scratch.cleanup()
    if as_json:
        sys.stdout.write(lines)
    else:
        print_archive_findings(summary.findings)
    typer.echo(f"kimextract: {db if scratch is None else 'archive'}: {summary.documents} documents ({summary.added} added, {summary.skipped} already held), "
               f"loaded in {summary.load_seconds:.1f} s, checked in {summary.check_seconds:.1f} s; "
               f"{len(summary.findings)} findings across documents", err=True)
    levels = {"error": {"error"}, "warning": {"error", "warning"}, "never": set()}[fail_on.value]
    if any(f.severity in levels for f in summary.findings):
        raise typer.Exit(EXIT_FINDINGS)


@app.command()
def harvest(
    url: Annotated[str, typer.Argument(help="The council information system's OParl endpoint: a System URL (all its bodies) or one Body's URL.", show_default=False)],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="The harvest folder: files/ (each content once), read/, records.jsonl, harvest.sqlite. Run again into it to fetch what changed.", show_default=False)],
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", help="Files downloaded at once.")] = 2,
    rate: Annotated[Optional[float], typer.Option("--rate", help="At most this many requests per second (default: no limit).", show_default=False)] = None,
    http_timeout: Annotated[float, typer.Option("--http-timeout", help="Seconds to wait for the server to connect or send.")] = 30.0,
    retries: Annotated[int, typer.Option("--retries", help="Further attempts after a 429, a 5xx, a timeout or a broken connection, with growing pauses (Retry-After honoured).")] = 4,
    max_file_size: Annotated[float, typer.Option("--max-file-size", help="MiB per file; a larger one gets a too_large record.")] = 200.0,
    margin: Annotated[float, typer.Option("--margin", help="Minutes before the last complete harvest's start from which changes are asked for (clock skew, late writes).")] = 60.0,
    full: Annotated[bool, typer.Option("--full", help="Ask for every paper, not only those changed since the last harvest, and try the files that failed again (files held are not downloaded again).")] = False,
    workers: Annotated[Optional[int], typer.Option("--workers", "-j", help="Worker processes reading the files (default: the cores).", show_default=False)] = None,
    timeout: Annotated[float, typer.Option(help="Seconds allowed to read one document (0: no limit); over it: a timeout record.")] = 600.0,
    ocr: Ocr = OcrMode.auto,
    no_repair: NoRepair = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, only the summary.")] = False,
) -> None:
    """Harvest a council's papers from its OParl 1.1 system: download each file once, read it, and write one
    record per file with what the system says about it beside what kimextract read.

    The next run into the same folder asks only for what changed. Exit 0 when every file was read; 3 when a
    file or a list page got an error record; 2 for bad usage or a URL that is no OParl endpoint."""
    if not url.startswith(("http://", "https://")):
        fail(f"{url}: an http:// or https:// URL was expected")
    for name, value in (("--concurrency", concurrency), ("--max-file-size", max_file_size), ("--http-timeout", http_timeout)):
        if value <= 0:
            fail(f"{name} must be positive")
    if retries < 0 or margin < 0 or (rate is not None and rate <= 0) or timeout < 0:
        fail("--retries, --margin and --timeout cannot be negative, and --rate must be positive")
    from .harvest import HarvestConfig, harvest_summary_text, run_harvest
    from .oparl import Politeness

    options = _options(no_repair, ocr=ocr)
    politeness = Politeness(timeout=http_timeout, retries=retries, rate=rate, max_file_mib=max_file_size, concurrency=concurrency)
    config = HarvestConfig(out_dir=out_dir, politeness=politeness, margin_minutes=margin, full=full, workers=workers,
                           read_timeout=timeout or None, progress="none" if quiet else "auto")
    _run_to_summary(lambda: run_harvest(url, config, options), harvest_summary_text,
                    "interrupted; what was fetched and read is kept: run the same command again to go on")


@app.command()
def review(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders (searched for .pdf and .txt), glob patterns, or results files (.jsonl from batch, .json from --out-dir: shown, not extracted again).", metavar="INPUT", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="The report's folder (new, empty, or an earlier report, which is replaced).", show_default=False)],
    workers: Annotated[Optional[int], typer.Option("--workers", "-j", help="Worker processes for extracting and rendering (default: the cores).", show_default=False)] = None,
    dpi: Annotated[int, typer.Option("--dpi", help="Resolution of the page images.")] = 110,
    timeout: Annotated[float, typer.Option(help="Seconds allowed per document extracted (0: no limit); over it: a timeout record.")] = 600.0,
    ocr: Ocr = OcrMode.auto,
    disable: Disable = None,
    no_repair: NoRepair = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, only the summary.")] = False,
) -> None:
    """Write a review report: a static site to open in a browser, offline, and an annotated PDF per document.

    The index lists every document with its findings; each document's page shows its pages with the values
    outlined and the evidence of each finding highlighted. Open OUT/index.html. Exit 0 when the report is
    written; 3 when an input got an error record (it is listed in the report); 2 for bad usage."""
    from .report import one_line
    from .review_site import ReviewConfig, write_review

    if workers is not None and workers < 1:
        fail("--workers must be at least 1")
    options = _options(no_repair, disable, ocr)
    config = ReviewConfig(out=out, workers=workers, dpi=dpi, timeout=timeout or None, progress="none" if quiet else "auto")
    _warn_if_no_tesseract(inputs)
    try:
        summary = _run(lambda: write_review(inputs, options, config))
    except KeyboardInterrupt:
        fail("interrupted; the report is incomplete", 130)
    if summary.unsupported:
        log.warning("skipped %d file%s neither .pdf nor .txt", summary.unsupported, "s" if summary.unsupported != 1 else "")
    findings = ", ".join(f"{summary.findings[level]} {level}" for level in ("error", "warning", "info"))
    typer.echo(f"kimextract review: {summary.documents} documents ({summary.failed} failed), {summary.images} page images, "
               f"findings {findings}, {summary.seconds:.1f} s (report CPU {summary.cpu_seconds:.1f} s) → {one_line(summary.index)}", err=True)
    if summary.failed:
        raise typer.Exit(EXIT_INPUT_FAILED)


@app.command()
def info(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print it as JSON.")] = False,
) -> None:
    """Show versions, Tesseract and its languages, what works, and the configuration file in use.

    The versions of kimextract, Python and its engines; Tesseract and its language models; whether OCR and
    the re-reading of numbers on scans are available (and how to install what is missing)."""
    import json

    from .info import environment, environment_text

    env = environment()
    env["config"] = str(ctx.obj["config"]) if ctx.obj and ctx.obj.get("config") else None
    if as_json:
        typer.echo(json.dumps(env, indent=2))
    else:
        typer.echo(environment_text(env) + f"\nconfiguration file: {env['config'] or 'none'}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the records."""
    from .write import schema_json

    typer.echo(schema_json())


def _run(call: Any) -> Any:
    try:
        return call()
    except KimextractError as exc:
        fail(str(exc), EXIT_INPUT_FAILED if exc.status in LIMIT_STATUSES else EXIT_BAD_INPUT)


def _run_to_summary(call: Any, text_of: Any, interrupted: str) -> None:
    """A long run (batch, harvest): its summary on stderr and its exit code; Ctrl-C says what is kept."""
    try:
        summary = _run(call)
    except KeyboardInterrupt:
        fail(interrupted, 130)
    typer.echo(text_of(summary), err=True)
    if summary.exit_code:
        raise typer.Exit(summary.exit_code)


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
