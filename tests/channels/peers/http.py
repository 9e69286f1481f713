"""A scriptable HTTP server in a thread on 127.0.0.1, playing an SMS provider or the WeChat API.

Each request is recorded; the answer comes from `respond(request) -> (status, json_dict)`,
which a test replaces to script failures; `(status, raw_bytes, content_type)` answers
with those bytes as they are (an image, an HTML error page).
"""

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


class FakeProvider:
    def __init__(self, respond=None):
        self.requests: list[Request] = []
        self.respond = respond or (lambda request: (200, {"id": f"p-{len(self.requests)}"}))
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                url = urlsplit(self.path)
                request = Request(
                    self.command, url.path, {k: v[0] for k, v in parse_qs(url.query).items()},
                    {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length),
                )
                provider.requests.append(request)
                status, answer, *content_type = provider.respond(request)
                if status is None:  # simulate a provider that never answers in time
                    threading.Event().wait(answer)
                    return
                if isinstance(answer, bytes):
                    body, content_type = answer, content_type[0] if content_type else "application/octet-stream"
                else:
                    body, content_type = json.dumps(answer, ensure_ascii=False).encode(), "application/json"
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
