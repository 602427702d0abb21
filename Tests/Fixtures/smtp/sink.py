#!/usr/bin/env python3
"""An SMTP sink for Lifeboat's integration tests (aiosmtpd): accepts mail and writes each
message to a folder, one JSON file per message.

Usage: sink.py --dir DIR [--user U --password P] [--starttls] [--reject ADDRESS,...]

Binds 127.0.0.1 on a free port and prints "ready PORT" on stdout once listening. Each message
becomes DIR/NNNN.json: {"mail_from", "rcpt_tos", "data" (the message as received, CRLF line
ends), "headers" and "subject" (decoded by Python's email package), "body" (the decoded
text), "authenticated_as" (the login, or null), "tls" (whether the session was upgraded with
STARTTLS)}, written to a temporary name first and renamed, so a reader never sees half a file.
With --user and --password, AUTH (PLAIN, LOGIN) is offered without TLS and required before
MAIL. With --starttls, STARTTLS is offered with a self-signed certificate made by openssl.
Recipients given to --reject are refused with 550.
"""

import argparse
import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
except ImportError:
    print("aiosmtpd is not installed: pip install aiosmtpd (scripts/install-deps installs it)", file=sys.stderr)
    sys.exit(3)


class Sink:
    def __init__(self, folder, rejected):
        self.folder = folder
        self.rejected = {address.lower() for address in rejected}
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rejected:
            return "550 5.1.1 <%s>: recipient rejected by the test sink" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        data = data if isinstance(data, bytes) else data.encode("utf-8")
        message = email.message_from_bytes(data, policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": data.decode("utf-8", errors="replace"),
            "headers": {name: str(value) for name, value in message.items()},
            "subject": str(message["subject"] or ""),
            "body": message.get_content() if not message.is_multipart() else "",
            "authenticated_as": session.auth_data.login.decode() if session.authenticated and session.auth_data else None,
            "tls": session.ssl is not None,
        }
        with self.lock:
            self.count += 1
            name = "%04d.json" % self.count
        temporary = os.path.join(self.folder, "." + name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as output:
            json.dump(record, output)
        os.rename(temporary, os.path.join(self.folder, name))
        return "250 2.0.0 Message accepted for delivery"


class Authenticator:
    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.login == self.user and auth_data.password == self.password:
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)


def self_signed_context(folder):
    import ssl
    key, certificate = os.path.join(folder, "key.pem"), os.path.join(folder, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    return context


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="folder the messages are written to")
    parser.add_argument("--user", help="login required before MAIL (with --password)")
    parser.add_argument("--password")
    parser.add_argument("--starttls", action="store_true", help="offer STARTTLS with a self-signed certificate")
    parser.add_argument("--reject", default="", help="comma-separated recipients to refuse with 550")
    arguments = parser.parse_args()
    # A parent may have spawned us with signals blocked; SIGTERM/SIGINT should stop the server.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])

    options = {}
    if arguments.user is not None:
        options.update(authenticator=Authenticator(arguments.user, arguments.password or ""),
                       auth_required=True, auth_require_tls=False)
    certificates = tempfile.TemporaryDirectory(prefix="smtp-sink-")
    if arguments.starttls:
        options["tls_context"] = self_signed_context(certificates.name)
    sink = Sink(arguments.dir, [r for r in arguments.reject.split(",") if r])
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    print("ready %d" % controller.port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    certificates.cleanup()


if __name__ == "__main__":
    main()
