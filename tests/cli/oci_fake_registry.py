#!/usr/bin/env python3
"""A small OCI distribution registry on 127.0.0.1 for nxp's tests (test_oci*.sh).

It speaks the part of the distribution spec v1.1 API nxp uses (blobs HEAD/GET, POST+PUT
uploads, manifests GET/HEAD/PUT) from memory, can demand a Bearer token from its own token
endpoint (/token, the flow Docker Hub, GHCR and Harbor use), and can misbehave on request.
Usage: oci_fake_registry.py PORTFILE STATEFILE. STATEFILE (JSON, re-read on each request) may
hold:
  "auth": "bearer"               demand Authorization: Bearer <token>
  "realm": URL                   the realm to announce (default: this server's /token)
  "user", "password"             credentials the token endpoint wants (Basic); none: anonymous
  "corrupt": [DIGEST…]           serve other bytes (same length) for these blobs
  "endless_blobs": [DIGEST…]     serve these blobs without end
  "endless_manifest": true       a manifest that never ends
  "manifest_file": PATH          serve this file as every manifest
  "endless_token": true          a token response that never ends
  "token_uses": N                each token works for N requests, then is refused (expired)
The log of requests (method, path, whether an Authorization header came, the token query) is
appended to STATEFILE + ".log"; header values are never logged.
"""
import base64
import hashlib
import json
import os
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PORTFILE, STATEFILE = sys.argv[1], sys.argv[2]
BLOBS = {}
MANIFESTS = {}
UPLOADS = {}
LOCK = threading.Lock()
TOKEN = "tok-" + uuid.uuid4().hex
TOKENS = {}  # token: requests it may still authorize (token_uses)


def state():
    try:
        with open(STATEFILE) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def log(line):
    with open(STATEFILE + ".log", "a") as f:
        f.write(line + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body=b"", headers=None, head=False):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def endless(self, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.end_headers()
        chunk = b"{" * 65536
        try:
            for _ in range(100000):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def authorized(self, st, push):
        if st.get("auth") != "bearer":
            return True
        given = self.headers.get("Authorization", "")
        if st.get("token_uses"):
            tok = given[len("Bearer "):] if given.startswith("Bearer ") else ""
            with LOCK:
                if TOKENS.get(tok, 0) > 0:
                    TOKENS[tok] -= 1
                    return True
        elif given == "Bearer " + TOKEN:
            return True
        name = self.path.split("/")[2] if self.path.count("/") > 2 else ""
        parts = urlparse(self.path).path.split("/")
        if "blobs" in parts:
            name = "/".join(parts[2:parts.index("blobs")])
        elif "manifests" in parts:
            name = "/".join(parts[2:parts.index("manifests")])
        realm = st.get("realm") or "http://127.0.0.1:%d/token" % self.server.server_port
        scope = "repository:%s:%s" % (name, "pull,push" if push else "pull")
        self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                  {"WWW-Authenticate": 'Bearer realm="%s",service="fake-registry",scope="%s"'
                   % (realm, scope), "Content-Type": "application/json"},
                  head=self.command == "HEAD")
        return False

    def token(self, st):
        q = parse_qs(urlparse(self.path).query)
        log("TOKEN service=%s scope=%s basic=%s" % (q.get("service", [""])[0],
                                                     q.get("scope", [""])[0],
                                                     "Authorization" in self.headers))
        if st.get("endless_token"):
            return self.endless("application/json")
        if st.get("user"):
            want = "Basic " + base64.b64encode(
                ("%s:%s" % (st["user"], st.get("password", ""))).encode()).decode()
            if self.headers.get("Authorization") != want:
                return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
        token = TOKEN
        if st.get("token_uses"):
            token = "tok-" + uuid.uuid4().hex
            with LOCK:
                TOKENS[token] = int(st["token_uses"])
        self.send(200, json.dumps({"token": token, "expires_in": 300}).encode(),
                  {"Content-Type": "application/json"})

    def route(self):
        st = state()
        url = urlparse(self.path)
        log("%s %s auth=%s" % (self.command, url.path, "Authorization" in self.headers))
        if url.path == "/token":
            return self.token(st)
        parts = url.path.split("/")
        if url.path in ("/v2", "/v2/"):
            if not self.authorized(st, False):
                return
            return self.send(200, b"{}")
        push = self.command in ("POST", "PUT", "PATCH", "DELETE")
        if not self.authorized(st, push):
            return
        head = self.command == "HEAD"
        if "blobs" in parts and "uploads" in parts:
            name = "/".join(parts[2:parts.index("blobs")])
            if self.command == "POST":
                self.body()
                uid = uuid.uuid4().hex
                UPLOADS[uid] = b""
                return self.send(202, b"", {"Location": "/v2/%s/blobs/uploads/%s" % (name, uid)})
            if self.command == "PUT":
                uid = parts[-1]
                data = UPLOADS.pop(uid, b"") + self.body()
                digest = parse_qs(url.query).get("digest", [""])[0]
                if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
                    return self.send(400, b'{"errors":[{"code":"DIGEST_INVALID"}]}')
                with LOCK:
                    BLOBS[digest] = data
                return self.send(201, b"", {"Location": "/v2/%s/blobs/%s" % (name, digest)})
        if "blobs" in parts:
            digest = parts[-1]
            if digest in st.get("endless_blobs", []) and not head:
                return self.endless("application/octet-stream")
            data = BLOBS.get(digest)
            if data is None:
                return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}', head=head)
            if digest in st.get("corrupt", []):
                data = bytes([data[0] ^ 1]) + data[1:] if data else b"x"
            return self.send(200, data, {"Content-Type": "application/octet-stream",
                                         "Docker-Content-Digest": digest}, head=head)
        if "manifests" in parts:
            name = "/".join(parts[2:parts.index("manifests")])
            ref = parts[-1]
            if self.command == "PUT":
                data = self.body()
                with LOCK:
                    MANIFESTS[(name, ref)] = data
                    MANIFESTS[(name, "sha256:" + hashlib.sha256(data).hexdigest())] = data
                return self.send(201, b"", {"Docker-Content-Digest":
                                            "sha256:" + hashlib.sha256(data).hexdigest()})
            if st.get("endless_manifest") and not head:
                return self.endless("application/vnd.oci.image.manifest.v1+json")
            if st.get("manifest_file"):
                with open(st["manifest_file"], "rb") as f:
                    data = f.read()
            else:
                data = MANIFESTS.get((name, ref))
            if data is None:
                return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', head=head)
            return self.send(200, data, {"Content-Type": "application/vnd.oci.image.manifest.v1+json",
                                         "Docker-Content-Digest":
                                         "sha256:" + hashlib.sha256(data).hexdigest()}, head=head)
        self.send(404, b"{}", head=head)

    do_GET = do_HEAD = do_POST = do_PUT = route


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_port))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
