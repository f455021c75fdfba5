"""Build a PDF with a text layer from a plain text (the reference sample's gold.txt), page after page.

    python samples/make_sample_pdf.py samples/warendorf-231-2020/gold.txt samples/warendorf-231-2020/warendorf.pdf
"""

from __future__ import annotations

import sys
from pathlib import Path

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LINES_PER_PAGE = 60


def text_to_pdf(text: str, out: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = "Helvetica"
    if Path(FONT).exists():  # DejaVu has the umlauts in a TrueType font; Helvetica's WinAnsi has them too
        pdfmetrics.registerFont(TTFont("DejaVuSans", FONT))
        font = "DejaVuSans"
    pdf = canvas.Canvas(str(out), pagesize=A4)
    width, height = A4
    lines = text.splitlines()
    for first in range(0, len(lines), LINES_PER_PAGE):
        pdf.setFont(font, 10)
        y = height - 60
        for line in lines[first:first + LINES_PER_PAGE]:
            pdf.drawString(60, y, line)
            y -= 12.5
        pdf.setFont(font, 8)
        pdf.drawString(width / 2 - 20, 30, f"Seite {first // LINES_PER_PAGE + 1}")
        pdf.showPage()
    pdf.save()


if __name__ == "__main__":
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    text_to_pdf(source.read_text(encoding="utf-8"), target)
    print(f"wrote {target}")
