"""Browser tests: Playwright driving the system's Chromium headless (browser downloads fail here).

Without Chromium they are skipped, saying how to get it; `make test` installs it (`make tools`).
Screenshots go to test-artifacts/ (not kept by git).
"""

from __future__ import annotations

import shutil

import pytest

from tests.support.services import ROOT

ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / ".data" / "web-test" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"wide": {"width": 1280, "height": 900}, "narrow": {"width": 400, "height": 860}}


@pytest.fixture
async def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("the browser tests need Chromium: apt-get install chromium (make tools does it)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield browser
        await browser.close()


class Watched:
    """A page whose dialogs and console errors are kept, so a test can say none happened."""

    def __init__(self, page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))


async def signed_in(browser, api_url: str, key: str, *, width: str = "wide", **options) -> Watched:
    context = await browser.new_context(viewport=WIDTHS[width], **options)
    page = await context.new_page()
    watched = Watched(page)
    await page.goto(f"{api_url}/")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Use this key").click()
    await page.get_by_role("heading", name="Queue").wait_for()
    return watched


async def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width, size in WIDTHS.items():
        await page.set_viewport_size(size)
        await page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)
    await page.set_viewport_size(WIDTHS["wide"])
