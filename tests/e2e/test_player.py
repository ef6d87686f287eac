"""The operator's queue page (/player) in Chromium, driving the real player of the live server.

The server plays into libvlc's dummy outputs (see conftest), so the page shows what libvlc
really does: the progress bar moves because the video plays. Every test leaves the player
stopped with an empty queue, since the other tests share the server.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# Two demo videos of P-001 (the player site). The second added moves up and plays first; it is
# the longer one, leaving time to see its progress and skip it before it would end by itself.
FIRST, SECOND = "生猪科学养殖", "果树修剪技术"  # 5 s, 6 s

TEXT = {
    "zh": {"player": "播放器 · 东村播放点", "idle": "当前没有播放。", "add": "＋ 添加到队列",
           "play": "▶ 播放", "pause": "暂停", "next": "下一个", "stop": "停止",
           "state_playing": "播放中", "state_idle": "已停止",
           "volume": "音量", "queue_empty": "播放队列是空的：请从下面的片库中添加视频。"},
    "en": {"player": "Player · 东村播放点", "idle": "Nothing is playing.", "add": "＋ Add to queue",
           "play": "▶ Play", "pause": "Pause", "next": "Next", "stop": "Stop",
           "state_playing": "playing", "state_idle": "stopped",
           "volume": "Volume", "queue_empty": "The queue is empty: add videos from the library below."},
}

# Stop and empty the queue through the API the page itself uses (with its CSRF token).
RESET_JS = """async () => {
  const box = document.getElementById("player");
  const post = (path, body) => fetch(box.dataset.base + path, {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf},
    body: JSON.stringify(body || {})});
  await post("stop");
  await post("queue", {clear: true});
}"""


def reset_player(page) -> None:
    if "/player" not in page.url:
        page.goto("/player")
    page.evaluate(RESET_JS)


def library_row(page, name: str):
    return page.locator("#library tbody tr").filter(
        has=page.locator("td:first-child", has_text=name))


def progress(page) -> float:
    return page.locator("#now-progress").evaluate("bar => bar.value")


def progress_above(page, value: float, tries: int = 100) -> None:
    """Wait for the bar to pass `value`. Not page.wait_for_function: Playwright compiles its
    predicate with `new Function`, which the page's Content-Security-Policy refuses."""
    for _ in range(tries):
        if progress(page) > value:
            return
        page.wait_for_timeout(100)


@pytest.fixture
def operator(new_page, logged_in):
    """The player page as P-001's operator; stopped and emptied again afterwards."""
    page = new_page("zh", storage_state=logged_in("op-p001"))
    page.goto("/player")
    yield page
    reset_player(page)


def test_queue_add_reorder_play_progress_skip(operator, shoot):
    page, t = operator, TEXT["zh"]
    expect(page.locator("h1")).to_have_text(t["player"])
    expect(page.locator("#player-unavailable")).to_have_count(0)  # libvlc is there
    expect(page.locator("#now-title")).to_have_text(t["idle"])
    queue = page.locator("#queue li")
    expect(queue).to_have_count(0)
    expect(page.locator("#queue-empty")).to_have_text(t["queue_empty"])
    expect(page.locator("#library tbody tr")).to_have_count(6)

    for count, name in enumerate((FIRST, SECOND), start=1):
        button = library_row(page, name).locator("button.add")
        expect(button).to_have_text(t["add"])
        button.click()
        expect(queue).to_have_count(count)  # one POST at a time keeps the order
    expect(queue.locator(".name")).to_have_text([FIRST, SECOND])
    expect(queue.locator(".dur")).to_have_text(["0:05", "0:06"])
    expect(page.locator("#queue-empty")).to_be_hidden()

    queue.first.locator("button.down").click()
    expect(queue.locator(".name")).to_have_text([SECOND, FIRST])

    page.locator("button[data-action=play]").click()
    expect(page.locator("#now-title")).to_have_text(SECOND)
    expect(page.locator("#player-state")).to_have_text(t["state_playing"])
    expect(queue.first).to_have_class("current")
    # The bar follows libvlc's position: it moves while the 6 s video plays.
    progress_above(page, 0)
    before = progress(page)
    page.wait_for_timeout(1500)
    progress_above(page, before)
    after = progress(page)
    assert after > before, f"the progress bar stood still at {before}"
    assert page.locator("#now-progress").evaluate("bar => bar.max") == pytest.approx(6, abs=0.5)
    expect(page.locator("#now-time")).to_have_text(re.compile(r"^0:0[1-6] / 0:06$"))
    shoot(page, "player-zh")

    page.locator("button[data-action=next]").click()
    expect(page.locator("#now-title")).to_have_text(FIRST)
    expect(queue.nth(1)).to_have_class("current")

    page.locator("button[data-action=stop]").click()
    expect(page.locator("#now-title")).to_have_text(t["idle"])
    expect(page.locator("#player-state")).to_have_text(t["state_idle"])
    expect(page.locator("#now-progress")).to_have_js_property("value", 0)

    # Proof of play, newest last: the first item was skipped (not played to its end), the
    # second stopped.
    logs = page.request.get("/api/v1/playlogs?site=P-001&limit=500").json()["items"]
    assert [log["outcome"] for log in logs[-2:]] == ["skipped", "stopped"]
    assert logs[-2]["played_s"] >= 1.5

    queue.first.locator("button.remove").click()
    expect(queue.locator(".name")).to_have_text([FIRST])
    queue.first.locator("button.remove").click()
    expect(queue).to_have_count(0)
    expect(page.locator("#queue-empty")).to_be_visible()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_queue_page_on_a_phone(new_page, logged_in, lang, shoot):
    t = TEXT[lang]
    page = new_page(lang, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                    storage_state=logged_in("op-p001"))
    page.goto("/player")
    try:
        expect(page.locator("h1")).to_have_text(t["player"])
        # The remote control fits the first screen, without scrolling.
        for action in ("play", "pause", "next", "stop"):
            button = page.locator(f"button[data-action={action}]")
            expect(button).to_have_text(t[action])
            expect(button).to_be_in_viewport()
        expect(page.locator("label.volume")).to_contain_text(t["volume"])
        expect(page.locator("#volume")).to_be_in_viewport()
        library_row(page, SECOND).locator("button.add").tap()
        expect(page.locator("#queue li .name")).to_have_text([SECOND])
        for tool in ("up", "down", "remove"):
            expect(page.locator(f"#queue li button.{tool}")).to_be_visible()
        expect(page.locator("#library button.add").first).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"/player is {overflow}px wider than a 360px screen"
        page.evaluate("window.scrollTo(0, 0)")
        shoot(page, f"player-mobile-{lang}")
    finally:
        reset_player(page)
