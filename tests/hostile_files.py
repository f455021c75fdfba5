#!/usr/bin/env python3
"""Make a folder of hostile inputs, and an output folder with planted traps, for testing ``kimextract batch``.

    python tests/hostile_files.py OUTDIR

Writes OUTDIR/in (the inputs), OUTDIR/out (an --out-dir prepared as an attacker would), OUTDIR/outside (what a
planted symlink points to) and OUTDIR/expected.json. Made at test time, so the repository holds no such blobs;
the broken PDFs themselves come from scripts/make_broken_files.py.

Inputs, by name (as bytes: some names are not UTF-8) → the status their record must have with ``--out-dir``:

- broken PDFs: truncated (corrupt), encrypted, zero bytes (empty), random bytes (not_a_pdf);
- bombs: a page whose content stream inflates beyond the cap (too_large) and a page of more characters
  than the cap (too_large);
- odd names, all ok: a newline, a leading dash, latin-1 bytes, a formula (``=SUM(1+1).txt``), and a text
  holding terminal escape sequences and formula-like cells; a name so long that its ``.json`` does not fit
  in a file name (unwritable);
- traps in the output folder: ``clash.txt.json/`` is a folder (clash.txt: unwritable), ``sub`` a symlink to
  a folder outside (sub/inner.txt: unwritable unless --follow-symlinks), ``victim.txt.json`` and temporary-looking
  names are symlinks to a file outside (victim.txt: ok, and the file outside stays as it was).
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VICTIM_TEXT = b"must stay as it is\n"


def _broken_files_module():
    spec = importlib.util.spec_from_file_location("make_broken_files", ROOT / "scripts" / "make_broken_files.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def one_page_pdf(content_stream: bytes) -> bytes:
    """A one-page PDF with a Helvetica font and the given (already encoded) content stream object body."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 5 0 R /Resources << /Font << /F1 3 0 R >> >> >>",
        content_stream,
    ]
    return _broken_files_module()._pdf_file(objects, 1)


def deflate_bomb_pdf(mib: int) -> bytes:
    """A page whose content stream is ``mib`` MiB of blanks, deflated to about a thousandth of that."""
    deflater = zlib.compressobj(9)
    blanks = b" " * (1 << 20)
    data = bytearray(deflater.compress(b"BT /F1 9 Tf 20 40 Td (Zuwendung 1.000 EUR) Tj "))
    for _ in range(mib):
        data += deflater.compress(blanks)
    data += deflater.compress(b" ET") + deflater.flush()
    return one_page_pdf(b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(data), bytes(data)))


def crowded_page_pdf(characters: int) -> bytes:
    """A page showing ``characters`` characters (uncompressed, so the file is as large)."""
    shown = b"(" + b"1.000 EUR " * 100 + b") Tj "  # PDFium reads at most 32,767 characters of one string
    text = b"BT /F1 1 Tf 0 50 Td " + shown * (characters // 1000 + 1) + b"ET"
    return one_page_pdf(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text))


def paper(number: int, extra: str = "") -> bytes:
    """A short German paper; each one different, so that no two inputs share their content."""
    return (f"Mit Bescheid vom 03.02.2021 erhält der Kreis für Modul 2 eine Zuwendung in Höhe von {number}.000 € "
            f"für 2 Stellen. {extra}\n").encode("utf-8")


def make_hostile_files(outdir: Path | str, bomb_mib: int = 260) -> dict[bytes, str]:
    """Write the folders; returns (and writes to expected.json, names in hex) input name → expected status."""
    from kimextract.read import MAX_PAGE_CHARS

    broken = _broken_files_module()
    outdir = Path(outdir)
    inputs, out, outside = outdir / "in", outdir / "out", outdir / "outside"
    for folder in (inputs / "sub", out, outside):
        folder.mkdir(parents=True, exist_ok=True)
    expected: dict[bytes, str] = {}

    def write(name: bytes, data: bytes, status: str) -> None:
        with open(os.fsencode(inputs) + b"/" + name, "wb") as handle:
            handle.write(data)
        expected[name] = status

    good = broken.good_pdf(1, seed=13)
    write(b"truncated.pdf", good[:400], "corrupt")
    write(b"encrypted.pdf", broken.encrypted_pdf(good), "encrypted")
    write(b"zero.pdf", b"", "empty")
    write(b"garbage.pdf", random.Random(13).randbytes(5_000), "not_a_pdf")
    write(b"bomb.pdf", deflate_bomb_pdf(bomb_mib), "too_large")
    write(b"crowded.pdf", crowded_page_pdf(MAX_PAGE_CHARS + 10), "too_large")
    write(b"new\nline.txt", paper(1), "ok")
    write(b"-leading-dash.txt", paper(2), "ok")
    write(b"latin-caf\xe9.txt", paper(3), "ok")
    write(b"=SUM(1+1).txt", paper(4), "ok")
    write(b"escapes.txt", paper(5, "\x1b]0;owned\x07\x1b[2J\x1b[31m=HYPERLINK(\"http://x\") +1 -2 @A1 [/x]"), "ok")
    write(b"n" * 247 + b".txt", paper(6), "unwritable")  # 251 bytes: fine as a name, too long with .json
    write(b"clash.txt", paper(7), "unwritable")
    write(b"victim.txt", paper(8), "ok")
    write(b"sub/inner.txt", paper(9), "unwritable")

    (outside / "victim").write_bytes(VICTIM_TEXT)
    (out / "clash.txt.json").mkdir(exist_ok=True)
    for trap in ("victim.txt.json", "victim.txt.json.tmp", ".kimextract-0000000000000000.tmp"):
        if not (out / trap).is_symlink():
            os.symlink("../outside/victim", out / trap)
    if not (out / "sub").is_symlink():
        os.symlink("../outside", out / "sub")

    listing = {name.hex(): status for name, status in sorted(expected.items())}
    (outdir / "expected.json").write_text(json.dumps(listing, indent=2) + "\n", encoding="utf-8")
    return expected


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: hostile_files.py OUTDIR", file=sys.stderr)
        return 2
    for name, status in sorted(make_hostile_files(argv[0]).items()):
        print(f"{status:12} {name!r}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
