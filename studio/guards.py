"""What stands between an anonymous request and the app: which files a handler may open, how big a
request may be, which values an event may take (studio/input_values.py), how much of the queue
one visitor may hold (the upload cache's upkeep is studio/upload_cache.py).

Each guard is a plain function or a tiny object; app.py and studio/server.py only wire them in.
docs/security.md lists every number here.
"""

import asyncio
import json
import os
import re
import stat
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from digit_core.decode import UNREADABLE
from digit_core.errors import InvalidImageError
from studio.input_values import Event
from studio.upload_cache import cache_bytes
from studio.visitors import RateLimit, scope_visitor

MAX_FILE_BYTES = 10_000_000  # one uploaded picture (Gradio's own max_file_size says the same)
MAX_UPLOAD_BODY = MAX_FILE_BYTES + 1_000_000  # one upload request: the file and its framing
MAX_JSON_BODY = 300_000  # an event's JSON: file references, small values, a drawing's PNG
MAX_FILES_PER_EVENT = 4  # an event takes one picture; a sketch for /predict_sketch names three
UPLOAD_BYTES_PER_VISITOR = (200_000_000, 900)  # bytes a visitor may upload per 15 minutes
UPLOAD_CACHE_BYTES = 2_000_000_000  # the whole upload cache; uploads wait when it is full
MAX_PATH = 4096  # Linux's PATH_MAX
BODY_SECONDS = 10  # a request's body may take this long, plus a second per MIN_BODY_RATE bytes
MIN_BODY_RATE = 50_000  # bytes a second: a 10 MB picture over a poor mobile line
MAX_QUEUED_PER_VISITOR = 4  # events one visitor may have waiting or running at once
# A refused join is answered after this, so a client looping on refusals is slowed to a crawl
# (answered at once, 12 such loops cost a normal prediction p50 0.2 -> 1.5 s).
REFUSAL_SECONDS = 1.0
JOINS_PER_VISITOR = (300, 60)  # events one visitor may start per minute (a fast drawer: ~120)
# An event called by its API name: queued (/call/, /call/v2/ with named values) or run at once
# (/run/, /api/); the page itself joins the queue by fn_index.
CALL = re.compile(r"/(call/v2|call|run|api)/([^/]+)/?$")
QUEUE_JOIN = re.compile(r"/queue/join/?$")


def joins_queue(path: str) -> bool:
    """Whether a POST to `path` queues an event (and counts against the visitor's share)."""
    route = CALL.search(path)
    return bool(QUEUE_JOIN.search(path) or (route and route.group(1).startswith("call")))


# ----------------------------------------------------------------------------- files


def checked_path(file: object, roots: Iterable[Path]) -> str:
    """The real path of a regular file inside one of `roots` (the upload cache, examples/),
    whatever a request put in `file` ({"path": ...} or a string). Anything else -- a server path,
    a URL, a folder, a FIFO, a link out of the cache, a missing file -- gets the same message as
    an unreadable upload, so an answer never tells whether some path exists."""
    path = file.get("path") if isinstance(file, dict) else file
    # No real file has a longer path; resolving a 1 MB "../../.." takes realpath ~20 s.
    if not isinstance(path, str) or not path or "\0" in path or len(path) > MAX_PATH:
        raise InvalidImageError(UNREADABLE)
    real = os.path.realpath(path)
    inside = any(os.path.commonpath([real, str(root)]) == str(root) for root in roots)
    try:
        is_file = inside and stat.S_ISREG(os.stat(real).st_mode)
    except OSError:
        is_file = False
    if not is_file:
        raise InvalidImageError(UNREADABLE)
    return real


def is_url_path(value: object) -> bool:
    return isinstance(value, str) and ("://" in value or value.startswith("//"))


def file_paths(data: object) -> Iterable[object]:
    """Every {"path": ...} value in an event's JSON, however deep."""
    if isinstance(data, dict):
        if "path" in data:
            yield data["path"]
        for value in data.values():
            yield from file_paths(value)
    elif isinstance(data, list):
        for value in data:
            yield from file_paths(value)


# ----------------------------------------------------------------------------- requests


class TooSlow(Exception):
    """A body did not arrive within BODY_SECONDS."""


def request_limits(
    app,
    event_of: Callable[[int | str], Event | None],
    upload_folder: Path,
    upload_budget: RateLimit,
    readable: Iterable[Path],
    queued: Callable[[str], int],
    joins: RateLimit,
):
    """ASGI middleware in front of Gradio. Refuses with a short message and no traceback:
    - a body larger than one upload (multipart) or than an event needs (anything else), counted
      as the bytes arrive, so a huge field is never buffered whole; a body that arrives slower
      than BODY_SECONDS plus a second per MIN_BODY_RATE bytes;
    - uploads beyond a visitor's byte budget, or while the upload cache is full;
    - a queue join from a visitor who has MAX_QUEUED_PER_VISITOR events waiting or running
      (`queued` counts them) or went past `joins`, their rate for every event;
    - an event's JSON that names a file by URL (Gradio would download it, with no size cap),
      names one outside `readable` (Gradio refuses those with no message at all), more files
      than a sketch has, an event that `event_of` (by fn_index or API name) does not know
      (Gradio answers 500 with a traceback), or values the event cannot take (Gradio logged a
      traceback);
    - a GET of `file=<a URL>`, which Gradio would fetch from anywhere for the caller."""
    readable = tuple(readable)

    async def refuse(send, status: int, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def guarded(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        if (
            scope["method"] in ("GET", "HEAD")
            and "/file=" in scope["path"]
            and is_url_path(scope["path"].split("/file=", 1)[1])
        ):
            return await refuse(send, 400, "Files are served from this app only, not from URLs.")
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            return await app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        multipart = headers.get("content-type", "").startswith("multipart/")
        limit = MAX_UPLOAD_BODY if multipart else MAX_JSON_BODY
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return await refuse(send, 413, too_large(limit))
        if multipart:
            who = scope_visitor(scope)
            if cache_bytes(upload_folder) > UPLOAD_CACHE_BYTES:
                return await refuse(
                    send, 503, "Too many uploads right now: try again in a few minutes."
                )
            if not upload_budget.allow(who, int(declared) if declared.isdigit() else limit):
                return await refuse(
                    send,
                    429,
                    "You have uploaded a lot in a short time: try again in a few minutes.",
                )
        seconds = BODY_SECONDS + (int(declared) if declared.isdigit() else limit) / MIN_BODY_RATE
        deadline = time.monotonic() + seconds

        async def receive_in_time():
            try:
                return await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise TooSlow from None

        if multipart:
            return await counted(scope, receive, send, limit, deadline, seconds)
        try:
            chunks, size, more = [], 0, True
            while more:  # an event's JSON is small: read it whole, then look inside
                message = await receive_in_time()
                if message["type"] == "http.disconnect":
                    return
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if size > limit:
                    return await refuse(send, 413, too_large(limit))
                more = message.get("more_body", False)
        except TooSlow:
            return await refuse(send, 408, too_slow(seconds))
        data = b"".join(chunks)
        problem = event_problem(data, event_of, readable, scope["path"])
        if problem:
            return await refuse(send, 400, problem)
        if joins_queue(scope["path"]):
            who = scope_visitor(scope)
            if queued(who) >= MAX_QUEUED_PER_VISITOR:
                await asyncio.sleep(REFUSAL_SECONDS)
                return await refuse(
                    send,
                    429,
                    f"You already have {MAX_QUEUED_PER_VISITOR} "
                    "requests waiting: wait for their answers.",
                )
            if not joins.allow(who):
                await asyncio.sleep(REFUSAL_SECONDS)
                return await refuse(
                    send,
                    429,
                    "Too many requests from you in a minute: wait a moment and try again.",
                )
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": data, "more_body": False}

        await app(scope, replay, send)

    async def counted(scope, receive, send, limit: int, deadline: float, seconds: float):
        """An upload streamed on to Gradio, counted as it goes. Past its size or its time,
        Gradio is told the client left, and the caller gets our answer instead of Gradio's."""
        size, cut, started = 0, 0, False

        async def receive_counted():
            nonlocal size, cut
            if not cut:
                try:
                    message = await asyncio.wait_for(
                        receive(), max(0.0, deadline - time.monotonic())
                    )
                except TimeoutError:
                    cut = 408
                else:
                    size += len(message.get("body", b""))
                    if size <= limit:
                        return message
                    cut = 413
            return {"type": "http.disconnect"}

        async def send_unless_cut(message):
            nonlocal started
            if not cut:
                started = True
                await send(message)

        try:
            await app(scope, receive_counted, send_unless_cut)
        except Exception:  # what Gradio made of the client "leaving"
            if not cut:
                raise
        if cut and not started:
            await refuse(send, cut, too_large(limit) if cut == 413 else too_slow(seconds))

    return guarded


def too_large(limit: int) -> str:
    return f"The request is too large (limit {limit:,} bytes)."


def too_slow(seconds: float) -> str:
    return f"The request took longer than {seconds:.0f} s to arrive."


def event_problem(
    data: bytes,
    event_of: Callable[[int | str], Event | None],
    readable: Iterable[Path],
    path: str = "",
) -> str:
    """What is wrong with an event's JSON body sent to `path`, or "" (bodies that are not JSON
    pass: Gradio answers them itself). The event, named by fn_index or by the API name in
    `path`, must be one `event_of` knows; too few values are refused (Gradio logged a
    traceback), and so is a /call/v2/ body whose names are not the event's parameters (its
    values by name); a /call/'s values are placed first, as Gradio places them (Event.placed).
    Files, anywhere in the body, must be regular files inside `readable` (see checked_path).
    Then each value the event has a check for, by its place, must pass it."""
    try:
        request = json.loads(data)
    except RecursionError:
        return "The request is nested too deeply."
    except ValueError:
        return ""
    if not isinstance(request, dict):
        return ""
    fn_index = request.get("fn_index")
    if (
        "fn_index" in request
        and fn_index is not None
        and not (type(fn_index) is int and event_of(fn_index) is not None)
    ):  # not 9999.0, "9999" or True
        return f"There is no event number {str(fn_index)[:20]}."
    route = CALL.search(path)
    name = fn_index if fn_index is not None else route.group(2) if route else ""
    event = event_of(name)
    if route and event is None:
        return f"There is no event named {str(name)[:40]}."
    values = request.get("data")
    # (event is not None here: an unknown name was answered above)
    if route and route.group(1) == "call/v2" and fn_index is None and event is not None:
        names = event.parameters
        if names is None:  # Gradio has no names for it: construct_args raised a TypeError
            return "This event takes no values by name: send them to " + (
                f'/call/{name} as {{"data": [...]}}.'
            )
        if set(request) - {"oauth_token"} != set(names):  # Gradio: TypeError
            return f"This event takes the values {', '.join(names)} by name."
        values = [request[parameter] for parameter in names]
    by_api = bool(route and route.group(1).startswith("call"))  # /call/: no value for a State
    if by_api and isinstance(values, list) and event is not None:
        values = event.placed(values)
    if isinstance(values, list) and event is not None and len(values) < event.inputs:
        wanted = event.inputs - len(event.skipped) if by_api else event.inputs
        return f"This event takes {wanted} input value(s); the request has {len(values)}."
    try:
        paths = list(file_paths(request))
    except RecursionError:
        return "The request is nested too deeply."
    if any(is_url_path(path) for path in paths):
        return "Files must be uploaded, not given as URLs."
    if len(paths) > MAX_FILES_PER_EVENT:
        return f"Too many files in one request (at most {MAX_FILES_PER_EVENT})."
    try:
        for file in paths:
            checked_path(file, readable)
    except InvalidImageError as e:
        return str(e)
    for place, check in (event.checks if event else {}).items():
        problem = check(values[place]) if isinstance(values, list) and place < len(values) else ""
        if problem:
            return problem
    return ""
