"""The pages work for a person in a real browser (Chromium, headless), on the
names a browser on the lab's machine uses: logging in, uploading through the
form with its progress bar, downloading through the page, errors in the error
style, a double click, production's Download button, and a console without
errors. Alpha runs the fixes; production runs production's count-and-redirect."""
from __future__ import annotations

import json
import re

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions

from conftest import MIB, Browser, make_zip, sha256, site

# Three 2 MiB chunks, as SpaceDock's client sends them.
FIVE_MB = 5 * MIB


def zip_file(browser: Browser, name: str, data: bytes) -> str:
    path = browser.folder / name
    path.write_bytes(data)
    return str(path)


def upload(browser: Browser, form_url: str, fields: dict[str, str], path: str) -> None:
    """Fill the upload form, click Upload once."""
    browser.open(form_url)
    browser.fill({**fields, "zipball": path})
    browser.step("form filled")
    browser.find("#upload button").click()


def versions_listed(browser: Browser) -> list[str]:
    cells = browser.driver.find_elements(By.CSS_SELECTOR, "table.versions tr td:first-child")
    return [cell.text.replace(" (default)", "") for cell in cells]


def create_mod(browser: Browser, where: str, name: str, version: str, data: bytes) -> str:
    """Upload a new mod through the form; the mod page's URL."""
    upload(browser, f"{where}/create/mod", {"name": name, "version": version}, zip_file(browser, f"{name}.zip", data))
    browser.wait_for(lambda: re.search(r"/mod/\d+/", browser.driver.current_url), f"the page of {name}", 60)
    browser.step(f"{name} created")
    return browser.driver.current_url


def test_logging_in_shows_who_is_logged_in(browser: Browser) -> None:
    browser.log_in(site("alpha"))

    assert browser.find("header nav span").text == "user"
    assert browser.console_errors() == []


def test_an_upload_fills_the_progress_bar_and_downloads_through_the_page_byte_for_byte(browser: Browser,
                                                                                     unique: str) -> None:
    data = make_zip(FIVE_MB, unique)
    browser.log_in(site("alpha"))
    upload(browser, f"{site('alpha')}/create/mod", {"name": f"Browser {unique}", "version": "1.0"},
           zip_file(browser, "mod.zip", data))

    browser.wait_for(lambda: browser.driver.execute_script(
        "const p = document.querySelector('progress'); return !p || p.value === 1;"), "the progress bar to fill", 60)
    browser.step("progress bar full")
    browser.wait_for(lambda: "/mod/" in browser.driver.current_url, "the new mod's page", 60)
    downloaded = browser.download(browser.find("a.button"), f"Browser_{unique}-1.0.zip")

    assert sha256(downloaded) == sha256(data)
    assert browser.console_errors() == []


def test_a_new_version_uploaded_through_the_form_becomes_the_default(browser: Browser, unique: str) -> None:
    browser.log_in(site("alpha"))
    page = create_mod(browser, site("alpha"), f"Versions {unique}", "1.0", make_zip(1000, unique))
    browser.find("a[href$='/update']").click()

    upload(browser, browser.driver.current_url, {"version": "1.1"},
           zip_file(browser, "new.zip", make_zip(1000, f"{unique}-1.1")))
    browser.wait_for(lambda: browser.driver.current_url.startswith(page.split("?")[0])
                     and "1.1" in versions_listed(browser), "version 1.1 on the mod's page", 60)

    assert browser.find("a.button").text == "Download 1.1"
    assert sorted(versions_listed(browser)) == ["1.0", "1.1"]
    assert browser.console_errors() == []


def refused_upload(browser: Browser, fields: dict[str, str], name: str, data: bytes) -> str:
    upload(browser, f"{site('alpha')}/create/mod", fields, zip_file(browser, name, data))
    result = browser.find("#upload .result")
    browser.wait_for(lambda: "Upload refused" in result.text, "the refusal to be shown", 60)
    browser.step("refused")
    assert "error" in result.get_attribute("class").split()
    assert result.value_of_css_property("color") == "rgba(183, 28, 28, 1)"
    assert browser.find("#upload button").is_enabled(), "the button stays disabled after a refusal"
    return result.text


def only_the_refusal_in_the_console(browser: Browser, status: int) -> None:
    errors = browser.console_errors()
    assert errors and all(f"status of {status}" in error and "/api/mod/create" in error for error in errors), errors


def test_a_file_that_is_not_a_zip_is_refused_in_the_error_style(browser: Browser, unique: str) -> None:
    browser.log_in(site("alpha"))

    shown = refused_upload(browser, {"name": f"Not a zip {unique}", "version": "1.0"}, "fake.zip",
                           b"not a zip at all " * 1000)

    assert shown == "Upload refused: the file is not a zip archive"
    only_the_refusal_in_the_console(browser, 400)


def test_an_existing_version_is_refused_in_the_error_style(browser: Browser, unique: str) -> None:
    browser.log_in(site("alpha"))
    create_mod(browser, site("alpha"), f"Twice {unique}", "1.0", make_zip(1000, unique))

    mod_id = re.search(r"/mod/(\d+)/", browser.driver.current_url).group(1)

    shown = refused_upload(browser, {"name": f"Twice {unique}", "version": "1.0"}, "again.zip", make_zip(1000, "x"))

    assert shown == f"Upload refused: you already have a mod named 'Twice {unique}' (mod {mod_id})"
    only_the_refusal_in_the_console(browser, 409)


# Notes the chunk index of every request the page sends, in sessionStorage,
# which outlives the page's navigation to the new mod's page.
RECORD_CHUNKS_SENT = """
const send = XMLHttpRequest.prototype.send;
sessionStorage.setItem("chunks", "[]");
XMLHttpRequest.prototype.send = function (body) {
  const chunks = JSON.parse(sessionStorage.getItem("chunks"));
  chunks.push(body instanceof FormData ? body.get("dzchunkindex") : null);
  sessionStorage.setItem("chunks", JSON.stringify(chunks));
  return send.call(this, body);
};
"""


def test_a_double_click_on_upload_sends_one_upload_and_makes_one_version(browser: Browser, unique: str) -> None:
    browser.log_in(site("alpha"))
    browser.open(f"{site('alpha')}/create/mod")
    browser.fill({"name": f"Double {unique}", "version": "1.0",
                  "zipball": zip_file(browser, "double.zip", make_zip(3 * MIB, unique))})
    browser.driver.execute_script(RECORD_CHUNKS_SENT)

    ActionChains(browser.driver).double_click(browser.find("#upload button")).perform()
    browser.step("double click")
    browser.wait_for(lambda: "/mod/" in browser.driver.current_url, "the new mod's page", 60)

    assert json.loads(browser.driver.execute_script("return sessionStorage.getItem('chunks');")) == ["0", "1"]
    assert versions_listed(browser) == ["1.0"]
    assert browser.console_errors() == []


def test_production_s_download_button_delivers_the_file_under_a_browser_name(browser: Browser, unique: str) -> None:
    data = make_zip(1 * MIB, unique)
    browser.log_in(site("production"))
    create_mod(browser, site("production"), f"Prod {unique}", "1.0", data)

    downloaded = browser.download(browser.find("a.button"), f"Prod_{unique}-1.0.zip")

    assert sha256(downloaded) == sha256(data)
    assert browser.driver.current_url.startswith(site("production"))
    assert browser.console_errors() == []


def test_deleting_a_version_asks_first_and_no_keeps_it(browser: Browser, unique: str) -> None:
    browser.log_in(site("alpha"))
    create_mod(browser, site("alpha"), f"Keep {unique}", "1.0", make_zip(1000, unique))
    browser.find("a[href$='/update']").click()
    upload(browser, browser.driver.current_url, {"version": "2.0"}, zip_file(browser, "v2.zip", make_zip(1000, "v2")))
    browser.wait_for(lambda: "2.0" in versions_listed(browser), "version 2.0 on the mod's page", 60)

    browser.driver.find_elements(By.CSS_SELECTOR, "form[data-confirm] button")[-1].click()
    alert = browser.wait_for(lambda: expected_conditions.alert_is_present()(browser.driver), "the question before deleting")
    question = alert.text
    alert.dismiss()

    assert question == f"Delete version 1.0 of Keep {unique}? Its zip is removed for good."
    assert sorted(versions_listed(browser)) == ["1.0", "2.0"]


LINK_STATUSES = """
const done = arguments[arguments.length - 1];
Promise.all([...new Set([...document.links].map(link => link.href))].map(href =>
    fetch(href).then(answer => [href, answer.status], error => [href, String(error)])))
  .then(done);
"""


def test_every_link_and_image_on_a_mod_page_answers_under_each_browser_name(browser: Browser) -> None:
    for name in ("production", "beta", "alpha"):
        browser.open(f"{site(name)}/mod/1/x")
        images = browser.driver.execute_script(
            "return [...document.images].map(image => [image.src, image.complete && image.naturalWidth > 0]);")
        links = browser.driver.execute_async_script(LINK_STATUSES)

        assert images and all(loaded for _, loaded in images), images
        assert links and all(status == 200 for _, status in links), links
        assert browser.driver.execute_script(
            "return getComputedStyle(document.querySelector('header')).backgroundColor;") == "rgb(38, 50, 56)"
    assert browser.console_errors() == []


def test_the_site_has_an_icon(browser: Browser) -> None:
    browser.open(f"{site('alpha')}/favicon.ico")

    assert browser.driver.find_elements(By.TAG_NAME, "svg")
