#!/usr/bin/env python3
"""A small stand-in for the Azure Blob service, for Lifeboat's integration tests.

No Azure emulator installs here, so this server implements just the operations Lifeboat
uses, in memory, with path-style URLs like Azurite's (http://127.0.0.1:PORT/<account>/<container>/<blob>):
Put Blob, Put Block, Put Block List, Get Blob (x-ms-range/Range -> 206), Get Blob
Properties (HEAD), List Blobs (small pages, to exercise NextMarker) and Delete Blob.

Every request must carry a valid Shared Key signature. The string-to-sign is rebuilt here
from the request, following Microsoft's "Authorize with Shared Key" reference (Blob service,
version 2015-02-21 and later), and compared with the Authorization header; a mismatch,
a stale date or a wrong account is answered 403 AuthenticationFailed, as Azure does.

Usage: fake_azure_blob.py --port PORT --account NAME --key BASE64KEY --container NAME [--container NAME ...]
Prints "ready" on stdout once listening; one line per request on stderr.
"""

import argparse
import base64
import email.utils
import hashlib
import hmac
import re
import signal
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote
from xml.sax.saxutils import escape

# The standard headers whose values fill fixed lines of the string-to-sign, in order.
STANDARD_HEADERS = [
    "Content-Encoding", "Content-Language", "Content-Length", "Content-MD5", "Content-Type", "Date",
    "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range",
]
SERVICE_VERSION = "2021-08-06"
MAX_CLOCK_SKEW = 15 * 60


class AuthenticationFailed(Exception):
    def __init__(self, detail, string_to_sign=None):
        super().__init__(detail)
        self.detail = detail
        self.string_to_sign = string_to_sign


def collapse_whitespace(value):
    """Runs of linear whitespace become one space (quoted strings left alone), then trim."""
    parts = re.split(r'("[^"]*")', value)
    return "".join(p if p.startswith('"') else re.sub(r"[ \t\r\n]+", " ", p) for p in parts).strip()


def canonicalized_headers(headers):
    values = {}
    for name in set(headers.keys()):
        lower = name.lower()
        if not lower.startswith("x-ms-"):
            continue
        found = headers.get_all(name)
        if len(found) != 1:
            raise ValueError(f"header {lower} appears {len(found)} times")
        values[lower] = collapse_whitespace(found[0])
    return "".join(f"{name}:{values[name]}\n" for name in sorted(values))


def canonicalized_resource(account, target):
    """'/account' + the path as encoded in the request line, then '\\nname:v1,v2' per query
    parameter: names lowercased and sorted, names and values URL-decoded, values sorted."""
    path, _, query = target.partition("?")
    resource = "/" + account + (path or "/")
    parameters = {}
    for pair in query.split("&") if query else []:
        name, _, value = pair.partition("=")
        parameters.setdefault(unquote(name).lower(), []).append(unquote(value))
    for name in sorted(parameters):
        resource += "\n" + name + ":" + ",".join(sorted(parameters[name]))
    return resource


def string_to_sign(method, target, headers, account):
    lines = [method.upper()]
    for name in STANDARD_HEADERS:
        found = headers.get_all(name) or []
        if len(found) > 1:
            raise ValueError(f"header {name} appears {len(found)} times")
        value = found[0] if found else ""
        if name == "Content-Length" and value == "0":
            value = ""  # 2015-02-21 and later: empty when zero
        if name == "Date" and headers.get("x-ms-date") is not None:
            value = ""  # x-ms-date wins; the Date line is then empty
        lines.append(value)
    return "\n".join(lines) + "\n" + canonicalized_headers(headers) + canonicalized_resource(account, target)


def check_signature(method, target, headers, account, key):
    authorization = headers.get("Authorization", "")
    scheme, _, credential = authorization.partition(" ")
    claimed_account, _, signature = credential.rpartition(":")
    if scheme != "SharedKey" or not signature:
        raise AuthenticationFailed("The Authorization header is missing or not in the SharedKey account:signature form.")
    if claimed_account != account:
        raise AuthenticationFailed(f"The account in the Authorization header ('{claimed_account}') is not this account.")
    stamp = headers.get("x-ms-date") or headers.get("Date")
    if not stamp:
        raise AuthenticationFailed("Neither x-ms-date nor Date is present.")
    try:
        when = email.utils.parsedate_to_datetime(stamp).timestamp()
    except (TypeError, ValueError):
        raise AuthenticationFailed(f"The date '{stamp}' is not an RFC 1123 date.")
    if abs(time.time() - when) > MAX_CLOCK_SKEW:
        raise AuthenticationFailed("Request date header too old or too far in the future.")
    try:
        text = string_to_sign(method, target, headers, account)
    except ValueError as error:
        raise AuthenticationFailed(str(error))
    expected = base64.b64encode(hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected, signature):
        raise AuthenticationFailed(
            f"The MAC signature found in the HTTP request '{signature}' is not the same as any computed signature.", text)


class Blob:
    def __init__(self, data, content_type, md5, etag):
        self.data = data
        self.content_type = content_type
        self.md5 = md5
        self.etag = etag
        self.last_modified = email.utils.formatdate(usegmt=True)
        self.blocks = {}  # committed block id -> bytes, for Put Block List's <Committed>/<Latest>


class Store:
    def __init__(self, containers):
        self.lock = threading.Lock()
        self.containers = {name: {} for name in containers}
        self.uncommitted = {}  # (container, blob) -> {block id: bytes}
        self.counter = 0

    def next_etag(self):
        self.counter += 1
        return f'"0x8D{int(time.time()):08X}{self.counter:05X}"'


class ServiceError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeAzureBlob/1.0"

    # -- plumbing --------------------------------------------------------------------------

    def log_request(self, code="-", size="-"):
        sys.stderr.write(f"{self.command} {self.path} {code} x-ms-range={self.headers.get('x-ms-range', '-')}\n")

    def log_message(self, format, *args):
        sys.stderr.write((format % args) + "\n")

    def send(self, status, body=b"", headers=None, length=None):
        self.send_response(status)
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        self.send_header("x-ms-version", SERVICE_VERSION)
        self.send_header("Date", email.utils.formatdate(usegmt=True))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def send_error_document(self, status, code, message, detail=None):
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
        body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{escape(code)}</Code>'
                f"<Message>{escape(message)}\nRequestId:{uuid.uuid4()}\nTime:{now}</Message>")
        if detail:
            body += f"<AuthenticationErrorDetail>{escape(detail)}</AuthenticationErrorDetail>"
        body += "</Error>"
        self.send(status, body.encode(), {"Content-Type": "application/xml", "x-ms-error-code": code})

    def read_body(self):
        # Always drained, even for a request about to be refused, so the client reads the answer.
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            raise ServiceError(411, "MissingContentLengthHeader", "Content-Length is required.")
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def handle_any(self):
        try:
            body = self.read_body()
        except ServiceError as error:
            self.close_connection = True
            return self.send_error_document(error.status, error.code, error.message)
        try:
            check_signature(self.command, self.path, self.headers, self.server.account, self.server.key)
        except AuthenticationFailed as failure:
            if failure.string_to_sign is not None:
                sys.stderr.write(f"authentication failed; expected string-to-sign: {failure.string_to_sign!r}\n")
            self.send_error_document(
                403, "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
                failure.detail)
            return
        try:
            if self.headers.get("x-ms-version") is None:
                raise ServiceError(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified.")
            self.route(body)
        except ServiceError as error:
            self.send_error_document(error.status, error.code, error.message)

    do_GET = do_PUT = do_HEAD = do_DELETE = handle_any

    # -- routing ---------------------------------------------------------------------------

    def route(self, body):
        path, _, query = self.path.partition("?")
        parameters = {}
        for pair in query.split("&") if query else []:
            name, _, value = pair.partition("=")
            parameters[unquote(name)] = unquote(value)
        parts = path.split("/")
        if len(parts) < 3 or parts[1] != self.server.account or not parts[2]:
            raise ServiceError(400, "InvalidUri", "The requested URI does not represent any resource on the server.")
        container = self.server_container = unquote(parts[2])
        blob = unquote("/".join(parts[3:])) if len(parts) > 3 else ""
        store = self.server.store
        with store.lock:
            if container not in store.containers:
                raise ServiceError(404, "ContainerNotFound", "The specified container does not exist.")
            blobs = store.containers[container]
            if not blob:
                if self.command == "GET" and parameters.get("restype") == "container" and parameters.get("comp") == "list":
                    return self.list_blobs(container, blobs, parameters)
                raise ServiceError(400, "UnsupportedQueryParameter", "This fake implements only List Blobs on containers.")
            comp = parameters.get("comp")
            if self.command == "PUT" and comp is None:
                return self.put_blob(blobs, blob, body)
            if self.command == "PUT" and comp == "block":
                return self.put_block(store, container, blob, parameters.get("blockid"), body)
            if self.command == "PUT" and comp == "blocklist":
                return self.put_block_list(store, container, blobs, blob, body)
            if self.command in ("GET", "HEAD") and comp is None:
                return self.get_blob(blobs, blob)
            if self.command == "DELETE" and comp is None:
                if blobs.pop(blob, None) is None:
                    raise ServiceError(404, "BlobNotFound", "The specified blob does not exist.")
                store.uncommitted.pop((container, blob), None)
                return self.send(202)
            raise ServiceError(400, "UnsupportedHttpVerb", f"This fake does not implement {self.command} with comp={comp}.")

    # -- operations ------------------------------------------------------------------------

    def check_md5(self, body, header="Content-MD5"):
        claimed = self.headers.get(header)
        if claimed is not None and base64.b64encode(hashlib.md5(body).digest()).decode() != claimed:
            raise ServiceError(400, "Md5Mismatch", "The MD5 value specified in the request did not match with the MD5 value calculated by the server.")

    def put_blob(self, blobs, name, body):
        blob_type = self.headers.get("x-ms-blob-type")
        if blob_type is None:
            raise ServiceError(400, "MissingRequiredHeader", "x-ms-blob-type is required for Put Blob.")
        if blob_type != "BlockBlob":
            raise ServiceError(400, "InvalidHeaderValue", "This fake stores block blobs only.")
        self.check_md5(body)
        md5 = self.headers.get("x-ms-blob-content-md5") or base64.b64encode(hashlib.md5(body).digest()).decode()
        content_type = self.headers.get("x-ms-blob-content-type") or self.headers.get("Content-Type") or "application/octet-stream"
        blob = Blob(body, content_type, md5, self.server.store.next_etag())
        blobs[name] = blob
        self.server.store.uncommitted.pop((self.server_container, name), None)
        self.send(201, headers={"ETag": blob.etag, "Last-Modified": blob.last_modified, "Content-MD5": md5})

    def put_block(self, store, container, name, block_id, body):
        try:
            decoded = base64.b64decode(block_id or "", validate=True)
        except ValueError:
            decoded = b""
        if not block_id or not decoded or len(decoded) > 64:
            raise ServiceError(400, "InvalidQueryParameterValue", "blockid must be base64 of at most 64 bytes.")
        self.check_md5(body)
        staged = store.uncommitted.setdefault((container, name), {})
        if staged and any(len(existing) != len(block_id) for existing in staged):
            raise ServiceError(400, "InvalidBlobOrBlock", "The specified blob or block content is invalid (block ids of different lengths).")
        staged[block_id] = body
        self.send(201, headers={"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()})

    def put_block_list(self, store, container, blobs, name, body):
        self.check_md5(body)
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            raise ServiceError(400, "InvalidXmlDocument", "The block list is not well-formed XML.")
        if root.tag != "BlockList":
            raise ServiceError(400, "InvalidXmlDocument", "The root element must be BlockList.")
        staged = store.uncommitted.get((container, name), {})
        committed = blobs[name].blocks if name in blobs else {}
        chunks, blocks = [], {}
        for element in root:
            block_id = (element.text or "").strip()
            if element.tag == "Latest":
                data = staged.get(block_id, committed.get(block_id))
            elif element.tag == "Uncommitted":
                data = staged.get(block_id)
            elif element.tag == "Committed":
                data = committed.get(block_id)
            else:
                raise ServiceError(400, "InvalidXmlNodeValue", f"Unexpected element {element.tag}.")
            if data is None:
                raise ServiceError(400, "InvalidBlockList", "The specified block list is invalid.")
            chunks.append(data)
            blocks[block_id] = data
        data = b"".join(chunks)
        md5 = self.headers.get("x-ms-blob-content-md5")  # stored as given, as Azure does
        content_type = self.headers.get("x-ms-blob-content-type") or "application/octet-stream"
        blob = Blob(data, content_type, md5, store.next_etag())
        blob.blocks = blocks
        blobs[name] = blob
        store.uncommitted.pop((container, name), None)
        self.send(201, headers={"ETag": blob.etag, "Last-Modified": blob.last_modified})

    def get_blob(self, blobs, name):
        blob = blobs.get(name)
        if blob is None:
            raise ServiceError(404, "BlobNotFound", "The specified blob does not exist.")
        size = len(blob.data)
        headers = {"ETag": blob.etag, "Last-Modified": blob.last_modified, "Content-Type": blob.content_type,
                   "x-ms-blob-type": "BlockBlob", "Accept-Ranges": "bytes"}
        requested = self.headers.get("x-ms-range") or self.headers.get("Range")
        if requested and self.command == "GET":
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", requested.strip())
            if not match:
                raise ServiceError(400, "InvalidHeaderValue", "The range is not in the form bytes=start-[end].")
            start = int(match.group(1))
            end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
            if start >= size or end < start:
                raise ServiceError(416, "InvalidRange", "The range specified is invalid for the current size of the resource.")
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            if blob.md5:
                headers["x-ms-blob-content-md5"] = blob.md5
            return self.send(206, blob.data[start:end + 1], headers)
        if blob.md5:
            headers["Content-MD5"] = blob.md5
        return self.send(200, blob.data, headers, length=size)

    def list_blobs(self, container, blobs, parameters):
        prefix = parameters.get("prefix", "")
        marker = parameters.get("marker", "")
        page_size = min(int(parameters.get("maxresults") or 5000), self.server.page_size)
        try:
            start = base64.urlsafe_b64decode(marker.encode()).decode() if marker else ""
        except ValueError:
            raise ServiceError(400, "OutOfRangeInput", "The marker is not one this service issued.")
        names = sorted(name for name in blobs if name.startswith(prefix) and name >= start)
        page, rest = names[:page_size], names[page_size:]
        next_marker = base64.urlsafe_b64encode(rest[0].encode()).decode() if rest else ""
        endpoint = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}/{self.server.account}/"
        items = []
        for name in page:
            blob = blobs[name]
            items.append(
                f"<Blob><Name>{escape(name)}</Name><Properties><Last-Modified>{blob.last_modified}</Last-Modified>"
                f"<Etag>{escape(blob.etag.strip(chr(34)))}</Etag><Content-Length>{len(blob.data)}</Content-Length>"
                f"<Content-Type>{escape(blob.content_type)}</Content-Type><Content-MD5>{escape(blob.md5 or '')}</Content-MD5>"
                f"<BlobType>BlockBlob</BlobType><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState>"
                f"</Properties></Blob>")
        body = (f'<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="{escape(endpoint)}" '
                f'ContainerName="{escape(container)}"><Prefix>{escape(prefix)}</Prefix><Marker>{escape(marker)}</Marker>'
                f"<MaxResults>{page_size}</MaxResults><Blobs>{''.join(items)}</Blobs>"
                f"<NextMarker>{escape(next_marker)}</NextMarker></EnumerationResults>")
        self.send(200, body.encode(), {"Content-Type": "application/xml"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--account", required=True)
    parser.add_argument("--key", required=True, help="the account key, base64")
    parser.add_argument("--container", action="append", default=[], help="a container that exists (repeatable)")
    parser.add_argument("--page-size", type=int, default=2, help="List Blobs page size (small, to exercise NextMarker)")
    arguments = parser.parse_args()
    # A parent may have spawned us with signals blocked; SIGTERM/SIGINT should stop the server.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])

    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    server.daemon_threads = True
    server.account = arguments.account
    server.key = base64.b64decode(arguments.key)
    server.store = Store(arguments.container)
    server.page_size = arguments.page_size
    print("ready", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
