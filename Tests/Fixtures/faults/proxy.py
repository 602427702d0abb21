#!/usr/bin/env python3
"""A fault-injecting HTTP reverse proxy for the object-store fault tests (stdlib only).

    proxy.py --upstream http://127.0.0.1:PORT --port-file FILE [--port 0]

Every request is forwarded to the upstream (moto_server) as it came, Host header included
(moto serves path-style requests whatever the host), unless a queued fault matches it.
Faults are queued through a small control API on the same port, which is never forwarded:

    PUT    /__proxy/faults   JSON list of faults, appended to the queue, in order
    DELETE /__proxy/faults   empties the queue
    GET    /__proxy/log      JSON list of {"method", "path", "fault", "status"}, one per request

A fault is {"fault": F, "method": M, "path": P, "times": N, "seconds": S}; only "fault" is
required. A request takes the first queued fault whose method (if given) equals its method
and whose path (if given) is a substring of its path; N > 1 keeps the fault queued for that
many requests. Requests no fault matches are forwarded untouched. F is one of:

    500            answer 500 InternalError (S3's XML error), the request never reaches moto
    503            answer 503 SlowDown
    expired-token  answer 400 ExpiredToken, as S3 does for expired temporary credentials
    slow           wait S seconds (default 2), then forward
    truncate       forward, then send the headers (full Content-Length) and only the first
                   half of the body (or S bytes when given) and close the connection
    drop           close the connection without answering
    pass           forward (holds a place in the sequence)
"""

import argparse
import http.client
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ERRORS = {
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "503": (503, "SlowDown", "Please reduce your request rate."),
    "expired-token": (400, "ExpiredToken", "The provided token has expired."),
}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


class State:
    def __init__(self, upstream):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.lock = threading.Lock()
        self.queue = []
        self.log = []

    def take(self, method, path):
        with self.lock:
            for index, fault in enumerate(self.queue):
                if fault.get("method", method).upper() != method:
                    continue
                if fault.get("path", "") not in path:
                    continue
                times = int(fault.get("times", 1))
                if times > 1:
                    self.queue[index] = dict(fault, times=times - 1)
                else:
                    del self.queue[index]
                return fault
        return None

    def record(self, method, path, fault, status):
        with self.lock:
            self.log.append({"method": method, "path": path, "fault": fault, "status": status})


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so that libcurl's "Expect: 100-continue" is answered at once.
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def do_HEAD(self):
        self.handle_any()

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        chunks = []
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            length -= len(chunk)
        return b"".join(chunks)

    def answer(self, status, body, content_type="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def control(self, body):
        state = self.state
        if self.command == "PUT" and self.path == "/__proxy/faults":
            faults = json.loads(body or b"[]")
            with state.lock:
                state.queue.extend(faults)
            return self.answer(200, b"{}")
        if self.command == "DELETE" and self.path == "/__proxy/faults":
            with state.lock:
                state.queue.clear()
            return self.answer(200, b"{}")
        if self.command == "GET" and self.path == "/__proxy/log":
            with state.lock:
                text = json.dumps(state.log)
            return self.answer(200, text.encode())
        return self.answer(404, b'{"error": "unknown control request"}')

    def handle_any(self):
        body = self.read_body()
        if self.path.startswith("/__proxy/"):
            return self.control(body)
        method, path = self.command, self.path
        fault = self.state.take(method, path)
        kind = fault["fault"] if fault else "none"
        if kind in ERRORS:
            status, code, message = ERRORS[kind]
            xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>"
                   "<RequestId>lifeboat-fault-proxy</RequestId></Error>" % (code, message)).encode()
            self.state.record(method, path, kind, status)
            return self.answer(status, xml, "application/xml")
        if kind == "drop":
            self.state.record(method, path, kind, None)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if kind == "slow":
            time.sleep(float(fault.get("seconds", 2)))
        status, headers, payload = self.forward(method, path, body)
        self.state.record(method, path, kind, status)
        if kind == "truncate" and payload:
            cut = int(fault.get("seconds", len(payload) // 2))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[:cut])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if method != "HEAD" or not any(name.lower() == "content-length" for name, _ in headers):
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(payload)

    def forward(self, method, path, body):
        upstream = self.state.upstream
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() in HOP_BY_HOP or name.lower() == "expect":
                    continue
                connection.putheader(name, value)
            connection.endheaders(body if body else None)
            response = connection.getresponse()
            payload = response.read()
            # The body is re-sent whole (or cut) with its own length; a HEAD keeps the object's.
            headers = [(name, value) for name, value in response.getheaders()
                       if name.lower() not in HOP_BY_HOP and (name.lower() != "content-length" or method == "HEAD")]
            return response.status, headers, payload
        finally:
            connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    arguments = parser.parse_args()
    Handler.state = State(arguments.upstream)
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    server.daemon_threads = True
    with open(arguments.port_file + ".tmp", "w") as handle:
        handle.write(str(server.server_address[1]))
    os.replace(arguments.port_file + ".tmp", arguments.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
