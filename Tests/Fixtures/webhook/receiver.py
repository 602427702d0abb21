#!/usr/bin/env python3
"""A webhook receiver for Lifeboat's integration tests: records every request and answers
with the status codes it is told to.

Usage: receiver.py --log FILE [--statuses 503,503,200]

Binds 127.0.0.1 on a free port and prints "ready PORT" on stdout once listening. Each request
becomes one JSON line in FILE: {"method", "path", "status", "headers": {name: value}, "body"}
(header names lowercased, the body as text). The statuses are answered in order, one per
request, then 200 for ever; "hang" instead of a status records the request and never answers
(status 0 in the log), to exercise the sender's timeout.
"""

import argparse
import json
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        server = self.server
        with server.lock:
            status = server.statuses.pop(0) if server.statuses else 200
            record = {
                "method": self.command,
                "path": self.path,
                "status": status,
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": body.decode("utf-8", errors="replace"),
            }
            with open(server.log, "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
        if status == 0:
            time.sleep(120)
            return
        answer = b'{"ok":true}' if status < 300 else b"refused by the test receiver"
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if status < 300 else "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_PUT = do_POST

    def log_message(self, format, *args):
        pass  # the JSONL file is the record


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", required=True, help="JSONL file the requests are appended to")
    parser.add_argument("--statuses", default="", help="comma-separated statuses to answer first, e.g. 503,503,200 or hang,200")
    arguments = parser.parse_args()
    # A parent may have spawned us with signals blocked; SIGTERM/SIGINT should stop the server.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.log = arguments.log
    server.statuses = [0 if s.strip() == "hang" else int(s) for s in arguments.statuses.split(",") if s.strip()]
    server.lock = threading.Lock()
    print(f"ready {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
