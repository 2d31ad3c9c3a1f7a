"""Fixtures for the browser tests: Debian's Chromium, headless, driven by
Selenium through Debian's ChromeDriver, against the lab's published port under
the browser names (*.spacedock.localhost, which Chromium resolves to loopback
by itself), as a person on the lab's machine uses it.

Runs inside the sdlab/browser image (`python -m lab browser`), which sets:
    LAB_HTTP_PORT    the lab's published port
    DEMO_PASSWORD    the demo users' password
mounts the lab's own package (for lab.waiting) on PYTHONPATH, and mounts a
folder at /artifacts: every step of a failing test is saved there as a
screenshot, with the page's source and the browser's console.
"""
from __future__ import annotations

import hashlib
import io
import os
import random
import re
import shutil
import zipfile
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from lab.errors import LabTimeout
from lab.waiting import poll_until

PORT = int(os.environ["LAB_HTTP_PORT"])
PASSWORD = os.environ["DEMO_PASSWORD"]
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", "/artifacts"))
MIB = 1024 * 1024
T = TypeVar("T")


def site(name: str = "alpha") -> str:
    """http://<name>.spacedock.localhost:<port>, or the production site for "production"."""
    host = "spacedock.localhost" if name == "production" else f"{name}.spacedock.localhost"
    return f"http://{host}:{PORT}"


def make_zip(payload_bytes: int, seed: str) -> bytes:
    rng = random.Random(seed)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("GameData/BrowserTest/readme.txt", f"uploaded by an sdlab browser test, {seed}\n")
        archive.writestr("GameData/BrowserTest/payload.bin", rng.randbytes(payload_bytes))
    return buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Browser:
    """One headless Chromium; `step` records a screenshot of each step."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.downloads = folder / "downloads"
        self.downloads.mkdir(parents=True)
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                         f"--user-data-dir={folder / 'profile'}"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"download.default_directory": str(self.downloads),
                                                  "download.prompt_for_download": False})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                                    {"behavior": "allow", "downloadPath": str(self.downloads)})
        self.steps: list[tuple[str, bytes]] = []
        self.console: list[dict] = []

    # --- what a person does ----------------------------------------------------------

    def open(self, url: str) -> None:
        self.driver.get(url)
        self.step(f"open {url}")

    def find(self, selector: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def fill(self, fields: dict[str, str]) -> None:
        for name, value in fields.items():
            element = self.find(f"[name={name}]")
            if element.get_attribute("type") != "file":
                element.clear()
            element.send_keys(value)

    def log_in(self, where: str, username: str = "user") -> None:
        self.open(f"{where}/login")
        self.fill({"username": username, "password": PASSWORD})
        self.find("form[action='/login'] button").click()
        self.wait_for(lambda: "Log out" in self.driver.page_source, f"{username} to be logged in on {where}")
        self.step(f"logged in as {username}")

    def download(self, link: WebElement, name: str, timeout_s: float = 60) -> bytes:
        """Click a link that downloads `name`; the file's bytes once it is complete."""
        link.click()
        target = self.downloads / name
        self.wait_for(lambda: target.exists() and not (self.downloads / f"{name}.crdownload").exists(),
                      f"{name} to be downloaded into {self.downloads}", timeout_s)
        self.step(f"downloaded {name}")
        return target.read_bytes()

    # --- watching ------------------------------------------------------------------------

    def wait_for(self, check: Callable[[], T], what: str, timeout_s: float = 30, interval_s: float = 0.05) -> T:
        try:
            return poll_until(check, timeout_s=timeout_s, interval_s=interval_s, awaited=what)
        except LabTimeout:
            self.step(f"timed out waiting for {what}")
            raise

    def step(self, what: str) -> None:
        try:
            self.steps.append((what, self.driver.get_screenshot_as_png()))
        except WebDriverException:
            pass  # an open alert forbids screenshots; the next step takes one

    def console_errors(self) -> list[str]:
        """The console's errors since the last look (Chromium: level SEVERE)."""
        self.console += self.driver.get_log("browser")
        errors = [entry["message"] for entry in self.console if entry["level"] == "SEVERE"]
        self.console.clear()
        return errors

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for number, (what, png) in enumerate(self.steps, 1):
            (folder / f"{number:02d}-{re.sub(r'[^A-Za-z0-9]+', '-', what)[:60]}.png").write_bytes(png)
        try:
            (folder / "page.html").write_text(self.driver.page_source)
            self.console += self.driver.get_log("browser")
        except WebDriverException as error:
            (folder / "page.html").write_text(f"no page: {error}")
        (folder / "console.txt").write_text("".join(f"{e['level']} {e['message']}\n" for e in self.console))

    def quit(self) -> None:
        self.driver.quit()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.failed_call = report.failed  # type: ignore[attr-defined]


@pytest.fixture
def browser(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Browser]:
    chromium = Browser(tmp_path)
    yield chromium
    if getattr(request.node, "failed_call", True):
        folder = ARTIFACTS / request.node.name
        chromium.save(folder)
        print(f"browser: screenshots of every step of {request.node.name} saved in {folder}")
    chromium.quit()
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)


@pytest.fixture
def unique() -> str:
    return f"{random.getrandbits(32):08x}"
