"""A webhook receiver on localhost (http.server in a thread) that checks each request's signature as the
Standard Webhooks specification tells a receiver to, independently of webhooks.signing."""

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 5 * 60


def verify(secret: str, headers, body: bytes) -> bool:
    """The spec's receiver: key = base64 after "whsec_"; HMAC-SHA256 of "id.timestamp.body"; any of the
    space-separated "v1,<base64>" signatures matches; the timestamp within five minutes."""
    msg_id, timestamp, signatures = (
        headers.get("webhook-id"),
        headers.get("webhook-timestamp"),
        headers.get("webhook-signature"),
    )
    if not (msg_id and timestamp and signatures):
        return False
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    key = base64.b64decode(secret[len("whsec_") :])
    expected = base64.b64encode(
        hmac.new(key, msg_id.encode() + b"." + timestamp.encode() + b"." + body, hashlib.sha256).digest()
    ).decode()
    for each in signatures.split(" "):
        version, _, value = each.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


class Receiver:
    """Answers with the statuses in `answers` (then 200), or hangs when `hang` is set."""

    def __init__(self):
        self.requests = []  # (headers dict, body bytes)
        self.answers = []
        self.hang = False
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                if receiver.hang:
                    receiver.release.wait(10)
                    return
                status = receiver.answers.pop(0) if receiver.answers else 200
                reply = b"thanks" if status < 300 else b"broken"
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self) -> list[dict]:
        return [json.loads(body) for _, body in self.requests]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
