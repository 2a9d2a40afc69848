"""Ropeteam on a phone's home screen: the manifest, icons and favicon, as Chromium sees them."""

import json
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import CHROMIUM_ARGS, PHONE, Visit, _chromium, until

pytestmark = pytest.mark.browser


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _installed(page: Page) -> None:
    until(page, "!!(navigator.serviceWorker && navigator.serviceWorker.controller)")


def _installability_errors(page: Page) -> list[dict[str, Any]]:
    session = page.context.new_cdp_session(page)
    try:
        answer = session.send("Page.getInstallabilityErrors")
    finally:
        session.detach()
    errors: list[dict[str, Any]] = answer["installabilityErrors"]
    return errors


@pytest.fixture
def profile(browser: Browser, server: str, tmp_path: Path) -> Iterator[BrowserContext]:
    """A browser with a profile on disk, as on a phone: Chromium never offers to install
    from an incognito window, and Playwright's usual contexts are incognito."""
    context = browser.browser_type.launch_persistent_context(
        tmp_path / "profile",
        executable_path=_chromium(),
        headless=True,
        args=CHROMIUM_ARGS,
        base_url=server,
        viewport=PHONE,
        locale="en-GB",
    )
    yield context
    context.close()


def test_chromium_finds_ropeteam_installable_from_the_rope_page(profile: BrowserContext) -> None:
    tab = Visit(profile.new_page())
    tab.sign_in("sam")
    page = tab.page
    _installed(page)

    session = profile.new_cdp_session(page)
    answer = session.send("Page.getAppManifest")
    session.detach()
    assert answer["url"].endswith("/manifest.webmanifest")
    assert answer["errors"] == []
    manifest = json.loads(answer["data"])
    assert manifest["name"] == manifest["short_name"] == "Ropeteam"
    assert manifest["display"] == "standalone"

    # Chromium fetches the icons and asks the worker as it goes: ask again until it has.
    errors = _installability_errors(page)
    for _ in range(20):
        if not errors:
            break
        page.wait_for_timeout(250)
        errors = _installability_errors(page)
    assert errors == []
    tab.check()


def test_the_manifest_names_every_icon_a_phone_asks_for(visit: Callable[..., Visit]) -> None:
    tab = visit(PHONE)
    response = tab.page.request.get("/manifest.webmanifest")
    assert response.status == 200
    assert response.headers["content-type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["lang"] == "en-gb"
    assert manifest["theme_color"] == "#073a5c"
    assert manifest["background_color"] == "#ffffff"
    assert manifest["start_url"] == manifest["scope"] == "/"
    found = {}
    for icon in manifest["icons"]:
        answer = tab.page.request.get(icon["src"])
        assert answer.status == 200, icon["src"]
        assert answer.headers["content-type"] == icon["type"], icon["src"]
        if icon["type"] == "image/png":
            width, height = _png_size(answer.body())
            assert icon["sizes"] == f"{width}x{height}", icon["src"]
        found[(icon["sizes"], icon.get("purpose", "any"))] = icon["type"]
    assert found == {
        ("any", "any"): "image/svg+xml",
        ("192x192", "any"): "image/png",
        ("512x512", "any"): "image/png",
        ("192x192", "maskable"): "image/png",
        ("512x512", "maskable"): "image/png",
    }


def test_the_favicon_and_every_icon_a_page_names_answer_without_a_404(
    visit: Callable[..., Visit],
) -> None:
    tab = visit(PHONE)
    favicon = tab.page.request.get("/favicon.ico")
    assert favicon.status == 200
    assert favicon.headers["content-type"] == "image/x-icon"
    assert favicon.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file's signature

    missing: list[str] = []
    tab.page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    tab.sign_in("sam")
    _installed(tab.page)
    for path in ("/", "/offline", "/team/", "/visits/"):
        tab.page.goto(path)
        links = tab.page.locator("link[rel~='icon'], link[rel='apple-touch-icon']")
        expect(links).to_have_count(3)
        for href in links.evaluate_all("links => links.map((l) => l.href)"):
            assert tab.page.request.get(href).status == 200, href
        tab.check()
    assert missing == []
    assert not [m for m in tab.console if "404" in m], tab.console
