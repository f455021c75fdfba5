#!/usr/bin/env python3
"""A screenshot of a page of a review report, as the README shows it: the system's Chromium, driven by
playwright (the test extra), opens the page from the file system, waits for its page images and saves a PNG.

    python scripts/review_screenshot.py REPORT/doc-1.html#finding-1 docs/review-page.png [--size 1400x860]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("page", help="a page of a report, with an optional #finding-N")
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", default="1400x860", help="the window, WIDTHxHEIGHT")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    path, _, fragment = args.page.partition("#")
    url = Path(path).resolve().as_uri() + (f"#{fragment}" if fragment else "")
    width, height = (int(n) for n in args.size.split("x"))
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        browser = playwright.chromium.launch_persistent_context(profile, executable_path=chromium, args=CHROMIUM_ARGS,
                                                                headless=True, viewport={"width": width, "height": height})
        page = browser.new_page()
        page.goto(url)
        page.wait_for_function(  # the images on the screen have loaded (the others load lazily)
            "Array.from(document.images).filter(image => { const box = image.getBoundingClientRect();"
            " return box.bottom > 0 && box.top < innerHeight; }).every(image => image.complete && image.naturalWidth > 0)")
        page.screenshot(path=str(args.out))
        browser.close()
    print(args.out)


if __name__ == "__main__":
    main()
