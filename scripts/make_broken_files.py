#!/usr/bin/env python3
"""Make a folder of good and broken inputs for testing ``kimextract batch``.

    python scripts/make_broken_files.py OUTDIR

Writes the files below into OUTDIR and ``OUTDIR/expected.json`` (file name → the status a batch record
should have). Needs reportlab and Pillow (the ``test`` extra) and pypdf for the encrypted PDF; no system tool.

| file | what it is | expected status |
|---|---|---|
| good-1.pdf, good-2.pdf | German text PDFs with amounts such as ``385.000 €`` | ok |
| good.txt | the same kind of text as UTF-8 | ok |
| truncated.pdf | the first 400 bytes of a good PDF | corrupt |
| random.pdf | random bytes | not_a_pdf |
| zero.pdf | zero bytes | empty |
| encrypted.pdf | a good PDF encrypted with a user password (pypdf, RC4-128) | encrypted |
| no-pages.pdf | a well-formed PDF whose page tree is empty (written by hand) | empty |
| image-only.pdf | one page holding only a picture of text (no text layer) | ok with Tesseract (``source.ocr``), else no_text_layer |
| latin1.txt | text in latin-1 bytes, not UTF-8 | ok (read as cp1252, ``source.encoding``) |
| picture.txt | a PNG image under a text name, its pixels broken | corrupt |
| binary.txt | bytes that are no text in any encoding | unreadable |
| letter.docx | a Word document: not searched for in a folder | (no input; counted as skipped) |
| no-permission.txt | a good text with mode 000 | unreadable; ok when run as root, who reads it anyway |
| fifo.pdf | a named pipe (would block a reader forever) | unreadable |
| dangling.pdf | a symlink to a file that does not exist | unreadable |
| loop.pdf | a symlink to itself (ELOOP) | unreadable |
| pages-2000.pdf | 2,000 small pages with a line of text each | ok, or too_large under ``--max-pages`` < 2000 |
| sub/dir-loop | a symlink to its own parent folder: discovery must not recurse forever | (no input) |

Root ignores mode 000, so ``no-permission.txt`` can only test the permission error for other users; the FIFO,
the dangling symlink and the symlink loop give ``unreadable`` inputs for everyone.
"""

from __future__ import annotations

import io
import json
import os
import random
import sys
from pathlib import Path

GOOD_TEXT = [
    "Kreis Warendorf - Der Landrat\n",
    "Berichtsvorlage 231/2020\n",
    "Kommunales Integrationsmanagement (KIM)\n",
    "Mit Zuwendungsbescheid vom 03.02.2021 hat die Bezirksregierung Arnsberg dem Kreis Warendorf für das Modul 2 "
    "eine Zuwendung in Höhe von 385.000 € für den Zeitraum 01.01.2021 bis 31.12.2021 bewilligt.",
    "Damit werden 7 Stellen im Case Management gefördert. Die erste Rate in Höhe von 192.500 € wurde am "
    "30.06.2021 ausgezahlt.",
]
IMAGE_TEXT = ["Zuwendung für Modul 2:", "385.000 € bewilligt", "am 03.02.2021"]


def good_pdf(pages: int = 2, seed: int = 0) -> bytes:
    """A text PDF (A4) with the German sample text on each page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    font = _font()
    for number in range(1, pages + 1):
        text = pdf.beginText(60, A4[1] - 80)
        text.setFont(font, 11)
        for paragraph in GOOD_TEXT:
            for line in _wrap(paragraph, 85):
                text.textLine(line)
            text.textLine("")
        text.textLine(f"Seite {number} von {pages} (Fassung {seed})")
        pdf.drawText(text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _font() -> str:
    """DejaVu Sans when installed (it has €), else Helvetica (WinAnsi, which has € too)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf"):
        if os.path.exists(path):
            try:
                pdfmetrics.registerFont(TTFont("DejaVuSans", path))
                return "DejaVuSans"
            except Exception:  # noqa: BLE001 - any font trouble: fall back to a standard font
                break
    return "Helvetica"


def _wrap(paragraph: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in paragraph.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])


def image_only_pdf() -> bytes:
    """One small page holding a picture of German text: no text layer at all."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    scale = 300 / 72  # pixels per point: the picture is drawn at 300 dpi
    width_pt, height_pt = 300, 110
    image = Image.new("L", (int(width_pt * scale), int(height_pt * scale)), 255)
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 54)
    except OSError:
        font = ImageFont.load_default(size=54)
    for row, line in enumerate(IMAGE_TEXT):
        draw.text((40, 30 + row * 120), line, fill=0, font=font)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width_pt, height_pt), invariant=1)
    pdf.drawImage(ImageReader(image), 0, 0, width=width_pt, height=height_pt)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def many_pages_pdf(pages: int = 2000) -> bytes:
    """A PDF of ``pages`` small pages with a line of text each, written by hand: one shared font, a short
    content stream per page (reportlab takes seconds for 2,000 pages; this takes milliseconds)."""
    objects: list[bytes] = []  # objects[i] is object number i + 1

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    tree = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for number in range(1, pages + 1):
        text = f"BT /F1 9 Tf 20 40 Td (Seite {number}: Rate 1.000 EUR am 01.02.2021) Tj ET".encode("ascii")
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text))
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 300 100] /Contents %d 0 R "
                        b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (tree, content, font)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    objects[tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    return _pdf_file(objects, catalog)


def no_pages_pdf() -> bytes:
    """A well-formed PDF whose page tree has no kids."""
    return _pdf_file([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"], 1)


def _pdf_file(objects: list[bytes], root: int) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def encrypted_pdf(data: bytes) -> bytes:
    """The PDF encrypted with a user password (RC4-128: pure Python in pypdf, no crypto library needed)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password="geheim", owner_password="geheimer", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_broken_files(outdir: Path | str) -> dict[str, str]:
    """Write the files into ``outdir``; returns (and writes to expected.json) file name → expected status."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    expected: dict[str, str] = {}

    def write(name: str, data: bytes, status: str) -> Path:
        path = outdir / name
        if path.is_symlink() or path.exists():
            path.chmod(0o644) if not path.is_symlink() else None
            path.unlink()
        path.write_bytes(data)
        expected[name] = status
        return path

    good = good_pdf(2, seed=1)
    write("good-1.pdf", good, "ok")
    write("good-2.pdf", good_pdf(3, seed=2), "ok")
    write("good.txt", "\n\n".join(GOOD_TEXT).encode("utf-8"), "ok")
    write("truncated.pdf", good[:400], "corrupt")
    write("random.pdf", random.Random(7).randbytes(20_000), "not_a_pdf")
    write("zero.pdf", b"", "empty")
    write("encrypted.pdf", encrypted_pdf(good), "encrypted")
    write("no-pages.pdf", no_pages_pdf(), "empty")
    write("image-only.pdf", image_only_pdf(), "ok")  # no_text_layer without Tesseract
    write("latin1.txt", "Fördermittel in Höhe von 385.000 EUR für die Ausländerbehörde.\n".encode("latin-1"), "ok")
    write("picture.txt", b"\x89PNG\r\n\x1a\n" + random.Random(8).randbytes(2_000), "corrupt")
    write("binary.txt", bytes(range(256)) * 16, "unreadable")
    (outdir / "letter.docx").write_bytes(b"PK\x03\x04" + random.Random(9).randbytes(2_000))
    locked = write("no-permission.txt", "\n\n".join(GOOD_TEXT).encode("utf-8"), "ok" if as_root else "unreadable")
    locked.chmod(0)
    write("pages-2000.pdf", many_pages_pdf(2000), "ok")

    for name, make in (
        ("fifo.pdf", lambda p: os.mkfifo(p)),
        ("dangling.pdf", lambda p: os.symlink("does-not-exist.pdf", p)),
        ("loop.pdf", lambda p: os.symlink("loop.pdf", p)),
    ):
        path = outdir / name
        if path.is_symlink() or path.exists():
            path.unlink()
        make(path)
        expected[name] = "unreadable"

    sub = outdir / "sub"
    sub.mkdir(exist_ok=True)
    loop = sub / "dir-loop"
    if not loop.is_symlink():
        os.symlink("..", loop)

    (outdir / "expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return expected


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: make_broken_files.py OUTDIR", file=sys.stderr)
        return 2
    expected = make_broken_files(argv[0])
    for name, status in sorted(expected.items()):
        print(f"{status:12} {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
