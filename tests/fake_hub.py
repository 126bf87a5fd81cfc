"""A tiny Hugging Face Hub on 127.0.0.1 that serves and receives files the way the real one does.

Only what huggingface_hub uses here (see shared/notes/hub.md). Downloads: HEAD/GET of
/{repo}/resolve/{revision}/{file} with X-Repo-Commit and ETag, 404s with X-Error-Code. Uploads:
repo creation, preupload, the LFS batch API ("basic" transfer: one PUT per file) and NDJSON
commits. The real Hub's rule holds: a binary file committed inline (as a "regular" file, not
through LFS/Xet) is refused with the Hub's message, and preupload says "lfs" for binaries.
Clients must run with HF_HUB_DISABLE_XET=1: Xet storage is not served here.

Each repo keeps every commit: `repos[repo_id][commit] = {path: bytes}`; `heads[repo_id]` is main.
"""

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BINARY_REFUSED = (
    "Your push was rejected because it contains binary files.\n"
    "Please use https://huggingface.co/docs/hub/xet to store binary files.\n"
    "Offending files:\n"
)
REGULAR_MAX_BYTES = 10_000_000  # larger text files go through LFS too
# Suffixes a new repo's default .gitattributes sends through LFS/Xet whatever the sample shows
# (a few of the Hub's list: TF.js weight shards are .bin, and their first 512 bytes, the sample
# preupload sees, can hold no NUL byte).
LFS_SUFFIXES = (".bin", ".h5", ".keras", ".tflite", ".npz", ".onnx", ".safetensors")


def is_binary(data: bytes) -> bool:
    """Git's rule of thumb, which the Hub follows: a NUL byte near the start."""
    return b"\0" in data[:8000]


class FakeHub:
    def __init__(
        self, repo: str | None = None, commit: str | None = None, folder: Path | None = None
    ):
        self.repos: dict[str, dict[str, dict[str, bytes]]] = {}
        self.heads: dict[str, str] = {}
        self.lfs: dict[str, bytes] = {}  # sha256 -> bytes, received through the LFS batch API
        self.requests: list[str] = []
        if repo:
            files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
            self.repos[repo], self.heads[repo] = {commit: files}, commit
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_HEAD(self):
                self.answer(body=False)

            def do_GET(self):
                self.answer(body=True)

            def do_PUT(self):
                hub.requests.append(f"PUT {self.path}")
                data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                oid = self.path.rpartition("/")[2]
                if hashlib.sha256(data).hexdigest() != oid:
                    return self.json(400, {"error": "sha256 does not match"})
                hub.lfs[oid] = data
                self.json(200, {})

            def do_POST(self):
                hub.requests.append(f"POST {self.path}")
                data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                path = self.path.split("?")[0]
                if path == "/api/repos/create":
                    request = json.loads(data)
                    name = f"{request.get('organization') or 'user'}/{request['name']}"
                    hub.repos.setdefault(name, {})
                    return self.json(
                        200,
                        {"url": f"{hub.url}/{request.get('type', 'model')}s/{name}", "name": name},
                    )
                if path == "/api/validate-yaml":
                    return self.json(200, {"errors": [], "warnings": []})
                if path.endswith(".git/info/lfs/objects/batch"):
                    objects = [
                        {
                            "oid": o["oid"],
                            "size": o["size"],
                            "authenticated": True,
                            **(
                                {}
                                if o["oid"] in hub.lfs
                                else {"actions": {"upload": {"href": f"{hub.url}/lfs/{o['oid']}"}}}
                            ),
                        }
                        for o in json.loads(data)["objects"]
                    ]
                    return self.json(200, {"transfer": "basic", "objects": objects})
                if "/preupload/" in path:
                    files = [
                        {
                            "path": f["path"],
                            "shouldIgnore": False,
                            "uploadMode": "lfs"
                            if is_binary(base64.b64decode(f["sample"]))
                            or f["size"] > REGULAR_MAX_BYTES
                            or f["path"].endswith(LFS_SUFFIXES)
                            else "regular",
                        }
                        for f in json.loads(data)["files"]
                    ]
                    return self.json(200, {"files": files})
                if "/commit/" in path:
                    return self.commit(path, data)
                self.json(404, {"error": "not found"}, {"X-Error-Code": "EntryNotFound"})

            def commit(self, path: str, data: bytes):
                repo = path.removeprefix("/api/").partition("/")[2].partition("/commit/")[0]
                files = dict(hub.repos.get(repo, {}).get(hub.heads.get(repo), {}))
                binary = []
                for line in data.decode().splitlines():
                    item = json.loads(line)
                    value = item.get("value", {})
                    if item["key"] == "file":
                        content = base64.b64decode(value["content"])
                        binary += [value["path"]] if is_binary(content) else []
                        files[value["path"]] = content
                    elif item["key"] == "lfsFile":
                        if value["oid"] not in hub.lfs:
                            return self.json(400, {"error": f"LFS object {value['oid']} missing"})
                        files[value["path"]] = hub.lfs[value["oid"]]
                    elif item["key"] == "deletedFile":
                        files.pop(value["path"], None)
                if binary:
                    message = BINARY_REFUSED + "".join(f"  - {p}\n" for p in binary)
                    return self.json(
                        400, {"error": message}, {"X-Error-Message": message.replace("\n", " ")}
                    )
                oid = hashlib.sha1(data + (hub.heads.get(repo) or "").encode()).hexdigest()
                hub.repos.setdefault(repo, {})[oid] = files
                hub.heads[repo] = oid
                self.json(
                    200,
                    {
                        "commitUrl": f"{hub.url}/{repo}/commit/{oid}",
                        "commitOid": oid,
                        "success": True,
                    },
                )

            def answer(self, body: bool):
                hub.requests.append(f"{self.command} {self.path}")
                if self.path.startswith("/api/agent-harnesses"):
                    return self.json(200, {"standardEnvVars": [], "harnesses": {}}, body=body)
                repo, _, rest = self.path.lstrip("/").partition("/resolve/")
                revision, _, name = rest.partition("/")
                if repo not in hub.repos:
                    return self.send(404, b"", {"X-Error-Code": "RepoNotFound"}, body)
                commit = hub.heads.get(repo) if revision == "main" else revision
                if commit not in hub.repos[repo]:
                    return self.send(404, b"", {"X-Error-Code": "RevisionNotFound"}, body)
                if name not in hub.repos[repo][commit]:
                    return self.send(404, b"", {"X-Error-Code": "EntryNotFound"}, body)
                data = hub.repos[repo][commit][name]
                self.send(
                    200,
                    data,
                    {
                        "X-Repo-Commit": commit,
                        "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
                        "Content-Type": "application/octet-stream",
                    },
                    body,
                )

            def json(self, status, reply, headers=None, body=True):
                self.send(
                    status,
                    json.dumps(reply).encode(),
                    {"Content-Type": "application/json", **(headers or {})},
                    body,
                )

            def send(self, status, data, headers, body):
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def files(self, repo: str, commit: str | None = None) -> dict[str, bytes]:
        """A repo's files at a commit (default: main)."""
        return self.repos[repo][commit or self.heads[repo]]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
