"""The running app attacked as a stranger would, through raw HTTP: every event by number, files
named by server path or URL, bombs, bursts, oversized bodies and floods. Each is refused with a
short message, and what a normal visitor does keeps working."""

import base64
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import numpy as np
import pytest

from digit_core.decode import UNREADABLE
from tests.app_server import running_app
from tests.attacks import (
    DIGITS,
    LABELS,
    call,
    chunked_field,
    closed_by_server,
    costly_flood,
    declared_upload,
    events,
    heavy_png,
    join,
    number_4821,
    padded_drawing,
    peak_memory,
    re_saved_example,
    rotated,
    rss_mb,
    settled_rss_mb,
    sketch_bomb,
    slow_connections,
    truncated_jpeg,
    upload,
)
from tests.bad_inputs import encode

ROOT = Path(__file__).resolve().parent.parent


def as_sketch(file):
    return {"background": file, "layers": [file, file], "composite": file}


def payloads(event: dict, file) -> list[list]:
    """What an attacker would put in an event's inputs: the file alone, or as every part of a
    sketch, in every slot (plus a digit where the feedback API wants one)."""
    slots = max(1, len(event.get("inputs", [])))
    return [[file] * slots, [as_sketch(file)] * slots, [file, 3], [as_sketch(file), 3]]


@pytest.fixture(scope="module")
def secret(tmp_path_factory) -> Path:
    """A picture of the number 4821 on the server, outside the upload cache."""
    path = tmp_path_factory.mktemp("server-files") / "secret.png"
    path.write_bytes(number_4821())
    return path


def test_no_event_reads_a_server_file_or_says_whether_it_exists(app_url, secret, feedback_dir):
    stored_before = sorted(p.name for p in feedback_dir.rglob("*"))
    missing = str(secret.parent / "no-such-file.png")
    answers = {}
    for fn_index, event in events(app_url).items():
        for meta in ({}, {"meta": {"_type": "gradio.FileData"}}):
            for path in (str(secret), missing, "/etc/passwd", str(ROOT / "app.py"), "/dev/zero"):
                for shape, data in enumerate(payloads(event, {"path": path, **meta})):
                    ok, out = call(app_url, fn_index, data, visitor=f"198.51.100.{fn_index}")
                    text = str(out)  # an error may repeat the caller's own path, nothing more
                    assert "4821" not in text and "confidences" not in text, (fn_index, out)
                    assert "'probabilities'" not in text and "/file=" not in text, (fn_index, out)
                    if path in (str(secret), missing):
                        answers.setdefault((fn_index, str(meta), shape), set()).add(
                            (ok, text.replace(path, "PATH"))
                        )
    # The existing and the missing file get the same answer from every event
    assert all(len(seen) == 1 for seen in answers.values()), answers
    assert sorted(p.name for p in feedback_dir.rglob("*")) == stored_before


def test_unreadable_message_is_the_one_for_any_bad_file(app_url, secret):
    """Refused before Gradio (whose own check of a FileData path answers with no message)."""
    named = {e.get("api_name"): i for i, e in events(app_url).items()}
    for api in ("predict", "read_digit", "explain", "read_number"):
        for meta in ({}, {"meta": {"_type": "gradio.FileData"}}):
            status, body = call(app_url, named[api], [{"path": str(secret), **meta}])
            assert status == 400 and json.loads(body) == {"error": UNREADABLE}, (api, body)


def test_files_given_as_urls_are_never_fetched(app_url):
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_HEAD = do_GET

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{server.server_address[1]}/picture.png"
    try:
        for fn_index, event in events(app_url).items():
            for data in payloads(
                event, {"path": target, "url": target, "meta": {"_type": "gradio.FileData"}}
            ):
                status, message = call(app_url, fn_index, data)
                browser_only = event.get("backend_fn") is False  # no such event on the server
                expected = "no event number" if browser_only else "uploaded, not given as URLs"
                assert status == 400 and expected in message, (fn_index, message)
        file = {"path": target, "meta": {"_type": "gradio.FileData"}}  # by name, through v2
        answer = httpx.post(app_url + "gradio_api/call/v2/predict", json={"file": file}, timeout=30)
        assert answer.status_code == 400 and "not given as URLs" in answer.text, answer.text
    finally:
        server.shutdown()
    assert hits == []


def test_an_event_that_does_not_exist_is_a_400_not_a_500(app_url):
    status, message = call(app_url, 9999, [])
    assert status == 400 and "no event number 9999" in message


def test_an_event_given_too_few_values_is_a_400_not_a_traceback(app_url):
    """Gradio logged a traceback and answered with its components' reprs."""
    for fn_index, event in events(app_url).items():
        if event.get("inputs"):
            status, message = call(app_url, fn_index, [])
            assert status == 400 and "input value(s); the request has 0" in message, fn_index
    answer = httpx.post(app_url + "gradio_api/call/read_number", json={"data": []}, timeout=30)
    assert answer.status_code == 400 and "takes 1 input value(s)" in answer.text, answer.text


def test_an_event_the_browser_runs_is_no_event_on_the_server(app_url):
    """Gradio raised "function has no backend method" and logged a traceback."""
    browser_only = [i for i, e in events(app_url).items() if e.get("backend_fn") is False]
    assert browser_only  # the tabs' script
    for fn_index in browser_only:
        status, message = call(app_url, fn_index, [])
        assert status == 400 and f"no event number {fn_index}" in message, message


def test_an_example_click_takes_only_an_example_number(app_url):
    """Gradio's own example event logged a traceback for anything but an example's number,
    and read -1 as the last example."""
    config = httpx.get(app_url + "config", timeout=30).json()
    click = next(i for i, e in events(app_url).items() if e.get("api_name") == "load_example")
    dataset = events(app_url)[click]["inputs"][0]
    count = next(len(c["props"]["samples"]) for c in config["components"] if c["id"] == dataset)
    for odd in (None, count, 9999, -1, "x", [1], 1.5, True, {"a": 1}):
        status, message = call(app_url, click, [odd])
        assert status == 400 and f"0 to {count - 1}" in message, (odd, message)
    ok, out = call(app_url, click, [0])
    assert ok is True, out


def test_a_picture_sent_as_a_plain_value_or_a_correction_off_the_list_is_a_400(app_url):
    """Gradio answered with pydantic's error for ImageData, or "Value: ... is not in the list of
    choices" (repeating all the caller sent), and logged a traceback for each."""
    named = {e.get("api_name"): i for i, e in events(app_url).items()}
    for api in ("predict", "show_number_upload"):
        for odd in (0, -1, 1.5, True, "7", "data:image/png;base64,AAAA"):
            status, message = call(app_url, named[api], [odd])
            assert status == 400 and "uploaded file" in message, (api, odd, message)
    for odd in (0, "10", "x" * 5000, True, [], {}):
        status, message = call(app_url, named["send_feedback"], [odd, None])
        assert status == 400 and message == '{"error": "Pick one of 0, 1, 2, 3, 4, 5, 6, 7, 8, 9."}'


def test_every_route_by_api_name_is_guarded_like_the_queue(app_url):
    """Gradio's /run/ and /api/ (events run at once) and /call/v2/ (values by name) logged a
    traceback for the same values, and for an event the browser runs called by name."""
    for route in ("run", "api"):
        for odd in ([9999], [], ["x"]):
            answer = httpx.post(f"{app_url}gradio_api/{route}/load_example", json={"data": odd})
            assert answer.status_code == 400, (route, odd, answer.text)
        answer = httpx.post(f"{app_url}gradio_api/{route}/js_fn", json={"data": []})
        assert answer.status_code == 400 and "no event named js_fn" in answer.text
    answer = httpx.post(app_url + "gradio_api/call/v2/predict", json={"file": 5}, timeout=30)
    assert answer.status_code == 400 and "uploaded file" in answer.text, answer.text
    for body in ({}, {"file": None, "correction": 3}):  # Gradio raised TypeError on an extra
        answer = httpx.post(app_url + "gradio_api/call/v2/predict", json=body, timeout=30)
        assert answer.status_code == 400 and "takes the values file by name" in answer.text
    answer = httpx.post(app_url + "gradio_api/call/v2/load_example", json={"x": 1}, timeout=30)
    assert answer.status_code == 400, answer.text  # not in the public API


def test_no_event_skips_the_queue_by_the_direct_routes(app_url):
    """Gradio leaves /run/ and /api/ open off a Space: a flood there ran at once, past the
    queue's one-at-a-time and every per-visitor share."""
    picture = upload(app_url, (ROOT / "examples" / "8-drawing.png").read_bytes(), "8.png")
    for route in ("run", "api"):
        answer = httpx.post(f"{app_url}gradio_api/{route}/predict", json={"data": [picture]})
        assert answer.status_code == 404 and "join the queue" in answer.text, answer.text
    named = {e.get("api_name"): i for i, e in events(app_url).items()}
    ok, out = call(app_url, named["predict"], [picture])
    assert ok is True and out[0]["label"] == "8", out


def test_sketch_bomb_is_refused_without_memory(app):
    url, server = app
    bomb = upload(url, sketch_bomb(), "bomb.png")
    named = {e.get("api_name"): i for i, e in events(url).items()}
    with peak_memory(server.pid) as memory:
        ok, out = call(url, named["predict_sketch"], [as_sketch(bomb)])
    assert not (ok is True and (out[0] or {}).get("confidences"))  # refused, nothing read
    assert memory["added"] < 300, memory
    with peak_memory(server.pid) as memory:  # the same picture uploaded says why
        ok, message = call(url, named["predict"], [bomb])
    assert ok is not True and "too large" in str(message) and memory["added"] < 300


def test_an_event_naming_many_files_is_refused(app_url):
    """At most a sketch's worth of files in one request."""
    named = {e.get("api_name"): i for i, e in events(app_url).items()}
    picture = upload(app_url, (ROOT / "examples" / "8-drawing.png").read_bytes(), "8.png")
    sketch = {"background": picture, "layers": [picture] * 50, "composite": picture}
    status, message = call(app_url, named["predict_sketch"], [sketch])
    assert status == 400 and "Too many files" in message


def test_the_drawing_pad_event_takes_only_a_small_png(app_url):
    """The pad's event carries a PNG data URL: by raw HTTP it reads a real drawing, and a bomb,
    a JPEG or garbage in its place give an empty answer; a server path is refused."""
    pad = next(i for i, e in events(app_url).items() if e.get("api_name") == "predict_drawing")
    digit = DIGITS[int(np.flatnonzero(LABELS == 3)[0])]
    drawing = "data:image/png;base64," + base64.b64encode(encode(255 - digit, "PNG")).decode()
    ok, out = call(app_url, pad, [drawing])
    assert ok is True and out[0]["label"] == "3"
    for value in (
        "data:image/png;base64," + base64.b64encode(sketch_bomb()).decode(),
        "data:image/jpeg;base64," + base64.b64encode(encode(digit, "JPEG")).decode(),
        "data:image/png;base64,!!!",
        12,
    ):
        ok, out = call(app_url, pad, [value])
        assert ok is True and not (out[0] or {}).get("confidences"), (value, out)
    status, body = call(app_url, pad, [{"path": "/etc/passwd"}])
    assert status == 400 and json.loads(body) == {"error": UNREADABLE}
    status, _ = call(app_url, pad, ["data:image/png;base64," + "A" * 2_000_000])
    assert status == 413


def test_truncated_jpeg_is_damaged_not_a_digit(app_url):
    named = {e.get("api_name"): i for i, e in events(app_url).items()}
    picture = upload(app_url, truncated_jpeg(), "cut.jpg")
    ok, message = call(app_url, named["predict"], [picture])
    assert ok is False and "damaged" in message
    ok, out = call(app_url, named["predict_sketch"], [as_sketch(picture)])
    assert not (ok is True and (out[0] or {}).get("confidences"))


def test_a_feedback_burst_stores_a_few(app_url, feedback_dir):
    named = {e.get("api_name"): i for i, e in events(app_url).items()}
    log = feedback_dir / "feedback.jsonl"
    before = log.read_text().count("\n") if log.exists() else 0
    stored, refused = 0, 0
    for i in range(100):  # a hundred different pictures from one visitor, as fast as it can
        picture = upload(
            app_url, encode(255 - DIGITS[100 + i], "PNG"), f"d{i}.png", visitor="192.0.2.77"
        )
        ok, message = call(
            app_url, named["feedback"], [picture, int(LABELS[100 + i])], visitor="192.0.2.77"
        )
        stored += ok is True
        refused += ok is False and "Too many corrections" in str(message)
    after = log.read_text().count("\n") if log.exists() else 0
    assert after - before == stored <= 20 and stored + refused == 100


def test_an_oversized_body_is_refused_as_it_streams(app):
    url, server = app
    with peak_memory(server.pid) as memory:
        status, seconds = chunked_field(url, megabytes=300)
    assert status == 413 and memory["added"] < 100, memory
    assert declared_upload(url, 300_000_000) == 413
    too_long_json = httpx.post(
        url + "gradio_api/queue/join",
        content=b"[" * 2_000_000,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert too_long_json.status_code == 413


def test_a_flood_of_costly_calls_never_refuses_a_prediction(app_url):
    """80 visitors looping /explain and /read_number (each within its own rate limit at first)
    beside one person uploading digits: every prediction answered. (How much the flood delays
    them is measured by benchmarks/abuse.py, beside the same predictions without it.)"""
    named = {e.get("api_name"): i for i, e in events(app_url).items()}
    example = upload(app_url, (ROOT / "examples" / "3-transparent.png").read_bytes(), "3.png")
    with costly_flood(app_url, visitors=80) as flooded:
        for _ in range(10):
            ok, out = call(app_url, named["predict"], [example], visitor="198.51.100.200")
            assert ok is True and out[0]["label"] == "3", out
    assert len(flooded) > 80  # the flood really ran


@pytest.fixture(scope="module")
def space_url(tmp_path_factory):
    """The app as on a Space (SPACE_ID set): a visitor is the address its proxy appended last to
    X-Forwarded-For."""
    folder = tmp_path_factory.mktemp("space")
    with running_app(
        folder / "app.log",
        HF_HUB_OFFLINE="1",
        SPACE_ID="you/digit-studio",
        FEEDBACK_DIR=str(folder / "feedback"),
    ) as (url, _):
        yield url


def test_rotating_forwarded_for_is_still_one_visitor(space_url):
    """A new made-up first entry each time, one real address appended by the proxy: the
    corrections limit (5 a minute) holds."""
    named = {e.get("api_name"): i for i, e in events(space_url).items()}
    outcomes = []
    for n in range(10):
        forwarded = rotated("198.51.100.33", n)
        picture = upload(
            space_url, encode(255 - DIGITS[280 + n], "PNG"), f"r{n}.png", visitor=forwarded
        )
        outcomes.append(call(space_url, named["feedback"], [picture, 4], visitor=forwarded))
    assert sum(ok is True for ok, _ in outcomes) <= 5
    assert all(ok is True or "Too many corrections" in str(message) for ok, message in outcomes)


def test_one_address_flooding_the_queue_leaves_room_for_others(space_url):
    """100 queue joins of a legal 7000x7000 PNG, never read, from one address: it holds a few
    places, and another visitor's prediction is answered (benchmarks/abuse.py times it, with
    300 joins)."""
    named = {e.get("api_name"): i for i, e in events(space_url).items()}
    flooder = "192.0.2.150"
    heavy = upload(space_url, heavy_png(), "heavy.png", visitor=flooder)
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(lambda n: join(space_url, named["predict"], [heavy], flooder), range(100))
        )
    example = upload(
        space_url,
        (ROOT / "examples" / "3-transparent.png").read_bytes(),
        "3.png",
        visitor="198.51.100.201",
    )
    ok, out = call(space_url, named["predict"], [example], visitor="198.51.100.201")
    assert ok is True and out[0]["label"] == "3", out
    assert set(statuses) == {200, 429}  # some were turned away: the rest ran out of turn
    ok, message = call(space_url, named["predict"], [heavy], visitor="198.51.100.202")
    assert ok is False and "too large to read quickly" in message  # its cost, not only its size


def test_many_padded_sessions_leave_little_memory_behind(app):
    """150 one-call sessions of the drawing pad's event, each sending as much as an event may
    (a drawing padded to ~290 KB, which Gradio keeps in the session, and its PNG in our State):
    the server's memory ten seconds later. (benchmarks/abuse.py: 300 sessions, 0.75 MB each.)"""
    url, server = app
    pad = next(i for i, e in events(url).items() if e.get("api_name") == "predict_drawing")
    drawing = padded_drawing(290_000)
    before = settled_rss_mb(url, server.pid)
    with ThreadPoolExecutor(6) as pool:
        outcomes = list(
            pool.map(lambda n: call(url, pad, [drawing], visitor=f"198.18.1.{n}")[0], range(150))
        )
    assert outcomes == [True] * 150  # all read
    time.sleep(10)
    assert rss_mb(server.pid) - before <= 50, (before, rss_mb(server.pid))


def test_a_file_url_is_never_fetched(app_url):
    """Gradio's `file=` route fetches any public address for the caller (refused here before
    it tries: a public IP literal, which it would try to reach)."""
    for path in ("https://1.1.1.1/x.png", "http://example.com/a.png"):
        answer = httpx.get(app_url + "gradio_api/file=" + path, timeout=30)
        assert answer.status_code == 400 and "not from URLs" in answer.text, answer.text


@pytest.mark.parametrize("fn_index", [9999.0, "9999", "1"])
def test_an_odd_event_number_is_a_400_not_a_500(app_url, fn_index):
    status, message = call(app_url, fn_index, [])
    assert status == 400 and "no event number" in message


def test_stalled_connections_are_closed(app_url):
    """Headers that never end, or a body that never comes: each connection is closed."""
    stalled = slow_connections(app_url, 20, body=False) + slow_connections(app_url, 20, body=True)
    try:
        assert all(closed_by_server(c, within=60) for c in stalled)
    finally:
        for connection in stalled:
            connection.close()
    assert httpx.get(app_url + "config", timeout=30).status_code == 200


def test_a_re_saved_example_is_no_correction(app_url, feedback_dir):
    """A bundled example (an MNIST test digit) re-saved as a new file, sent with a chosen label."""
    named = {e.get("api_name"): i for i, e in events(app_url).items()}
    picture = upload(
        app_url,
        re_saved_example(ROOT / "examples" / "7-transparent.png"),
        "7.jpg",
        visitor="192.0.2.201",
    )
    ok, message = call(app_url, named["feedback"], [picture, 1], visitor="192.0.2.201")
    assert ok is False and "one of our examples" in str(message), message
