"""The guards on their own: which files a handler may open, rate limits, what an event's JSON
may hold, who a visitor is, and the upload cache's upkeep (tests/test_attacks.py attacks the
running app)."""

import json
import os
import threading
import time

import pytest

from digit_core import InvalidImageError
from digit_core.decode import UNREADABLE
from studio.guards import (
    MAX_FILES_PER_EVENT,
    checked_path,
    event_problem,
    joins_queue,
)
from studio.input_values import Event
from studio.visitors import UNIDENTIFIED, RateLimit, visitor


@pytest.fixture
def cache(tmp_path):
    root = tmp_path / "cache"
    (root / "abc").mkdir(parents=True)
    (root / "abc" / "upload.png").write_bytes(b"picture")
    (tmp_path / "secret.png").write_bytes(b"secret")
    return root


def test_a_file_inside_the_cache_is_allowed(cache):
    path = cache / "abc" / "upload.png"
    assert checked_path({"path": str(path)}, [cache]) == str(path)
    assert checked_path(str(path), [cache]) == str(path)


@pytest.mark.parametrize(
    "name",
    ["outside", "missing", "folder", "link out", "dotdot", "fifo", "nul", "not a string", "url"],
)
def test_anything_else_gets_the_unreadable_message(cache, name):
    outside = cache.parent / "secret.png"
    if name == "link out":
        (cache / "abc" / "link.png").symlink_to(outside)
    if name == "fifo":
        os.mkfifo(cache / "abc" / "pipe.png")
    path = {
        "outside": str(outside),
        "missing": str(cache / "abc" / "nothing.png"),
        "folder": str(cache / "abc"),
        "link out": str(cache / "abc" / "link.png"),
        "dotdot": str(cache / "abc" / ".." / ".." / "secret.png"),
        "fifo": str(cache / "abc" / "pipe.png"),
        "nul": str(cache / "abc" / "x\0.png"),
        "not a string": 12,
        "url": "http://127.0.0.1/x.png",
    }[name]
    outcome = []

    def check():  # in a thread: opening a FIFO would wait for a writer forever
        with pytest.raises(InvalidImageError, match="not an image we can read"):
            checked_path({"path": path}, [cache])
        outcome.append("refused")

    worker = threading.Thread(target=check, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert outcome == ["refused"]  # and not left waiting on the FIFO


def test_a_path_no_file_could_have_is_refused_without_resolving_it(cache, monkeypatch):
    """realpath takes ~20 s on the 1 MB "../../.." an event's JSON may hold."""

    def resolve(path):
        raise AssertionError("resolved")

    monkeypatch.setattr(os.path, "realpath", resolve)
    with pytest.raises(InvalidImageError, match="not an image we can read"):
        checked_path({"path": str(cache) + "/.." * 300_000}, [cache])


def test_rate_limit_counts_calls_and_bytes_per_visitor_in_a_window():
    calls = RateLimit(3, 0.2)
    assert [calls.allow("a") for _ in range(4)] == [True, True, True, False]
    assert calls.allow("b")  # another visitor has their own budget
    time.sleep(0.25)
    assert calls.allow("a")  # the window moved on
    upload = RateLimit(100, 60)
    assert upload.allow("a", 60) and not upload.allow("a", 60) and upload.allow("a", 40)


def test_rate_limit_memory_stays_bounded_under_a_swarm():
    limit = RateLimit(1, 60, max_visitors=100)
    for n in range(1000):
        limit.allow(f"10.0.{n // 256}.{n % 256}")
    assert len(limit.spent) <= 100


def event(**body) -> bytes:
    return json.dumps(body).encode()


def test_event_problems(tmp_path):
    known, roots = {0: Event(1), 1: Event(1)}.get, [tmp_path]
    (tmp_path / "upload.png").write_bytes(b"x")
    upload = {"path": str(tmp_path / "upload.png"), "meta": {"_type": "gradio.FileData"}}
    assert event_problem(event(fn_index=1, data=[upload]), known, roots) == ""
    assert event_problem(event(fn_index=1, data=[None, 3]), known, roots) == ""
    assert "no event number 7" in event_problem(event(fn_index=7, data=[]), known, roots)
    for odd in (1.0, 9999.0, "1", "9999", True, [1], {"a": 1}):  # Gradio answers these with a 500
        assert "no event number" in event_problem(event(fn_index=odd, data=[]), known, roots)
    assert "URLs" in event_problem(
        event(fn_index=0, data=[{"a": [{"path": "https://x/y"}]}]), known, roots
    )
    many = [upload] * (MAX_FILES_PER_EVENT + 1)
    assert "Too many files" in event_problem(event(fn_index=0, data=many), known, roots)
    for outside in ("/etc/passwd", str(tmp_path / "missing.png"), str(tmp_path), None, 7):
        sketch = {"background": None, "layers": [], "composite": {"path": outside}}
        assert event_problem(event(fn_index=0, data=[sketch]), known, roots) == UNREADABLE
    assert event_problem(b"not json", known, roots) == ""  # Gradio answers that itself
    deep = b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert "deeply" in event_problem(deep, known, roots)


def test_an_event_given_fewer_values_than_it_takes(tmp_path):
    event_of, roots = {0: Event(1), 1: Event(2), "read": Event(1)}.get, [tmp_path]
    assert "takes 2 input value(s); the request has 1" in event_problem(
        event(fn_index=1, data=[None]), event_of, roots
    )
    assert event_problem(event(fn_index=1, data=[None, 3, 4]), event_of, roots) == ""
    for route in ("call", "run", "api"):  # queued, or run at once (Gradio's /run/ and /api/)
        path = f"/gradio_api/{route}/read"
        assert "has 0" in event_problem(event(data=[]), event_of, roots, path)
        other = event_problem(event(data=[1]), event_of, roots, f"/gradio_api/{route}/other/")
        assert other == "There is no event named other."  # nor one the browser runs


def test_a_call_by_names_takes_every_value_and_is_checked_like_the_others(tmp_path):
    """/call/v2/<name> takes the values by name: each one the event takes, then the same
    checks at their places; a file anywhere in the body is checked."""
    read = Event(2, {1: lambda value: "" if value == "ok" else "Not ok."}, ("image", "mode"))
    event_of, roots = {"read": read}.get, [tmp_path]

    def problem(body: dict) -> str:
        return event_problem(event(**body), event_of, roots, "/gradio_api/call/v2/read")

    assert problem({"image": None, "mode": "ok"}) == ""
    assert problem({"image": None, "mode": "no"}) == "Not ok."
    assert problem({"image": None, "mode": "ok", "oauth_token": None}) == ""
    for names in ({"image": None}, {"image": None, "mode": "ok", "more": 1}):
        assert problem(names) == "This event takes the values image, mode by name."
    url = {"path": "https://example.com/x.png", "meta": {"_type": "gradio.FileData"}}
    assert "not given as URLs" in problem({"image": url, "mode": "ok"})
    outside = {"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}
    assert problem({"image": outside, "mode": "ok"}) == UNREADABLE
    body = event(image=None)
    assert "no event named" in event_problem(body, event_of, roots, "/gradio_api/call/v2/x")
    unnamed = {"read": Event(2)}.get  # an event outside the public API takes no names
    no_names = 'This event takes no values by name: send them to /call/read as {"data": [...]}.'
    assert event_problem(body, unnamed, roots, "/call/v2/read") == no_names


def test_a_call_gives_the_inputs_the_api_leaves_out_nothing():
    """Gradio's /call/ and /call/v2/ take no value for a gr.State input (it gets None): the
    values sent are the other inputs', checked at their own places. By fn_index, the page sends
    one value for every input."""
    read = Event(
        3, {2: lambda value: "" if value == "ok" else "Not ok."}, ("a", "b"), frozenset({1})
    )
    event_of = {0: read, "read": read}.get

    def problem(body: dict, path: str = "/gradio_api/call/read") -> str:
        return event_problem(event(**body), event_of, [], path)

    assert problem({"data": ["x", "ok"]}) == problem({"data": ["x", None, "ok"]}) == ""
    assert problem({"data": ["x", "no"]}) == problem({"data": ["x", None, "no"]}) == "Not ok."
    assert problem({"a": "x", "b": "ok"}, "/gradio_api/call/v2/read") == ""
    assert problem({"a": "x", "b": "no"}, "/gradio_api/call/v2/read") == "Not ok."
    assert "takes 2 input value(s); the request has 1" in problem({"data": ["x"]})
    assert "the request has 2" in problem({"fn_index": 0, "data": ["x", "ok"]}, "")


def test_each_value_with_a_check_must_pass_it():
    """By fn_index or API name, at the value's place; a value with no check, or past the end of
    the data, is not looked at."""
    pick = Event(2, {1: lambda value: "" if value == "ok" else "Not ok."})
    event_of = {0: pick, "pick": pick}.get

    def problem(data, path=""):
        body = event(fn_index=None if path else 0, data=data)
        return event_problem(body, event_of, [], path)

    assert problem(["anything", "ok"]) == problem(["anything", "ok", "more"]) == ""
    assert problem(["ok", "no"]) == problem([None, "no"], "/gradio_api/call/pick") == "Not ok."
    # an event of one input with a check for a second: the check has nothing to look at
    few = {0: Event(1, pick.checks)}.get
    assert event_problem(event(fn_index=0, data=["a"]), few, [], "") == ""


def test_the_routes_that_join_the_queue():
    """The page's join and the API's /call/ routes queue an event (and count against a
    visitor's share); /run/ and /api/ (closed: api_open=False) and the rest do not."""
    for path in (
        "/gradio_api/queue/join",
        "/queue/join/",
        "/call/read",
        "/gradio_api/call/v2/read/",
    ):
        assert joins_queue(path)
    for path in ("/gradio_api/run/read", "/gradio_api/api/read", "/gradio_api/upload", "/"):
        assert not joins_queue(path)


def test_a_visitor_is_the_address_the_trusted_proxies_saw():
    """Counted from the right: what the caller wrote itself stands left of what proxies appended."""
    assert visitor("127.0.0.1", "203.0.113.9", hops=0) == "127.0.0.1"
    assert visitor("10.16.3.80", "1.2.3.4, 203.0.113.9", hops=1) == "203.0.113.9"
    assert visitor("10.16.3.80", "1.2.3.4, 203.0.113.9, 10.0.0.7", hops=2) == "203.0.113.9"
    assert visitor("10.16.3.80", "", hops=1) == "10.16.3.80"  # came round the proxy


@pytest.mark.parametrize("forwarded", ["x" * 16_000, "1.2.3.4, evil", "203.0.113.9:80", "", " "])
def test_anything_but_an_ip_address_is_no_id(forwarded):
    assert visitor(None, forwarded, hops=1) == UNIDENTIFIED


def test_an_ipv6_caller_is_their_network():
    assert visitor(None, "2001:db8:1:2::1", hops=1) == visitor(None, "2001:db8:1:2:ffff::9", hops=1)
    assert visitor(None, "2001:db8:1:2::1", hops=1) != visitor(None, "2001:db8:1:3::1", hops=1)
