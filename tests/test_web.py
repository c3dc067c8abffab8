"""aiomame.web in a real headless Chromium (the system's, through its chromedriver): the watch
page shows changing frames, everything needs the token, a person's keys move catch's paddle
and are recorded, viewers that leave cost nothing, many viewers leak nothing.

Chromium and chromedriver come from Debian (mame/install.sh); without them the browser
tests skip, except under AIOMAME_REQUIRE_BROWSER=1 (CI), where that is a failure.
``AIOMAME_WEB_SOAK=300`` makes the viewers' soak last 5 minutes (default 20 s);
``AIOMAME_WATCH_SCREENSHOT=docs/images/watch.png`` saves the watch page's screenshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import numpy as np
import pytest

from aiomame import EnvPool
from aiomame.errors import InvalidArgumentError, ServeError, StateError
from aiomame.tools.recording import Recording
from aiomame.web.frames import HEADER

REPO = Path(__file__).resolve().parent.parent
SOAK = float(os.environ.get("AIOMAME_WEB_SOAK", "20"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)


def _browser_missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    if CHROMIUM is None or CHROMEDRIVER is None:
        return "chromium and chromium-driver are not installed (apt)"
    return None


MISSING = _browser_missing()
if MISSING and os.environ.get("AIOMAME_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"AIOMAME_REQUIRE_BROWSER=1 but {MISSING}")
needs_browser = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module (starting one costs seconds)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1500,1000"):
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def status(url: str) -> int:
    """The HTTP status of a GET of ``url``."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss() -> int:
    """This process's resident memory, bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def stepping(pool: EnvPool, seconds: float) -> int:
    """Step ``pool`` at random for ``seconds``; the steps taken."""
    rng = np.random.default_rng(0)
    n = len(pool.action_names)
    end = time.monotonic() + seconds
    steps = 0
    while time.monotonic() < end:
        await pool.step(rng.integers(0, n, pool.num_envs))
        steps += 1
    return steps


def count_frames(data: bytes) -> int:
    """The frames in one binary message (aiomame.web.frames.pack_frames)."""
    n = at = 0
    while at < len(data):
        _, length = HEADER.unpack_from(data, at)
        at += HEADER.size + length
        n += 1
    assert at == len(data)
    return n


async def read_stream(url: str, token: str, seconds: float, fps: float = 10,
                      abort: bool = False) -> tuple[int, int]:
    """A viewer without a browser: (frames, progress messages) read in ``seconds``; with
    ``abort``, the connection is dropped mid-stream without a closing handshake."""
    base = url.split("/?")[0]
    frames = texts = 0
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{base}/stream?token={token}&fps={fps}")
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                message = await ws.receive(timeout=max(0.01, end - time.monotonic()))
            except TimeoutError:
                break
            if message.type == aiohttp.WSMsgType.BINARY:
                frames += count_frames(message.data)
            elif message.type == aiohttp.WSMsgType.TEXT:
                texts += 1
            else:
                break
        if abort:
            ws._response.connection.transport.abort()  # a viewer that vanishes
        else:
            await ws.close()
    return frames, texts


async def test_everything_needs_the_token():
    async with EnvPool("catch", 1) as pool:
        await pool.reset(seed=0)
        handle = await pool.watch()
        try:
            base = handle.url.split("?")[0]
            assert handle.url.startswith("http://127.0.0.1:") and handle.token in handle.url
            assert [a[0] for a in handle.server._runner.addresses] == ["127.0.0.1"]
            checks = await asyncio.gather(*(asyncio.to_thread(status, url) for url in (
                base, base + "?token=wrong", base + "stream", base + "stream?token=x",
                handle.url)))
            assert checks == [403, 403, 403, 403, 200]
            async with aiohttp.ClientSession() as session:
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await session.ws_connect(base + "stream?token=nope")
                assert refused.value.status == 403
        finally:
            await handle.close()


async def test_watch_bad_port_host_and_fps():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        async with EnvPool("catch", 1) as pool:
            with pytest.raises(StateError, match="started pool"):
                await EnvPool("catch", 1).watch()
            with pytest.raises(ServeError, match=f"127.0.0.1:{port}: the port is already in use"):
                await pool.watch(port=port)
            with pytest.raises(ServeError, match="'no.such.host.invalid': no such host"):
                await pool.watch(host="no.such.host.invalid")
            with pytest.raises(InvalidArgumentError, match="port must be an int in 0..65535"):
                await pool.watch(port=70000)
            with pytest.raises(InvalidArgumentError, match=r"fps must be a number in \(0, 60\]"):
                await pool.watch(fps=0)
            assert pool._watches == []
    finally:
        taken.close()


@needs_browser
async def test_watch_page_shows_frames_that_change(browser):
    shot = os.environ.get("AIOMAME_WATCH_SCREENSHOT")
    async with EnvPool("catch", 16 if shot else 4) as pool:
        await pool.reset(seed=0)
        handle = await pool.watch(fps=10)
        steps = asyncio.create_task(stepping(pool, 3600))
        try:
            await asyncio.to_thread(browser.get, handle.url)

            async def page(script: str):
                return await asyncio.to_thread(browser.execute_script, script)

            sources = set()
            for _ in range(100):
                state = await page("""return {frames: window.aiomame.frames,
                    src: document.querySelector('#env3 img').src,
                    width: document.querySelector('#env3 img').naturalWidth,
                    text: document.querySelector('#env3 .line').textContent,
                    summary: document.getElementById('summary').textContent}""")
                sources.add(state["src"])
                if state["frames"] >= 40 and len(sources) >= 5 and state["width"] \
                        and re.search(r"episode \d+ · step \d+", state["text"]):
                    break
                await asyncio.sleep(0.2)
            assert state["frames"] >= 40 and len(sources) >= 5, state
            assert state["width"] == 224  # catch's screen as the player sees it (rotated)
            # the episode: any (random agents' episodes of catch last ~80 steps, so a fast
            # machine is past the first by now)
            assert re.search(r"episode \d+ · step \d+", state["text"]), state
            assert "restarts 0" in state["text"], state
            assert f"{pool.num_envs} envs" in state["summary"] and "steps/s" in state["summary"]
            # An image whose next frame is still decoding has no size for a moment: retry.
            lit = """const img = document.querySelector('#env0 img');
                if (!img.complete || img.naturalWidth === 0) return null;
                const c = document.createElement('canvas'); c.width = img.naturalWidth;
                c.height = img.naturalHeight; const g = c.getContext('2d'); g.drawImage(img, 0, 0);
                const d = g.getImageData(0, 0, c.width, c.height).data;
                let lit = 0; for (let i = 0; i < d.length; i += 4) lit += d[i + 1] > 64;
                return lit;"""
            for _ in range(50):
                if (pixels := await page(lit)) is not None:
                    break
                await asyncio.sleep(0.05)
            assert pixels is not None and pixels > 100  # the game's picture, not a black frame
            assert handle.viewers == 1
            # Tiles scrolled out of view get no frames (the page tells the server which).
            await asyncio.to_thread(browser.set_window_size, 600, 500)
            count = "return [...document.querySelectorAll('.tile')].map(t => +t.dataset.frames)"
            await asyncio.sleep(1.5)
            before = await page(count)
            await asyncio.sleep(2.0)
            after = await page(count)
            await asyncio.to_thread(browser.set_window_size, 1500, 1000)
            assert after[0] - before[0] >= 5 and after[-1] - before[-1] <= 1, (before, after)
            if shot:  # all 16 tiles, and a few points of the chart
                await asyncio.to_thread(browser.set_window_size, 1600, 1250)
                await asyncio.sleep(8)
                await asyncio.to_thread(browser.save_screenshot, shot)
                await asyncio.to_thread(browser.set_window_size, 1500, 1000)
            await asyncio.to_thread(browser.get, "about:blank")
            for _ in range(50):
                if handle.viewers == 0:
                    break
                await asyncio.sleep(0.1)
            assert handle.viewers == 0
        finally:
            steps.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await steps
            await handle.close()


async def test_a_viewer_that_vanishes_costs_nothing_after():
    async with EnvPool("catch", 2) as pool:
        await pool.reset(seed=0)
        handle = await pool.watch()
        steps = asyncio.create_task(stepping(pool, 3600))
        try:
            await read_stream(handle.url, handle.token, 1.0)  # warm up: thread pool, caches
            await asyncio.sleep(0.5)
            tasks, files = len(asyncio.all_tasks()), fds()
            for _ in range(5):
                frames, texts = await read_stream(handle.url, handle.token, 0.7, abort=True)
                assert frames > 0 and texts > 0
            for _ in range(50):
                if handle.viewers == 0 and len(asyncio.all_tasks()) <= tasks and fds() <= files:
                    break
                await asyncio.sleep(0.1)
            assert handle.viewers == 0
            assert len(asyncio.all_tasks()) <= tasks
            assert fds() <= files
            assert pool._episodes.returns is None  # nobody watches: nothing summed
        finally:
            steps.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await steps
            await handle.close()


async def test_sixteen_envs_two_viewers_do_not_grow():
    async with EnvPool("catch", 16) as pool:
        await pool.reset(seed=0)
        handle = await pool.watch()
        steps = asyncio.create_task(stepping(pool, 3600))
        try:
            warm = min(5.0, SOAK / 4)
            viewers = [asyncio.create_task(read_stream(handle.url, handle.token, SOAK))
                       for _ in range(2)]
            await asyncio.sleep(warm)
            files, memory = fds(), rss()
            results = await asyncio.gather(*viewers)
            print(f"soak {SOAK:g} s: fds {files} -> {fds()}, rss {memory / 2**20:.1f} -> "
                  f"{rss() / 2**20:.1f} MiB, (frames, messages) per viewer {results}")
            assert fds() <= files + 2, (files, fds())
            assert rss() - memory < 30 * 2**20, (memory, rss())
            for frames, texts in results:  # 16 envs at 10 fps, on a busy machine
                assert frames > 16 * 2 * SOAK / 4 and texts > SOAK, results
            assert pool.progress()["dead"] == [False] * 16
        finally:
            steps.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await steps
            await handle.close()


async def test_closing_the_pool_closes_its_watch():
    pool = EnvPool("catch", 1)
    await pool.start()
    await pool.reset(seed=0)
    handle = await pool.watch()
    viewer = asyncio.create_task(read_stream(handle.url, handle.token, 30))
    await asyncio.sleep(1.0)
    await pool.close()
    frames, _ = await asyncio.wait_for(viewer, 10)
    assert frames > 0 and handle.viewers == 0
    with pytest.raises(urllib.error.URLError):
        await asyncio.to_thread(urllib.request.urlopen, handle.url, None, 5)


def test_blocking_and_gymnasium_watch():
    from aiomame.gym import MameVectorEnv

    envs = MameVectorEnv("catch", 2)
    try:
        envs.reset(seed=0)
        watch = envs.watch()
        assert status(watch.url) == 200
        envs.step(np.zeros(2, np.int64))
        watch.close()
        watch.close()
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(watch.url, timeout=5)
    finally:
        envs.close()


def cli(*argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "aiomame", *argv], cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(REPO)})


def first_line(process: subprocess.Popen[str], timeout: float = 60) -> str:
    """The process's first line of output, within ``timeout`` seconds."""
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
        if not selector.select(timeout):
            process.kill()
            raise AssertionError(f"no output in {timeout}s: {process.stderr.read()}")  # type: ignore[union-attr]
    return process.stdout.readline().strip()  # type: ignore[union-attr]


def test_cli_watch_prints_its_url_first_and_stops_on_ctrl_c():
    process = cli("watch", "catch", "--envs", "2", "--agent", "tracker")
    try:
        url = first_line(process)
        assert url.startswith("http://127.0.0.1:") and "/?token=" in url, url
        assert status(url) == 200 and status(url.split("?")[0]) == 403
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == 130
        assert "steps/s" in process.stderr.read()  # type: ignore[union-attr]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_cli_watch_port_in_use_is_one_line():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        process = cli("watch", "catch", "--envs", "1", "--port", str(taken.getsockname()[1]))
        out, err = process.communicate(timeout=60)
    finally:
        taken.close()
    assert process.returncode == 2, err
    assert out == "" and len(err.splitlines()) == 1, err
    assert "aiomame watch: error: cannot listen on 127.0.0.1:" in err
    assert "the port is already in use" in err


@needs_browser
def test_human_keys_move_the_paddle_and_are_recorded(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    record = tmp_path / "human.aiorec"
    process = cli("play", "catch", "--human", "--episodes", "1", "--max-steps", "90",
                  "--seed", "3", "--record", str(record))
    try:
        url = first_line(process)
        browser.get(url)
        script = "return window.aiomame.steps.length"
        deadline = time.monotonic() + 60
        while browser.execute_script(script) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        browser.find_element("tag name", "body").click()
        ActionChains(browser).key_down(Keys.ARROW_RIGHT).perform()
        time.sleep(1.0)
        ActionChains(browser).key_up(Keys.ARROW_RIGHT).key_down(Keys.ARROW_LEFT).perform()
        time.sleep(0.5)
        ActionChains(browser).key_up(Keys.ARROW_LEFT).perform()
        out, err = process.communicate(timeout=60)
        steps = browser.execute_script("return window.aiomame.steps")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    recording = Recording.load(record)
    actions = recording.actions.tolist()
    n = len(actions)  # 90, or fewer when the game is over first
    assert f"episode 1: score {recording.reward:g} in {n} steps" in out and n >= 45, out
    shown = {s["step"]: s for s in steps if s["step"] > 0}
    assert sorted(shown) == list(range(1, n + 1))  # the page saw every step
    keymap = {(): 0, ("ArrowLeft",): 1, ("ArrowRight",): 2}  # catch: noop, left, right
    for k, action in enumerate(actions, 1):
        assert shown[k]["action"] == action
        assert keymap[tuple(shown[k]["keys"])] == action, shown[k]
    assert actions.count(2) >= 10 and actions.count(1) >= 5, actions
    right = [s["values"]["paddle_x"] for s in steps if s["keys"] == ["ArrowRight"]]
    left = [s["values"]["paddle_x"] for s in steps if s["keys"] == ["ArrowLeft"]]
    assert right[-1] > right[0] and left[-1] < left[0], (right, left)


def test_human_page_needs_the_token_lists_the_keys_and_pauses_without_a_page():
    process = cli("play", "catch", "--human", "--episodes", "1", "--max-steps", "400")
    try:
        url = first_line(process)
        base = url.split("?")[0]
        assert status(base) == 403 and status(base + "stream?token=no") == 403

        async def visit(steps: int) -> tuple[dict, list[int]]:
            """The hello, and the step numbers seen until ``steps`` of them."""
            seen: list[int] = []
            async with aiohttp.ClientSession() as session, session.ws_connect(
                    url.replace("/?", "/stream?")) as ws:
                hello = json.loads((await ws.receive(timeout=30)).data)
                while len(seen) < steps:
                    message = await ws.receive(timeout=30)
                    if message.type == aiohttp.WSMsgType.TEXT:
                        seen.append(json.loads(message.data)["step"])
            return hello, seen

        message, first = asyncio.run(visit(10))
        assert message["kind"] == "discrete" and message["actions"] == ["noop", "left", "right"]
        assert [r["key"] for r in message["keys"]] == ["ArrowLeft", "ArrowRight"]
        assert 19 < message["steps_per_second"] < 21  # 60 Hz / 3 frames a step
        time.sleep(1.5)  # nobody at the keys: the game waits (30 steps at its speed)
        _, again = asyncio.run(visit(3))
        assert again[0] <= first[-1] + 2, (first, again)  # the last step shown, then on
        assert again == list(range(again[0], again[0] + 3))
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(30) in (0, 130)


@pytest.mark.parametrize("kind", ["definition", "system"])
def test_human_plays_a_definition_file_and_a_plain_system(kind, tmp_path):
    """Keys sent over the WebSocket (no browser) become the recorded actions: catch.toml's
    discrete actions, or the plain ``invaders`` system (catch's ROM) whose MAME inputs are
    the buttons, each on its key (coin on 5, start on 1, as MAME's own keys)."""
    record = tmp_path / "run.aiorec"
    if kind == "definition":
        argv = [str(REPO / "aiomame/games/catch.toml")]
    else:
        subprocess.run([sys.executable, "-m", "aiomame", "roms", "catch", str(tmp_path)],
                       cwd=REPO, check=True, capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
        argv = ["invaders", "--roms", str(tmp_path)]
    process = cli("play", *argv, "--human", "--episodes", "1", "--max-steps", "30",
                  "--record", str(record))

    async def play(url: str) -> tuple[dict, list[dict]]:
        steps = []
        async with aiohttp.ClientSession() as session, session.ws_connect(
                url.replace("/?", "/stream?")) as ws:
            hello = json.loads((await ws.receive(timeout=30)).data)
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                step = json.loads(message.data)
                steps.append(step)
                if step["step"] == 5:
                    await ws.send_str(json.dumps({"keys": ["ArrowRight", "Digit5"]}))
                elif step["step"] == 20:
                    await ws.send_str(json.dumps({"keys": []}))
        return hello, steps

    try:
        hello, steps = asyncio.run(play(first_line(process)))
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    actions = Recording.load(record).actions.tolist()
    assert [s["action"] for s in steps if s["step"] > 0] == actions
    held = [a for s, a in zip(steps[1:], actions, strict=True) if s["keys"]]
    assert 10 <= len(held) <= 16, steps
    if kind == "definition":
        assert hello["kind"] == "discrete" and set(held) == {2}  # right (5 is no key here)
    else:
        keys = {row["input"]: row["key"] for row in hello["keys"]}
        assert keys[":IN1/Coin 1"] == "Digit5" and keys[":IN1/1 Player Start"] == "Digit1"
        assert keys[":CONTP1/P1 Right"] == "ArrowRight" and ":IN2/Lives" not in keys
        names = hello["actions"]
        pressed = {names[i] for row in held for i, bit in enumerate(row) if bit}
        assert hello["kind"] == "buttons" and pressed == {":CONTP1/P1 Right", ":IN1/Coin 1"}


def test_key_map_of_each_kind_of_controls():
    from aiomame.games import get_game
    from aiomame.web.keymap import AXIS_SPEED, KeyMap, key_for

    assert [key_for(f) for f in ("P1 Left", "P1 Button 1", "P1 Button 3", "Coin 1",
                                 "1 Player Start", "2 Players Start", "P2 Left", "Cabinet")] \
        == ["ArrowLeft", "Space", "KeyX", "Digit5", "Digit1", "Digit2", None, None]
    assert key_for("P2 Left", player=2) == "ArrowLeft" and key_for("P1 Left", 2) is None
    catch = KeyMap(get_game("catch").controls(1))
    assert [catch.action(k) for k in ([], ["ArrowLeft"], ["ArrowRight"], ["KeyQ"])] \
        == [0, 1, 2, 0]
    paddle = KeyMap(get_game("basket_paddle").controls(1))
    assert paddle.kind == "axes" and paddle.keys() == ["ArrowLeft", "ArrowRight"]
    assert paddle.action({"ArrowRight"}).tolist() == [AXIS_SPEED]
    assert paddle.action({"ArrowRight"}).tolist() == [2 * AXIS_SPEED]  # it stays, and moves
    assert paddle.action(set(), sticks=[-0.5]).tolist() == [-0.5]  # a stick sets it
    assert paddle.action(set(), sticks=[-7]).tolist() == [-1.0]
    sf3 = get_game("sf3")
    keys = KeyMap(sf3.controls(1))
    assert len(set(keys.keys())) == len(keys.keys()) == len(keys.rows())  # a key each
    names = sf3.action_names()
    assert names[keys.action(["ArrowLeft"])].startswith("left")


async def test_the_viewer_chooses_the_frame_rate():
    """Every tick sends each changed screen: ``?fps=`` and the page's ``{"fps": x}``."""
    async with EnvPool("catch", 1) as pool:
        await pool.reset(seed=0)
        handle = await pool.watch(fps=30)
        steps = asyncio.create_task(stepping(pool, 3600))
        try:
            counts = []
            async with aiohttp.ClientSession() as session, session.ws_connect(
                    handle.url.replace("/?", "/stream?") + "&fps=4") as ws:
                for fps in (4, 12):
                    await ws.send_str(json.dumps({"fps": fps}))
                    frames, end = 0, time.monotonic() + 3
                    while time.monotonic() < end:
                        message = await ws.receive(timeout=5)
                        frames += message.type == aiohttp.WSMsgType.BINARY
                    counts.append(frames)
            assert 6 <= counts[0] <= 15 and counts[1] >= counts[0] + 12, counts  # 12, 36
        finally:
            steps.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await steps
            await handle.close()
