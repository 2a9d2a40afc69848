"""Render the app icons' PNGs and favicon.ico from their SVG sources, once, by hand.

The SVGs in src/ropeteam/web/static/ropeteam/icons/ are the artwork; the PNGs and the ICO
are committed beside them, so neither the server nor the set-up needs an image library.
Run after changing an SVG:

    .venv/bin/python bench/render_icons.py

It draws each SVG in Chromium (Playwright, as the browser tests use) and writes a PNG per
size; favicon.ico holds 16, 32 and 48 px PNGs (an ICO may carry PNG images since Vista).
"""

import os
import struct
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ICONS = Path(__file__).resolve().parents[1] / "src/ropeteam/web/static/ropeteam/icons"
# (source, output, size): what the manifest, base.html's <head> and /favicon.ico name.
PNGS = [
    ("icon.svg", "icon-192.png", 192),
    ("icon.svg", "icon-512.png", 512),
    ("icon-maskable.svg", "icon-maskable-192.png", 192),
    ("icon-maskable.svg", "icon-maskable-512.png", 512),
    # iOS puts its own rounded corners on a full square and shows transparency as black.
    ("icon-maskable.svg", "apple-touch-icon.png", 180),
]
FAVICON_SIZES = (16, 32, 48)


def render(page: Page, source: str, size: int) -> bytes:
    svg = (ICONS / source).read_text()
    page.set_viewport_size({"width": size, "height": size})
    sized = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
    page.set_content(f'<body style="margin:0">{sized}</body>')
    return page.screenshot(omit_background=True)


def ico(images: list[tuple[int, bytes]]) -> bytes:
    """An ICO file of PNG images: a 6-byte header, a 16-byte entry each, then the PNGs."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, data = b"", b""
    for size, png in images:
        # Width and height 0 mean 256; planes 1, 32 bits per pixel.
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
        data += png
    return header + entries + data


def main() -> None:
    chromium = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium if Path(chromium).exists() else None, args=["--no-sandbox"]
        )
        page = browser.new_page()
        for source, output, size in PNGS:
            (ICONS / output).write_bytes(render(page, source, size))
            print(f"{output}: {size}x{size}")
        favicon = [(size, render(page, "icon.svg", size)) for size in FAVICON_SIZES]
        (ICONS / "favicon.ico").write_bytes(ico(favicon))
        print(f"favicon.ico: {', '.join(str(s) for s in FAVICON_SIZES)}")
        browser.close()


if __name__ == "__main__":
    main()
