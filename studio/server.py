"""The app as it is served: Gradio's app behind the guards, sessions that end, and a server that
drops stalled connections. `guarded_app` builds it (for `python app.py`, and for anyone who
mounts Digit Studio in their own server); `serve` runs it. docs/security.md lists the numbers.
"""

import asyncio
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import gradio as gr
import uvicorn
from fastapi import FastAPI
from starlette.middleware import Middleware
from uvicorn.protocols.http.h11_impl import H11Protocol

from studio import guards, input_values, upload_cache, visitors

# Sessions a browser has open at once. Gradio keeps each one's component values and State (its
# default, 10,000, is ~0.1-2 MB each: up to 20 GB); ours end with their visitor (below), so
# this only bounds a crowd of open tabs: 1,000 x at most ~0.7 MB (a 300 KB drawing, its PNG in
# the State, ~75 KB of Gradio's own) is 0.7 GB.
SESSION_CAPACITY = 1000
SESSION_GRACE_SECONDS = 5  # an API caller's session outlives its last event by this much
SESSION_SWEEP_SECONDS = 2
HEADER_SECONDS = 10  # a request's headers must arrive within this (uvicorn waits forever)
KEEP_ALIVE_SECONDS = 5
HEARTBEAT = re.compile(r"/heartbeat/([^/]+)/?$")


class Sessions:
    """Which sessions have a browser attached: the frontend keeps a heartbeat stream open while
    its tab is. A session with none, and no event waiting or running, has ended: Gradio would
    keep what it holds until 10,000 newer sessions pushed it out."""

    def __init__(self) -> None:
        self.attached: Counter[str] = Counter()  # only touched on the server's event loop

    def watch(self, app):
        """ASGI middleware that counts the open heartbeat streams."""

        async def watched(scope, receive, send):
            match = HEARTBEAT.search(scope["path"]) if scope["type"] == "http" else None
            if not match:
                return await app(scope, receive, send)
            self.attached[match.group(1)] += 1
            try:
                await app(scope, receive, send)
            finally:
                self.attached[match.group(1)] -= 1
                if self.attached[match.group(1)] <= 0:
                    del self.attached[match.group(1)]

        return watched

    def end(self, demo: gr.Blocks, grace: float = SESSION_GRACE_SECONDS) -> int:
        """Forget every ended session idle for `grace` seconds; how many were forgotten. Runs
        on the server's event loop, where Gradio reads and writes sessions."""
        holder, cutoff = demo.state_holder, time.time() - grace
        busy = {event.session_hash for event in demo._queue.event_ids_to_events.values()}
        ended = [
            session
            for session, used in holder.time_last_used.items()
            if used.timestamp() < cutoff and session not in self.attached and session not in busy
        ]
        for session in ended:
            holder.session_data.pop(session, None)
            holder.time_last_used.pop(session, None)
        return len(ended)

    @asynccontextmanager
    async def sweeping(self, demo: gr.Blocks):
        """A lifespan that ends sessions every SESSION_SWEEP_SECONDS while the server runs."""

        async def sweep():
            while True:
                if self.end(demo):
                    await asyncio.to_thread(upload_cache.return_free_memory)
                await asyncio.sleep(SESSION_SWEEP_SECONDS)

        task = asyncio.create_task(sweep())
        try:
            yield
        finally:
            task.cancel()


def events(demo: gr.Blocks) -> dict[int | str, input_values.Event]:
    """What the guards know of each event the server runs, by fn_index and by API name. An
    event with no Python function (the browser runs it) is left out: called by fn_index,
    Gradio raised "function has no backend method" and logged a traceback."""
    parameters = api_parameters(demo)
    found: dict[int | str, input_values.Event] = {}
    for index, fn in demo.fns.items():
        if fn.fn is None:
            continue
        name = fn.api_name if isinstance(fn.api_name, str) else ""  # False: not by name
        event = input_values.Event(
            len(fn.inputs),
            input_checks(fn.inputs),
            parameters.get(name),
            frozenset(place for place, block in enumerate(fn.inputs) if block.skip_api),
        )
        found.update(dict.fromkeys([index, *([name] if name else [])], event))
    return found


def input_checks(inputs: Iterable[gr.blocks.Block]) -> dict[int, input_values.Check]:
    """A check for each of an event's inputs that Gradio would fail on with a traceback, by its
    place: an example click's number, a picture's file, a list's choice. Taken from the
    components as built: an app that changes examples or choices per visitor would need its
    checks to follow."""
    checks: dict[int, input_values.Check] = {}
    for place, component in enumerate(inputs):
        if isinstance(component, gr.Dataset):
            checks[place] = input_values.an_example(len(component.samples))
        elif isinstance(component, gr.Image):
            checks[place] = input_values.a_file(component.data_model)
        elif isinstance(component, gr.Dropdown) and not (
            component.allow_custom_value or component.multiselect
        ):
            checks[place] = input_values.one_of([value for _, value in component.choices])
    return checks


def api_parameters(demo: gr.Blocks) -> dict[str, tuple[str, ...]]:
    """The public API's events by name, with their values' names (what /call/v2/ takes)."""
    endpoints = demo.get_api_info()["named_endpoints"]
    return {
        name.lstrip("/"): tuple(p["parameter_name"] for p in endpoint["parameters"])
        for name, endpoint in endpoints.items()
    }


def queued_by(demo: gr.Blocks) -> Callable[[str], int]:
    """How many events a visitor has waiting or running in `demo`'s queue."""

    def queued(who: str) -> int:
        events = list(demo._queue.event_ids_to_events.values())
        return sum(visitors.request_visitor(event.request) == who for event in events)

    return queued


def guarded_app(
    demo: gr.Blocks,
    upload_folder: Path,
    readable: Iterable[Path],
    upload_budget: visitors.RateLimit,
    path: str = "",
    middleware: Sequence[Middleware] = (),
    **mount_options,
) -> FastAPI:
    """A FastAPI app serving `demo` at `path` with every guard: request limits and per-visitor
    shares (guards.request_limits), sessions that end, the upload cache's sweeper; then
    `middleware` of the app's own. Serve it with `serve`, or mount it in another app."""
    demo.state_session_capacity = SESSION_CAPACITY  # read when Gradio's app is created
    sessions = Sessions()
    limits = Middleware(
        guards.request_limits,
        event_of=events(demo).get,
        upload_folder=upload_folder,
        upload_budget=upload_budget,
        readable=readable,
        queued=queued_by(demo),
        joins=visitors.RateLimit(*guards.JOINS_PER_VISITOR),
    )
    app = FastAPI(
        middleware=[limits, Middleware(sessions.watch), *middleware],
        lifespan=lambda _: sessions.sweeping(demo),
    )
    gr.mount_gradio_app(app, demo, path=path, max_file_size=guards.MAX_FILE_BYTES, **mount_options)
    upload_cache.start_cache_sweeper(upload_folder)
    return app


class StalledRequestsClosed(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, but a connection whose next request's headers have not
    arrived HEADER_SECONDS after it opened (or after its last answer) is closed: uvicorn waits
    for headers forever, so 1,500 stalled connections held 3,013 open files (issue 26)."""

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self.close_unless_a_request_starts()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.close_unless_a_request_starts()

    def close_unless_a_request_starts(self) -> None:
        waiting = self.cycle

        def check() -> None:
            if self.cycle is waiting and (waiting is None or waiting.response_complete):
                self.transport.close()

        self.loop.call_later(HEADER_SECONDS, check)


def serve(app: FastAPI) -> None:
    """Run `app` where Gradio would (GRADIO_SERVER_NAME/PORT, as on a Space)."""
    uvicorn.Server(
        uvicorn.Config(
            app,
            host=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
            port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
            http=StalledRequestsClosed,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            timeout_graceful_shutdown=3,  # open event streams would hold a stop forever
            log_level="warning",
        )
    ).run()
