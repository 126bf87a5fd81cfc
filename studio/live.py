"""The files the Draw tab's in-browser reader needs, served by the app itself: the bundle and the
WebAssembly runtime (studio/browser/dist) and the network converted for it (model/web). Their
URLs carry a version taken from their bytes, so browsers may keep them for good (LongCache) and
a new model or bundle is a new URL."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

BUNDLE = Path(__file__).parent / "browser" / "dist" / "live.mjs"  # built by studio/browser
WEB_MODEL = Path(__file__).parent.parent / "model" / "web"  # made by training/convert.py
CACHE_FOREVER = b"public, max-age=31536000, immutable"


def static_url(path: Path) -> str:
    """Where Gradio serves a file under a static path (gr.set_static_paths)."""
    return f"/gradio_api/file={path.resolve()}"


def version(folder: Path) -> str:
    """A digest of every file in `folder`: changes whenever one of them does."""
    digest = hashlib.sha256()
    for file in sorted(folder.iterdir()):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class LiveReader:
    """What the pad needs to read in the browser (the folders go to gr.set_static_paths)."""

    revision: str  # which served model the browser runs, shown on the page
    not_a_digit: str  # the Label's text for a drawing that is not a digit
    bundle: Path = BUNDLE
    model: Path = WEB_MODEL / "model.json"

    @property
    def folders(self) -> list[Path]:
        return [self.bundle.parent, self.model.parent]

    @property  # the .wasm files are fetched with the bundle's version (studio/browser/src/live.js)
    def bundle_url(self) -> str:
        return f"{static_url(self.bundle)}?v={version(self.bundle.parent)}"

    @property  # the weights are fetched with the model's version
    def model_url(self) -> str:
        return f"{static_url(self.model)}?v={version(self.model.parent)}"


def live_label(elem_id: str) -> str:
    """A browser-only event's function (js=, no fn): the pad's latest reading, for a Label."""
    return f"""() => JSON.parse(document.querySelector("#{elem_id} .inkpad").dataset.reading)"""


class LongCache:
    """ASGI middleware: versioned requests (`?v=`) for files in `folders` may be kept by the
    browser for a year (Gradio sends them with no Cache-Control, and answers If-None-Match with
    the whole file again)."""

    def __init__(self, app, folders: list[Path]):
        self.app = app
        self.prefixes = tuple(f"/gradio_api/file={folder.resolve()}/" for folder in folders)

    async def __call__(self, scope, receive, send):
        if not (
            scope["type"] == "http"
            and scope["path"].startswith(self.prefixes)
            and scope["query_string"].startswith(b"v=")
        ):
            return await self.app(scope, receive, send)

        async def send_cacheable(message):
            if message["type"] == "http.response.start" and message["status"] == 200:
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"cache-control", CACHE_FOREVER)],
                }
            await send(message)

        return await self.app(scope, receive, send_cacheable)
