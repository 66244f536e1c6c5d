"""A local HTTP server that accepts what chat services accept, for channel tests.

- Slack incoming webhooks: POST /services/T/B/C, a JSON object with a non-empty "text",
  "attachments" or "blocks"; answers 200 "ok", or 400 "invalid_payload" like Slack.
- Discord webhooks: POST /api/webhooks/ID/TOKEN, JSON with "content" (at most 2000
  characters) or "embeds"; answers 204, or 400 with Discord's error body.
- Matrix client-server API (r0 and v3): whoami, join, and
  PUT /rooms/{room}/send/m.room.message/{txnId} with a Bearer access token; a repeated txnId
  is answered with the first event id and not stored again, as a homeserver does.
- The signed JSON webhook: POST /hook, checked against the shared secret and a 5-minute
  timestamp window (401 otherwise).

Every accepted post is kept in `posts`. `hold` makes the server keep the connection open that
many seconds after accepting a post (a crash test kills the sender then), `fail_next` answers
the next requests with these HTTP statuses.
"""

import hashlib
import hmac
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

MATRIX_TOKEN = "syt_matrixaccesstoken0000secret"
DISCORD_LIMIT = 2000


class ChatServer:
    def __init__(self, webhook_secret: str = "hooksecret-0123456789"):
        self.webhook_secret = webhook_secret
        self.posts: list[dict] = []
        self.requests: list[str] = []
        self.fail_next: list[int] = []
        self.hold = 0.0
        self.lock = threading.Lock()
        self._matrix_events: dict[str, str] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server._handle(self, "GET")

            def do_POST(self):
                server._handle(self, "POST")

            def do_PUT(self):
                server._handle(self, "PUT")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True  # a held answer must not hold up stop()
        self.httpd.block_on_close = False
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # shutdown() waits for the loop to look: every 0.5 s by default, 12 s of the fast tier
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> "ChatServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def of(self, service: str) -> list[dict]:
        return [post for post in self.posts if post["service"] == service]

    # ---- the protocols ----

    def _handle(self, request, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        path = request.path.split("?")[0]
        with self.lock:
            self.requests.append(f"{method} {path}")
            failing = self.fail_next.pop(0) if self.fail_next else None
        if failing:
            return _answer(request, failing, {"error": "failing on request"})
        if method == "POST" and re.fullmatch(r"/services/\w+/\w+/\w+", path):
            return self._slack(request, body)
        if method == "POST" and re.fullmatch(r"/api/webhooks/\d+/[\w-]+", path):
            return self._discord(request, body)
        if path.startswith("/_matrix/"):
            return self._matrix(request, method, path, body)
        if method == "POST" and path == "/hook":
            return self._webhook(request, body)
        return _answer(request, 404, {"error": "not found"})

    def _accept(self, request, service: str, payload, status: int, answer) -> None:
        with self.lock:
            self.posts.append({"service": service, "payload": payload, "path": request.path})
        if self.hold:
            time.sleep(self.hold)
        _answer(request, status, answer)

    def _slack(self, request, body: bytes) -> None:
        payload = _json(request, body)
        if not isinstance(payload, dict) or not any(
            payload.get(key) for key in ("text", "attachments", "blocks")
        ):
            return _answer(request, 400, "invalid_payload")
        self._accept(request, "slack", payload, 200, "ok")

    def _discord(self, request, body: bytes) -> None:
        payload = _json(request, body)
        content = payload.get("content") if isinstance(payload, dict) else None
        embeds = payload.get("embeds") if isinstance(payload, dict) else None
        if not (isinstance(content, str) and content) and not (isinstance(embeds, list) and embeds):
            return _answer(request, 400, {"message": "Cannot send an empty message", "code": 50006})
        if isinstance(content, str) and len(content) > DISCORD_LIMIT:
            return _answer(
                request, 400, {"content": ["Must be 2000 or fewer in length."], "code": 50035}
            )
        self._accept(request, "discord", payload, 204, None)

    def _matrix(self, request, method: str, path: str, body: bytes) -> None:
        if path == "/_matrix/client/versions":
            return _answer(request, 200, {"versions": ["r0.6.1", "v1.1", "v1.6"]})
        if request.headers.get("Authorization") != f"Bearer {MATRIX_TOKEN}":
            return _answer(request, 401, {"errcode": "M_UNKNOWN_TOKEN", "error": "Unknown token"})
        api = r"/_matrix/client/(?:r0|v3)"
        if method == "GET" and re.fullmatch(api + r"/account/whoami", path):
            return _answer(request, 200, {"user_id": "@papers:localhost"})
        if method == "POST" and (found := re.fullmatch(api + r"/join/(.+)", path)):
            return _answer(request, 200, {"room_id": unquote(found.group(1))})
        if method == "GET" and re.fullmatch(api + r"/joined_rooms", path):
            return _answer(request, 200, {"joined_rooms": []})
        send = re.fullmatch(api + r"/rooms/([^/]+)/send/m\.room\.message/([^/]+)", path)
        if method == "PUT" and send:
            payload = _json(request, body)
            if not isinstance(payload, dict) or not payload.get("msgtype") or "body" not in payload:
                return _answer(request, 400, {"errcode": "M_BAD_JSON", "error": "bad event"})
            txn = unquote(send.group(1)) + "/" + send.group(2)
            if txn in self._matrix_events:  # idempotent, as the spec requires
                return _answer(request, 200, {"event_id": self._matrix_events[txn]})
            self._matrix_events[txn] = f"$event{len(self._matrix_events)}"
            payload["room"] = unquote(send.group(1))
            return self._accept(
                request, "matrix", payload, 200, {"event_id": self._matrix_events[txn]}
            )
        return _answer(request, 404, {"errcode": "M_UNRECOGNIZED", "error": path})

    def _webhook(self, request, body: bytes) -> None:
        timestamp = request.headers.get("X-Dailypapers-Timestamp", "")
        signature = request.headers.get("X-Dailypapers-Signature", "")
        expected = hmac.new(
            self.webhook_secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
        if not fresh or not hmac.compare_digest(signature, f"sha256={expected}"):
            return _answer(request, 401, {"error": "bad signature"})
        payload = _json(request, body)
        payload["headers"] = {"id": request.headers.get("X-Dailypapers-Id")}
        self._accept(request, "webhook", payload, 200, {"ok": True})


def _json(request, body: bytes):
    if not request.headers.get("Content-Type", "").startswith("application/json"):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _answer(request, status: int, answer) -> None:
    if answer is None:
        data, kind = b"", "text/plain"
    elif isinstance(answer, str):
        data, kind = answer.encode(), "text/html"
    else:
        data, kind = json.dumps(answer).encode(), "application/json"
    request.send_response(status)
    request.send_header("Content-Type", kind)
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)
