"""A local HTTP server standing in for an SMS gateway: it records what it is sent and answers as
a test scripts it (a status, or a hang longer than the client's timeout)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Gateway:
    def __init__(self):
        self.received: list[dict] = []
        self.answers: list = []  # next answers: an int status or "hang"; then 200
        self.hang_s = 2.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                answer = gateway.answers.pop(0) if gateway.answers else 200
                gateway.received.append({"body": json.loads(body), "answer": answer,
                                         "type": self.headers.get("Content-Type")})
                if answer == "hang":
                    time.sleep(gateway.hang_s)
                    answer = 200
                try:
                    self.send_response(answer)
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:  # the client gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def phones(self) -> list[str]:
        return [r["body"]["phone"] for r in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
