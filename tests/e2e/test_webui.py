"""The web UI in Debian's Chromium against a real ``llmos serve``: chat (streamed, with a
picture, stopped), search after indexing a folder, the models page, the API key, a phone."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from llmos.eval import vision as bundled
from tests.browser import PHONE
from tests.conftest import llmos_serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PHOTOS = Path(bundled.__file__).parent / "data" / "vision"
SMALL_MODEL = "smollm2-135m-instruct"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
STREAMING = re.compile(r"\bstreaming\b")
TIMEOUT_MS = 240_000  # a cold model load plus an answer on two cores


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server that may index ``media``: its base URL and that folder."""
    root = tmp_path_factory.mktemp("roots")
    media = root / "photos"
    media.mkdir()
    for name in ("chelsea.jpg", "coffee.jpg", "rocket.jpg"):
        shutil.copy(PHOTOS / name, media / name)
    home = tmp_path_factory.mktemp("home")
    with llmos_serve(home, env={"LLMOS_INDEX_ROOTS": str(root)}) as (url, _process):
        yield url, media


def ask(page, text: str) -> str:
    """Send ``text`` and wait for the whole streamed answer; its text."""
    page.fill("#prompt", text)
    page.press("#prompt", "Enter")
    reply = page.locator(".message.assistant").last
    expect(reply).not_to_have_class(STREAMING, timeout=TIMEOUT_MS)
    expect(page.locator("#chat-error")).to_be_hidden()
    return reply.locator(".content").inner_text()


def at_temperature_zero(route) -> None:
    """Pass a conversation's turn on as asked, but at temperature 0: one answer every run.
    A fallback, so the page's watch (tests/browser.py) still sees the request."""
    route.fallback(post_data=json.dumps({**route.request.post_data_json, "temperature": 0}))


WATCH_STREAM = """() => {
    window.partials = [];  // the answer's length at each change while it streams
    new MutationObserver(() => {
        const reply = [...document.querySelectorAll(".message.assistant")].pop();
        if (reply?.classList.contains("streaming")) {
            window.partials.push(reply.querySelector(".content").textContent.length);
        }
    }).observe(document.getElementById("messages"), {
        subtree: true, childList: true, characterData: true, attributes: true,
    });
}"""


def test_a_chat_answer_streams_in_and_the_conversation_is_kept(server, open_page):
    url, _media = server
    page = open_page(url)
    page.select_option("#model-picker", SMALL_MODEL)
    # Sampled, the small model now and then answers "20." alone: markdown's empty list item.
    page.route(re.compile(r"/v1/conversations/[^/]+/messages$"), at_temperature_zero)
    page.evaluate(WATCH_STREAM)
    question = "Count from one to twenty in words."
    answer = ask(page, question)
    assert answer.strip()
    grew = sorted(set(page.evaluate("window.partials")) - {0})
    assert len(grew) >= 2, f"the answer did not arrive in pieces: {grew}"
    expect(page.locator("#conversation-list li.current")).to_contain_text(question)

    page.reload()
    page.wait_for_selector("body[data-ready]")
    page.get_by_role("button", name=question).click()
    expect(page.locator(".message.user")).to_have_text(question)
    expect(page.locator(".message.assistant")).to_have_count(1)
    expect(page.locator(".message.assistant .content")).to_have_text(answer)
    expect(page.locator("#model-picker")).to_have_value(SMALL_MODEL)


def test_markdown_is_rendered_and_html_in_it_never_runs(server, open_page):
    url, _media = server
    page = open_page(url)
    html = page.evaluate(
        """async (text) => {
            const { renderMarkdown } = await import("/ui/js/markdown.js");
            const box = document.createElement("div");
            renderMarkdown(box, text);
            return box.innerHTML;
        }""",
        '**bold** `code` <img src=x onerror="document.title=1"> <script>document.title=2'
        "</script> [link](javascript:alert(1)) [site](http://example.org)\n\n```\nx = 1\n```",
    )
    assert "<strong>bold</strong>" in html and "<code>code</code>" in html
    assert "<pre><code>x = 1" in html
    assert "<img" not in html and "<script" not in html and "javascript:" not in html, html
    assert "&lt;img src=x" in html  # shown as the text the model wrote
    assert 'target="_blank"' in html and 'rel="noopener noreferrer"' in html


def test_a_picture_attached_to_a_question_is_described(server, open_page):
    url, _media = server
    page = open_page(url)
    page.set_input_files("#attach-input", str(PHOTOS / "chelsea.jpg"))
    expect(page.locator("#attachments .chip")).to_have_text("chelsea.jpg\u00d7", timeout=60_000)
    question = "What animal is in this picture? Answer in one sentence."
    answer = ask(page, question)
    assert "cat" in answer.lower(), answer
    expect(page.locator(".message.user .hint")).to_have_text("Attached: chelsea.jpg")
    screenshot_for_readme(page, "chat.png")

    page.reload()  # the question comes back as it was typed, with its file named
    page.wait_for_selector("body[data-ready]")
    page.get_by_role("button", name=question[:80]).click()
    expect(page.locator(".message.user .content")).to_have_text(question)
    expect(page.locator(".message.user .hint")).to_have_text("Attached: chelsea.jpg")


def test_an_assistant_answer_shows_its_trace_again_after_a_reload(server, open_page):
    url, _media = server
    with httpx.Client(base_url=url, timeout=TIMEOUT_MS / 1000) as http:
        assisted = {"title": "Assisted", "model": "llmos-assistant"}
        made = http.post("/v1/conversations", json=assisted)
        turn = {"content": "Translate 'good morning' into French.", "max_tokens": 32}
        said = http.post(f"/v1/conversations/{made.json()['id']}/messages", json=turn)
        assert said.status_code == 200, said.text
    page = open_page(url)
    page.get_by_role("button", name="Assisted", exact=True).click()
    trace = page.locator(".message.assistant details.trace")
    expect(trace.locator("summary")).to_contain_text("How the assistant worked")
    trace.locator("summary").click()
    expect(trace.locator("li", has_text="tool:translate")).to_have_count(1)


def test_stop_ends_a_long_answer_on_the_server_too(server, open_page):
    url, _media = server
    page = open_page(url)
    page.select_option("#model-picker", SMALL_MODEL)
    page.fill("#prompt", "Write a very long story about a lighthouse keeper, in twenty chapters.")
    page.click("#send")
    page.wait_for_selector(".message.assistant.streaming .content:not(:empty)", timeout=TIMEOUT_MS)
    page.click("#stop")
    expect(page.locator(".message.assistant").last).to_contain_text("Stopped.")
    expect(page.locator("#send")).to_be_visible()
    deadline = time.monotonic() + 30
    while busy := [m["name"] for m in httpx.get(f"{url}/api/ps").json()["models"] if m["in_use"]]:
        assert time.monotonic() < deadline, f"still generating after Stop: {busy}"
        time.sleep(0.2)


def test_a_folder_indexed_from_the_page_is_searched_by_words_and_by_picture(server, open_page):
    url, media = server
    page = open_page(f"{url}/#search")
    expect(page.locator("#index-roots")).to_contain_text(str(media.parent))
    page.fill("#index-path", str(media))
    page.click("#index-form button")
    expect(page.locator("#index-job")).to_have_attribute("data-state", "done", timeout=TIMEOUT_MS)
    progress = page.locator("#index-progress")
    assert progress.get_attribute("value") == progress.get_attribute("max") == "3"
    expect(page.locator("#index-status")).to_contain_text("3 of 3 files")

    page.fill("#search-query", "a cat")
    page.press("#search-query", "Enter")
    first = page.locator("#search-grid .tile").first
    expect(first.locator(".name")).to_have_text("chelsea.jpg", timeout=60_000)
    expect(first.locator("img")).to_have_attribute("src", re.compile(r"^blob:"), timeout=30_000)
    assert first.locator("img").evaluate("image => image.complete && image.naturalWidth > 0")
    screenshot_for_readme(page, "search.png")

    page.set_input_files("#search-image", str(PHOTOS / "coffee.jpg"))
    first_name = page.locator("#search-grid .tile .name").first
    expect(first_name).to_have_text("coffee.jpg", timeout=60_000)


def test_a_path_outside_the_roots_is_refused_inline(server, open_page):
    url, _media = server
    page = open_page(f"{url}/#search", allow=("403",))
    page.fill("#index-path", "/etc")
    page.click("#index-form button")
    expect(page.locator("#index-error")).to_contain_text("outside the folders llmos may index")


def test_the_models_page_shows_a_loaded_model_and_unloads_it(server, open_page):
    url, _media = server
    said = {"model": SMALL_MODEL, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2}
    assert httpx.post(f"{url}/v1/chat/completions", json=said, timeout=120).is_success
    page = open_page(f"{url}/#models")
    row = page.locator(f'#loaded-table tr[data-model="{SMALL_MODEL}"]')
    expect(row).to_contain_text("chat")
    expect(page.locator("#memory")).to_contain_text("budget")
    expect(page.locator("#usage-table tbody")).to_contain_text("chat")
    row.get_by_role("button", name=f"Unload {SMALL_MODEL}").click()
    expect(row).to_have_count(0)
    loaded = [m["name"] for m in httpx.get(f"{url}/api/ps").json()["models"]]
    assert SMALL_MODEL not in loaded
    page.locator(f'#models-table tr[data-model="{SMALL_MODEL}"]').get_by_role("button").click()
    expect(row).to_have_count(1, timeout=120_000)


def test_the_ui_fits_a_phone_and_speaks_chinese_to_a_chinese_browser(server, open_page):
    url, _media = server
    page = open_page(url, viewport=PHONE, locale="zh-CN")
    expect(page.locator('nav a[data-page="chat"]')).to_have_text("对话")
    for name in ("chat", "search", "tools", "models"):
        page.goto(f"{url}/#{name}")
        expect(page.locator(f"#{name}")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"#{name} is {width} px wide"


def test_the_keyboard_reaches_every_control_in_order(server, open_page):
    url, _media = server
    page = open_page(url)
    page.keyboard.press("Tab")
    expect(page.locator(".skip")).to_be_focused()
    order = []
    while "send" not in order:  # past the stored conversations' buttons, whatever their number
        assert len(order) < 100, order
        page.keyboard.press("Tab")
        order.append(page.evaluate("(e => e.id || e.textContent)(document.activeElement)"))
    assert order[:4] == ["Chat", "Search", "Tools", "Models"], order
    assert order.index("new-chat") < order.index("model-picker") < order.index("prompt"), order
    assert order.index("prompt") < order.index("Attach") < order.index("record"), order
    assert "attach-input" not in order  # the label stands for the hidden file input


@pytest.fixture(scope="module")
def locked_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("locked")
    with llmos_serve(home, env={"LLMOS_API_KEYS": "sesame"}) as (url, _process):
        yield url


def test_with_api_keys_the_page_asks_for_one_once_and_keeps_it_out_of_urls(
    locked_server, open_page
):
    page = open_page(locked_server, allow=("401",))
    urls = []
    page.on("request", lambda request: urls.append(request.url))
    dialog = page.locator("#key-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#key-reason")).not_to_be_empty()
    page.fill("#key-input", "wrong")
    page.click('#key-form button[value="ok"]')
    expect(dialog).to_be_visible()  # asked again: that key was refused
    page.fill("#key-input", "sesame")
    page.click('#key-form button[value="ok"]')
    expect(dialog).to_be_hidden()
    expect(page.locator("#model-picker option").first).to_be_attached()
    assert page.evaluate("localStorage.getItem('llmos.apiKey')") == "sesame"

    page.reload()
    page.wait_for_selector("body[data-ready]")
    page.goto(f"{locked_server}/#models")
    expect(page.locator("#memory")).to_contain_text("budget")
    expect(dialog).to_be_hidden()
    assert not [u for u in urls if "sesame" in u], urls


def screenshot_for_readme(page, name: str) -> None:
    """The README's screenshots, refreshed when UPDATE_SCREENSHOTS=1 (not in CI)."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / name)
