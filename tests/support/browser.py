"""Headless Debian Chromium for the browser tests, driven by Selenium.

The driver and the browser are the system's own (Debian packages `chromium` and
`chromium-driver`), so Selenium Manager never downloads anything. Shared by every
tests/test_browser*.py module: one driver factory, the request log (to prove no
request leaves the origin), JSON helpers, and screenshots at the two sizes the
workbench is checked at.

Screenshots go to a pytest tmp folder; with PARTYKG_SCREENSHOTS=DIR set they are
also copied there (`PARTYKG_SCREENSHOTS=docs/screenshots pytest tests/test_browser*.py`
refreshes the ones the README links to).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 30  # seconds: an upper bound for explicit waits, never a sleep
DESKTOP = (1280, 800)
PHONE = (390, 844)

opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# The module-scoped fixtures every browser test module imports (pytest finds
# fixtures imported into a test module): one Chromium and one screenshot folder
# per module.

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium with a fresh profile; performance logging on, so that a
    test can list every request the page made."""
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def open_query_page(driver, server_url: str) -> None:
    """Load / and wait until the statistics and the query list are drawn."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    driver.get(server_url + "/")
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(
        By.CSS_SELECTOR, "#yasgui .yasqe_queryButton"))


@contextlib.contextmanager
def chromium(profile_dir: Path, size: tuple[int, int] = (1400, 1000)):
    """A headless Chromium with a fresh profile and performance logging on."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    assert not missing, f"{', '.join(missing)} missing: run scripts/setup-test.sh " \
                        "(apt-get install chromium chromium-driver)"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync", f"--window-size={size[0]},{size[1]}",
                f"--user-data-dir={profile_dir}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def get_json(url: str):
    with opener.open(url, timeout=WAIT) as response:
        return json.load(response)


def get_text(url: str, accept: str | None = None) -> tuple[str, str]:
    """(content type, body) of a GET."""
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with opener.open(request, timeout=WAIT) as response:
        return response.headers.get("Content-Type", ""), response.read().decode()


def sparql_rows(server_url: str, query: str) -> list[dict]:
    request = urllib.request.Request(
        server_url + "/sparql", data=urllib.parse.urlencode({"query": query}).encode(),
        headers={"Accept": "application/sparql-results+json",
                 "Content-Type": "application/x-www-form-urlencoded"})
    with opener.open(request, timeout=WAIT) as response:
        return json.load(response)["results"]["bindings"]


def requests_made(driver) -> list[str]:
    """URLs of the requests the page made since the last call (performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def foreign_requests(driver, server_url: str) -> list[str]:
    """Requests since the last call that left the server's origin (data: URIs allowed)."""
    return [u for u in requests_made(driver)
            if not u.startswith((server_url, "data:", "blob:"))]


def full_page_screenshot(driver, target: Path, copy_to: Path | None = None,
                         max_height: int = 3200, width: int | None = None) -> Path:
    """Screenshot of the whole page (up to max_height pixels) at the window's width
    (or `width`), written to `target`, copied to `copy_to` and to $PARTYKG_SCREENSHOTS."""
    before = driver.get_window_size()
    w = width or before["width"]
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(w, min(max(height, 800), max_height))
    driver.execute_script("window.scrollTo(0, 0)")
    try:
        assert driver.save_screenshot(str(target))
    finally:
        driver.set_window_size(before["width"], before["height"])
    if copy_to is not None:
        shutil.copyfile(target, copy_to)
    keep = os.environ.get("PARTYKG_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, Path(keep) / target.name)
    return target


def screenshots_at_both_sizes(driver, folder: Path, name: str) -> list[Path]:
    """`name-desktop.png` at 1280×800 and `name-phone.png` at 390×844 of the page
    now open (viewport-sized, not full length)."""
    written = []
    before = driver.get_window_size()
    try:
        for label, (w, h) in (("desktop", DESKTOP), ("phone", PHONE)):
            driver.set_window_size(w, h)
            target = folder / f"{name}-{label}.png"
            assert driver.save_screenshot(str(target))
            keep = os.environ.get("PARTYKG_SCREENSHOTS")
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(target, Path(keep) / target.name)
            written.append(target)
    finally:
        driver.set_window_size(before["width"], before["height"])
    return written
