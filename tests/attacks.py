"""A stranger's tools against the running app: raw HTTP (no gradio_client, which always sends the
`meta` that Gradio checks), any event by number, the server's memory watched from outside.

Shared by tests/test_attacks.py (each attack refused) and benchmarks/abuse.py (the table).
"""

import base64
import json
import socket
import threading
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np

from tests.bad_inputs import encode, png_bomb
from training.drawings import compose_number, mnist_fixture

DIGITS, LABELS = mnist_fixture()


def events(url: str) -> dict[int, dict]:
    """Every event of the app by number, public or private, as its config lists them."""
    config = httpx.get(url + "config", timeout=30).json()
    return {d.get("id", i): d for i, d in enumerate(config["dependencies"])}


def call(
    url: str, fn_index: int, data: list, visitor: str = "203.0.113.1", timeout: float = 60
) -> tuple[int | bool, object]:
    """One event through the queue, as the browser sends it: (True, outputs) on success,
    (False, error message) when the event failed, (HTTP status, body) when it was refused."""
    session = uuid.uuid4().hex
    headers = {"X-Forwarded-For": visitor}
    join = httpx.post(
        url + "gradio_api/queue/join",
        headers=headers,
        timeout=timeout,
        json={
            "data": data,
            "fn_index": fn_index,
            "session_hash": session,
            "event_data": None,
            "trigger_id": None,
        },
    )
    if join.status_code != 200:
        return join.status_code, join.text
    with httpx.stream(
        "GET",
        url + f"gradio_api/queue/data?session_hash={session}",
        headers=headers,
        timeout=timeout,
    ) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("msg") == "process_completed":
                output = message.get("output") or {}
                if message.get("success"):
                    return True, output.get("data")
                return False, output.get("error")
            if message.get("msg") == "close_stream":
                break
    return False, "no answer"


def upload(url: str, data: bytes, name: str = "picture.png", visitor: str = "203.0.113.1") -> dict:
    """Uploaded like the browser does: the file's FileData, with the meta Gradio checks."""
    answer = httpx.post(
        url + "gradio_api/upload",
        files={"files": (name, data)},
        headers={"X-Forwarded-For": visitor},
        timeout=60,
    )
    answer.raise_for_status()
    return {"path": answer.json()[0], "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def peak_memory(pid: int):
    """Yields a dict that holds, afterwards, the server's RSS before and at its peak (MB),
    sampled every 5 ms while the block runs."""
    result = {"before": rss_mb(pid)}
    result["peak"] = result["before"]
    running = True

    def sample():
        while running:
            result["peak"] = max(result["peak"], rss_mb(pid))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.monotonic()
    try:
        yield result
    finally:
        running = False
        sampler.join()
        result["seconds"] = time.monotonic() - start
        result["added"] = result["peak"] - result["before"]


def number_4821() -> bytes:
    """A PNG of the number 4821 (MNIST test digits): the server file an attacker tries to read;
    an answer holding "4821" read it."""
    digits = [DIGITS[int(np.flatnonzero(d == LABELS)[0])] for d in (4, 8, 2, 1)]
    return encode(compose_number(digits, np.random.default_rng(0)), "PNG")


@contextmanager
def costly_flood(url: str, visitors: int = 80, seconds: float = 25):
    """`visitors` different visitors looping /explain and /read_number (half each) for `seconds`,
    in threads; yields the list their outcomes are appended to, and waits for them at the end."""
    named = {e.get("api_name"): i for i, e in events(url).items()}
    stop = time.monotonic() + seconds
    outcomes: list = []

    def flood(n: int):
        who = f"192.0.2.{n}"
        picture = upload(url, encode(255 - DIGITS[n], "PNG"), f"f{n}.png", visitor=who)
        api = named["explain"] if n % 2 else named["read_number"]
        while time.monotonic() < stop:
            outcomes.append(call(url, api, [picture], visitor=who)[0])

    with ThreadPoolExecutor(visitors) as pool:
        for n in range(visitors):
            pool.submit(flood, n)
        time.sleep(5)  # the flood is on
        yield outcomes


def sketch_bomb() -> bytes:
    """A ~70-byte 1-bit PNG declaring 16,000 x 11,200 pixels (179 megapixels)."""
    return png_bomb(16000, 11200, bit_depth=1)


def truncated_jpeg(side: int = 7000) -> bytes:
    """The first 335 bytes of a JPEG that declares side x side pixels."""
    import numpy as np

    picture = np.full((side, side), 255, np.uint8)
    picture[side // 4 : -side // 4, side // 2 - side // 20 : side // 2 + side // 20] = 0
    return encode(picture, "JPEG", quality=50)[:335]


def chunked_field(url: str, megabytes: int) -> tuple[int, float]:
    """A multipart upload whose one field has no file name, `megabytes` long, sent chunked (no
    Content-Length to refuse it by). Returns the HTTP status and the seconds it took."""
    boundary = "attackboundary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="field"\r\n\r\n').encode()
    chunk = b"x" * 1_000_000

    def body():
        yield head
        for _ in range(megabytes):
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    start = time.monotonic()
    try:
        answer = httpx.post(
            url + "gradio_api/upload",
            content=body(),
            timeout=120,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "X-Forwarded-For": "203.0.113.66",
            },
        )
        status = answer.status_code
    except httpx.HTTPError:  # the server answered and closed before the body was all sent
        status = 413
    return status, time.monotonic() - start


def declared_upload(url: str, length: int) -> int:
    """Only the headers of an upload that says it is `length` bytes long: the HTTP status."""
    host, port = httpx.URL(url).host, httpx.URL(url).port
    with socket.create_connection((host, port), timeout=30) as connection:
        connection.sendall(
            f"POST /gradio_api/upload HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        return int(connection.recv(100).split()[1])


def join(url: str, fn_index: int, data: list, forwarded: str) -> int:
    """One event put in the queue and never read (a new session each time): the HTTP status."""
    return httpx.post(
        url + "gradio_api/queue/join",
        headers={"X-Forwarded-For": forwarded},
        timeout=60,
        json={
            "data": data,
            "fn_index": fn_index,
            "session_hash": uuid.uuid4().hex,
            "event_data": None,
            "trigger_id": None,
        },
    ).status_code


def rotated(real: str, n: int) -> str:
    """X-Forwarded-For as a Space's proxy passes it on: a made-up first entry, then the caller's
    real address, appended by the proxy."""
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}, {real}"


def heavy_png(side: int = 7000) -> bytes:
    """A legal ~60 KB PNG of side x side pixels (a stroke on white) that takes a full decode."""
    picture = np.full((side, side), 255, np.uint8)
    picture[side // 4 : -side // 4, side // 2 - side // 20 : side // 2 + side // 20] = 0
    return encode(picture, "PNG")


def padded_drawing(data_url_bytes: int) -> str:
    """A real drawing's PNG data URL, padded to about `data_url_bytes` with a private chunk
    (as a caller may send to the drawing pad's event)."""
    digit = DIGITS[int(np.flatnonzero(LABELS == 3)[0])]
    png = encode(255 - digit, "PNG")
    padding = b"x" * max(0, data_url_bytes * 3 // 4 - len(png) - 12)
    chunk = (
        len(padding).to_bytes(4, "big")
        + b"prVt"
        + padding
        + zlib.crc32(b"prVt" + padding).to_bytes(4, "big")
    )
    png = png[:-12] + chunk + png[-12:]  # before IEND
    return "data:image/png;base64," + base64.b64encode(png).decode()


def slow_connections(url: str, count: int, body: bool) -> list[socket.socket]:
    """`count` connections that send part of a request (its headers, or its headers and a
    byte of a declared body) and then nothing: the sockets, for the caller to close."""
    host, port = httpx.URL(url).host, httpx.URL(url).port
    opened = []
    for _ in range(count):
        connection = socket.create_connection((host, port), timeout=30)
        head = f"POST /gradio_api/queue/join HTTP/1.1\r\nHost: {host}\r\n"
        connection.sendall(
            (
                head + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
                if body
                else head
            ).encode()
        )
        opened.append(connection)
    return opened


def closed_by_server(connection: socket.socket, within: float) -> bool:
    """Whether the server answered or closed a stalled connection within `within` seconds."""
    connection.settimeout(within)
    try:
        return connection.recv(100) is not None
    except TimeoutError:
        return False
    except OSError:
        return True


def settled_rss_mb(url: str, pid: int) -> float:
    """The server's RSS once everything it loads is loaded, an upload and an explanation run."""
    named = {e.get("api_name"): i for i, e in events(url).items()}
    picture = upload(url, encode(255 - DIGITS[299], "PNG"), "warm.png", visitor="203.0.113.250")
    call(url, named["explain"], [picture], visitor="203.0.113.250")
    time.sleep(2)
    return rss_mb(pid)


def re_saved_example(path: Path) -> bytes:
    """A bundled example as a caller may re-save it: flattened on white, 1.5x larger, JPEG."""
    from PIL import Image

    picture = Image.open(path).convert("RGBA")
    picture = Image.alpha_composite(Image.new("RGBA", picture.size, "white"), picture)
    return encode(
        picture.convert("RGB").resize((picture.width * 3 // 2, picture.height * 3 // 2)),
        "JPEG",
        quality=60,
    )
