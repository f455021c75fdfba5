"""Boxes a reviewer can trust on scans: every value on a page kimextract OCRs itself has a box, and on a scan's own
Tesseract text layer the box reaches the value's last glyph. Checked against the ink of the rendered page."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "corpus" / "02-brms-zb-kim3-borken-2022"
DPI = 200
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed")


def ink_beyond_right_edge(image, box, dpi: int = DPI) -> float:
    """Points of ink that continue the value to the right of its box on the same line (0 when the box reaches
    the end of the value's glyphs; a gap of 1.5 points or more ends the value)."""
    scale = dpi / 72
    x0, top, x1, bottom = box
    left, right = int(x1 * scale), int((x1 + 12) * scale)
    pixels = image.crop((left, int(top * scale), right, int(bottom * scale))).load()
    height = int(bottom * scale) - int(top * scale)
    last, gap = 0, 0
    for x in range(right - left):
        if any(pixels[x, y] < 128 for y in range(height)):
            last, gap = x + 1, 0
        else:
            gap += 1
            if gap >= 1.5 * scale:
                break
    return last / scale


def ink_inside(image, box, dpi: int = DPI) -> bool:
    scale = dpi / 72
    x0, top, x1, bottom = box
    crop = image.crop((int(x0 * scale), int(top * scale), int(x1 * scale) + 1, int(bottom * scale) + 1))
    return crop.getextrema()[0] < 128


def values_of(record) -> list:
    return list(record.amounts) + list(record.dates) + list(record.positions)


def room_after(record_text: str, value) -> float:
    """Points of ink a correct box may leave to its right: none before a space, a stop's dot after a date."""
    end = value.provenance.end
    if end >= len(record_text) or record_text[end].isspace():
        return 1.0
    return 2.5 if record_text[end] in ".,;:)" else float("inf")  # a glued word ('0,5-Stelle') continues the ink


def page_images(pdf_path: Path, dpi: int = DPI) -> list:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    return [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(pdf))]


@needs_tesseract
def test_every_value_on_an_ocrd_page_has_a_box_around_its_glyphs(tmp_path):
    images = page_images(SAMPLE / "text.pdf")[:2]
    scan = tmp_path / "image-only.pdf"
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=float(DPI))
    scan.write_bytes(buffer.getvalue())

    record, text, rendered = ocr_and_extract(scan)
    assert record.source.ocr is True
    found = values_of(record)
    assert len(found) >= 10
    boxed = [v for v in found if v.provenance.bbox is not None]
    assert len(boxed) / len(found) >= 0.99
    for value in boxed:
        image = rendered[value.provenance.page - 1]
        assert ink_inside(image, value.provenance.bbox), value.text
        assert ink_beyond_right_edge(image, value.provenance.bbox) <= room_after(text, value), value.text


def ocr_and_extract(path: Path, options=None):
    """The record of a scan read with OCR, the text its offsets point into, and its pages rendered at DPI: one
    OCR run, as extract_file makes it."""
    from kimextract import Options
    from kimextract.ocr import ocr_missing_pages
    from kimextract.process import process_document
    from kimextract.read import read_document

    options = options or Options()
    with read_document(path) as document:
        ocr_missing_pages(document, language=options.ocr_language, dpi=options.ocr_dpi)
        record = process_document(document, options)
        rendered = [document.render_page(n, DPI) for n in range(1, len(document.pages) + 1)]
        return record, document.text, rendered


def test_boxes_on_a_tesseract_text_layer_reach_the_last_glyph():
    from kimextract import extract_file

    record = extract_file(SAMPLE / "scan-deu.pdf")
    from kimextract.read import read_document

    with read_document(SAMPLE / "scan-deu.pdf") as document:
        text = document.text
        shares = [p for p in record.positions if p.provenance.bbox is not None and room_after(text, p) <= 1.0]
        assert len(shares) >= 3
        for share in shares:
            image = document.render_page(share.provenance.page, DPI)
            assert ink_inside(image, share.provenance.bbox)
            assert ink_beyond_right_edge(image, share.provenance.bbox) <= 1.0, share.text


@needs_tesseract
@pytest.mark.parametrize("suffix", [".tif", ".png", ".jpg"])
def test_scans_as_image_files_are_read_with_ocr_and_boxed(tmp_path, suffix):
    """A multi-page TIFF, a PNG and a JPEG are read with OCR; every value gets a box around its glyphs (boxes in
    points at the image's resolution), and the record says what read each page."""
    from kimextract import Options

    images = page_images(SAMPLE / "text.pdf")[:2 if suffix == ".tif" else 1]
    scan = tmp_path / f"scan{suffix}"
    if suffix == ".tif":
        images[0].save(scan, save_all=True, append_images=images[1:], dpi=(DPI, DPI), compression="tiff_deflate")
    else:
        images[0].save(scan, dpi=(DPI, DPI), **({"quality": 90} if suffix == ".jpg" else {}))

    record, text, rendered = ocr_and_extract(scan, Options(ocr_language="deu", ocr_dpi=300))
    assert record.source.media_type.startswith("image/") and record.source.pages == len(images)
    assert [(p.page, p.engine, p.language, p.dpi) for p in record.source.ocr_pages] == \
        [(n, "tesseract", "deu", 300) for n in range(1, len(images) + 1)]
    assert all(p.version for p in record.source.ocr_pages)
    found = values_of(record)
    assert len(found) >= 3 and all(v.provenance.bbox is not None for v in found)
    if suffix == ".png":  # the public path reads an image file the same way
        from kimextract import extract_file

        whole = extract_file(scan)
        assert [(a.value, a.provenance) for a in whole.amounts] == [(a.value, a.provenance) for a in record.amounts]
        assert whole.source.ocr_pages == record.source.ocr_pages
    for value in found:
        image = rendered[value.provenance.page - 1]
        assert ink_inside(image, value.provenance.bbox), value.text
        assert ink_beyond_right_edge(image, value.provenance.bbox) <= room_after(text, value), value.text


def test_a_language_without_its_model_is_one_clear_error(tmp_path):
    from kimextract import InputError, Options, extract_file

    scan = tmp_path / "scan.png"
    page_images(SAMPLE / "text.pdf", 72)[0].save(scan)
    with pytest.raises(InputError) as raised:
        extract_file(scan, Options(ocr_language="xyz"))
    assert "xyz" in str(raised.value) and "\n" not in str(raised.value)
