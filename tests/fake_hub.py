"""A tiny Hugging Face Hub on 127.0.0.1 that serves and receives files the way the real one does.

Only what huggingface_hub uses here (see shared/notes/hub.md): HEAD/GET of
/{repo}/resolve/{revision}/{file} with X-Repo-Commit and ETag, 404s with X-Error-Code; and for
uploads, repo creation, preupload (every file "regular", i.e. inline) and NDJSON commits, whose
files land in `uploads[repo_id][path]`.
"""

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class FakeHub:
    def __init__(self, repo: str, commit: str, folder: Path):
        self.repo, self.commit = repo, commit
        self.files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
        self.requests: list[str] = []
        self.uploads: dict[str, dict[str, bytes]] = {}
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_HEAD(self):
                self.answer(body=False)

            def do_GET(self):
                self.answer(body=True)

            def do_POST(self):
                hub.requests.append(f"POST {self.path}")
                data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                path = self.path.split("?")[0]
                if path == "/api/repos/create":
                    request = json.loads(data)
                    name = f"{request.get('organization') or 'user'}/{request['name']}"
                    reply = {"url": f"{hub.url}/{request.get('type', 'model')}s/{name}", "name": name}
                elif path == "/api/validate-yaml":
                    reply = {"errors": [], "warnings": []}
                elif "/preupload/" in path:
                    reply = {"files": [{"path": f["path"], "uploadMode": "regular",
                                        "shouldIgnore": False} for f in json.loads(data)["files"]]}
                elif "/commit/" in path:
                    repo = path.removeprefix("/api/").partition("/")[2].partition("/commit/")[0]
                    files = hub.uploads.setdefault(repo, {})
                    for line in data.decode().splitlines():
                        item = json.loads(line)
                        if item["key"] == "file":
                            files[item["value"]["path"]] = base64.b64decode(item["value"]["content"])
                    oid = hashlib.sha1(data).hexdigest()
                    reply = {"commitUrl": f"{hub.url}/{repo}/commit/{oid}", "commitOid": oid}
                else:
                    return self.send(404, b"", {"X-Error-Code": "EntryNotFound"}, True)
                self.send(200, json.dumps(reply).encode(), {"Content-Type": "application/json"}, True)

            def answer(self, body: bool):
                hub.requests.append(f"{self.command} {self.path}")
                if self.path.startswith("/api/agent-harnesses"):
                    return self.send(200, json.dumps({"standardEnvVars": [], "harnesses": {}}).encode(),
                                     {"Content-Type": "application/json"}, body)
                repo, _, rest = self.path.lstrip("/").partition("/resolve/")
                revision, _, name = rest.partition("/")
                if repo != hub.repo:
                    return self.send(404, b"", {"X-Error-Code": "RepoNotFound"}, body)
                if revision not in (hub.commit, "main"):
                    return self.send(404, b"", {"X-Error-Code": "RevisionNotFound"}, body)
                if name not in hub.files:
                    return self.send(404, b"", {"X-Error-Code": "EntryNotFound"}, body)
                data = hub.files[name]
                self.send(200, data, {"X-Repo-Commit": hub.commit,
                                      "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
                                      "Content-Type": "application/octet-stream"}, body)

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

    def close(self):
        self.server.shutdown()
        self.server.server_close()
