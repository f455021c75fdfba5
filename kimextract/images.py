"""Scans that arrive as image files (.tif with one page or many, .png, .jpg): each frame is a page without text,
which :mod:`kimextract.ocr` reads with Tesseract. Page boxes are in points, as a PDF's: pixels × 72 / the
image's resolution (300 dpi where the file names none)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Optional

from .errors import InputError, TooLargeError
from .read import BBox, Document, Page

# (first bytes, media type, what to call it in a message)
IMAGE_KINDS = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "a PNG image"),
    (b"\xff\xd8\xff", "image/jpeg", "a JPEG image"),
    (b"II*\x00", "image/tiff", "a TIFF image"),
    (b"MM\x00*", "image/tiff", "a TIFF image"),
)
DEFAULT_DPI = 300.0


def image_kind(data: bytes) -> Optional[tuple[str, str]]:
    """Media type and name of an image file kimextract reads, by its first bytes; None for anything else."""
    for magic, media_type, name in IMAGE_KINDS:
        if data.startswith(magic):
            return media_type, name
    return None


def read_image(path: Optional[Path], data: bytes, sha256: str, max_pages: Optional[int]) -> Document:
    """An image file as a document of empty pages, one per frame, that render for OCR and for re-reading."""
    from PIL import Image, UnidentifiedImageError

    media_type, name = image_kind(data) or ("image", "an image")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()  # decodes the first frame: a broken file fails here, not in the middle of OCR
    except Image.DecompressionBombError as exc:
        raise TooLargeError(f"{name} with too many pixels ({exc})", path) from None
    except UnidentifiedImageError:
        raise InputError(f"{name} that cannot be decoded", path, status="corrupt") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"{name} that cannot be decoded ({exc})", path, status="corrupt") from None
    count = getattr(image, "n_frames", 1)
    if max_pages is not None and count > max_pages:
        image.close()
        raise TooLargeError(f"image has {count} pages, more than the limit of {max_pages}", path)

    def frame(number: int):
        image.seek(number - 1)
        return image.convert("L")

    def renderer(number: int, bbox: Optional[BBox], dpi: int):
        page = frame(number)
        own = _resolution(image)
        if bbox is not None:
            pad = 3
            x0, top, x1, bottom = (v * own / 72 for v in bbox)
            grow = pad * own / 72
            page = page.crop((max(0, int(x0 - grow)), max(0, int(top - grow)),
                              min(page.width, int(x1 + grow) + 1), min(page.height, int(bottom + grow) + 1)))
        if abs(dpi - own) > 0.5:
            page = page.resize((max(1, round(page.width * dpi / own)), max(1, round(page.height * dpi / own))))
        return page

    pages = [Page(number, "", False) for number in range(1, count + 1)]
    return Document(path, media_type, pages, sha256, _renderer=renderer, _close=image.close)


def _resolution(image) -> float:
    """The frame's resolution in dots per inch; 300 where the file names none or an implausible one."""
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    return value if 50 <= value <= 2400 else DEFAULT_DPI
