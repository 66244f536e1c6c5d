"""A local server speaking OpenAI's chat-completions shape (POST /v1/chat/completions), for
the summaries tests: a real HTTP server on a real socket, never a mocked client.

Each request is answered by the next scripted behaviour for the paper whose title is in the
prompt (`script[title]`, a list used up in order), else by a good one-sentence reply. A
behaviour is a dict: `status`, `headers`, `body` (bytes, or a dict sent as JSON), `sleep`
(seconds before answering: past the client's timeout, it is a timeout)."""

import json
import re
import threading
import time
from collections import defaultdict
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "fake-llm-1"


def completion(content, *, model=MODEL, refusal=None, finish_reason="stop", tokens=42) -> dict:
    """A chat.completion object as OpenAI documents it."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1764288000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": tokens - 12, "completion_tokens": 12, "total_tokens": tokens},
    }


class FakeLlm(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, pause: float = 0.0):
        self.pause = pause  # before every good reply
        self.script: dict[str, list[dict]] = {}
        self.asked: dict[str, list[float]] = defaultdict(list)  # title: request times
        self.bodies: list[dict] = []
        self.headers_seen: list[dict] = []
        self.in_flight = self.most_in_flight = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                title = re.match(r"Title: (.*)", body["messages"][-1]["content"])[1]
                with server._lock:
                    server.bodies.append(body)
                    server.headers_seen.append(dict(self.headers))
                    server.asked[title].append(time.monotonic())
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                    queue = server.script.get(title)
                    behaviour = queue.pop(0) if queue else {}
                try:
                    self._answer(behaviour, title)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self, behaviour: dict, title: str):
                time.sleep(behaviour.get("sleep", server.pause))
                reply = behaviour.get("body", completion(f"{title} shows a thing."))
                data = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
                self.send_response(behaviour.get("status", 200))
                for name, value in behaviour.get("headers", {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)  # unless the client gave up (a timeout test)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def __enter__(self):
        # shutdown() waits for the loop to look: every 0.5 s by default, 8 s of the fast tier
        threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
