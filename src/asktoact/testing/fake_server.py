"""A small OpenAI-compatible chat-completions server on loopback.

Replies come from a function of the request; faults (429, 500, timeouts, malformed JSON)
are scripted per conversation so retry behaviour can be tested for real over HTTP.
Used by the test suite, the benchmarks and ``asktoact`` dry runs.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

Reply = Callable[[list[dict], dict], str]


def echo_reply(messages: list[dict], body: dict) -> str:
    return f"echo: {messages[-1]['content']}"


class FakeOpenAI:
    """``with FakeOpenAI(reply) as srv: srv.url`` -> ``http://127.0.0.1:PORT/v1``."""

    def __init__(self, reply: Reply = echo_reply, latency: float = 0.0, port: int = 0):
        self.reply = reply
        self.latency = latency
        self.port = port  # 0: any free port; a fixed one lets a test stop and restart "the same" endpoint
        self.fail_all: int | None = None  # answer every request with this HTTP status
        self.echo_auth = False  # with fail_all: echo the Authorization header in the error (a leaky proxy)
        self.faults: dict[str, list[str]] = defaultdict(list)  # last user text -> pending faults
        self.requests: list[dict] = []  # every request body seen
        self.headers: list[dict] = []
        self.completed: list[str] = []  # last user text of each successful reply
        self._lock = threading.Lock()
        self._srv: ThreadingHTTPServer | None = None

    def script(self, last_user_text: str, *faults: str) -> None:
        """Faults to serve, in order, before a real reply: '429', '500', 'timeout:S', 'malformed'."""
        self.faults[last_user_text].extend(faults)

    @property
    def url(self) -> str:
        assert self._srv is not None
        return f"http://127.0.0.1:{self._srv.server_address[1]}/v1"

    def __enter__(self) -> "FakeOpenAI":
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # quiet
                pass

            def _send(self, code: int, payload: bytes, ctype: str = "application/json") -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, json.dumps({"object": "list", "data": [{"id": "fake", "object": "model"}]}).encode())
                else:
                    self._send(404, b"{}")

            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(n) or b"{}")
                msgs = body.get("messages", [])
                last = next((m.get("content", "") for m in reversed(msgs) if m.get("role") == "user"), "")
                with outer._lock:
                    outer.requests.append(body)
                    outer.headers.append(dict(self.headers))
                    fault = outer.faults[last].pop(0) if outer.faults.get(last) else None
                if outer.fail_all:
                    msg = f"down; you sent {self.headers.get('Authorization')}" if outer.echo_auth else "down"
                    return self._send(outer.fail_all, json.dumps({"error": {"message": msg}}).encode())
                if fault == "429":
                    return self._send(429, json.dumps({"error": {"message": "rate limited"}}).encode())
                if fault == "500":
                    return self._send(500, json.dumps({"error": {"message": "boom"}}).encode())
                if fault and fault.startswith("timeout"):
                    time.sleep(float(fault.split(":")[1]) if ":" in fault else 2.0)
                    return self._send(504, b"{}")
                if fault == "malformed":
                    return self._send(200, b"{not json")
                if outer.latency:
                    time.sleep(outer.latency)
                text = outer.reply(msgs, body)
                with outer._lock:
                    outer.completed.append(last)
                resp = {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                        "model": body.get("model", "fake"),
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": text}}],
                        "usage": {"prompt_tokens": sum(len(str(m.get("content", "")).split()) for m in msgs),
                                  "completion_tokens": len(text.split()), "total_tokens": 0}}
                self._send(200, json.dumps(resp).encode())

        class Server(ThreadingHTTPServer):
            request_queue_size = 512  # many clients connect at once; the default backlog of 5 stalls them

        self._srv = Server(("127.0.0.1", self.port), Handler)
        self._srv.daemon_threads = True
        threading.Thread(target=self._srv.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self._srv:
            self._srv.shutdown()
            self._srv.server_close()
