"""Raw S3 requests with exact bytes on the wire.

A small SigV4 signer (header and query auth), the aws-chunked body encoder for
the STREAMING-* payload modes, and a bare HTTP/1.1 connection over a socket, so
tests can send what no SDK lets them send: skewed dates, bad signatures,
hand-built chunk signatures and trailers, Expect: 100-continue,
Transfer-Encoding: chunked, or a connection dropped mid-body.

test_s3raw_selfcheck in test_payload_modes.py checks this signer against
botocore's, so a failure against silt is silt's.
"""
import datetime
import hashlib
import hmac
import socket
import urllib.parse

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"


def uri_encode(s: str, safe: str = "") -> str:
    """RFC 3986 encoding as SigV4 wants it: only A-Za-z0-9-_.~ (plus safe) stay."""
    return urllib.parse.quote(s, safe="-_.~" + safe)


def key_path(bucket: str, key: str = "") -> str:
    """Path-style request path for bucket/key, encoded the way botocore does."""
    path = "/" + uri_encode(bucket)
    if key:
        path += "/" + uri_encode(key, safe="/")
    return path


def encode_query(params) -> str:
    """params: list of (name, value) pairs, decoded; value None means a bare flag (?delete)."""
    parts = []
    for k, v in params:
        parts.append(uri_encode(k) if v is None else uri_encode(k) + "=" + uri_encode(v))
    return "&".join(parts)


def canonical_query(params) -> str:
    enc = sorted((uri_encode(k), uri_encode(v or "")) for k, v in params)
    return "&".join(k + "=" + v for k, v in enc)


def amz_date(when: datetime.datetime) -> str:
    return when.strftime("%Y%m%dT%H%M%SZ")


def signing_key(secret: str, date: str, region: str, service: str = "s3") -> bytes:
    k = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def _hmac_hex(key: bytes, msg: str) -> str:
    return hmac.new(key, msg.encode(), hashlib.sha256).hexdigest()


class Signer:
    def __init__(self, access_key, secret_key, region="us-east-1", host="127.0.0.1"):
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.host = host  # value of the Host header, with port

    def _canonical_request(self, method, path, params, headers, signed, payload_hash):
        lower = {}
        for k, v in headers.items():
            lower.setdefault(k.lower(), []).append(" ".join(str(v).split()))
        canon_headers = "".join(f"{h}:{','.join(lower[h])}\n" for h in signed)
        return "\n".join([method, path, canonical_query(params), canon_headers,
                          ";".join(signed), payload_hash])

    def sign(self, method, path, params=(), headers=None, payload_hash=EMPTY_SHA256,
             when=None, secret=None, access_key=None, region=None):
        """Returns a new header dict with Host, x-amz-date, x-amz-content-sha256 and
        Authorization added. path must be already encoded (it is used verbatim)."""
        when = when or datetime.datetime.utcnow()
        region = region or self.region
        headers = dict(headers or {})
        headers.setdefault("Host", self.host)
        headers["x-amz-date"] = amz_date(when)
        headers["x-amz-content-sha256"] = payload_hash
        skip = {"authorization", "user-agent", "expect", "transfer-encoding", "connection"}
        signed = sorted({k.lower() for k in headers if k.lower() not in skip})
        creq = self._canonical_request(method, path, list(params), headers, signed, payload_hash)
        date = headers["x-amz-date"][:8]
        scope = f"{date}/{region}/s3/aws4_request"
        sts = "\n".join(["AWS4-HMAC-SHA256", headers["x-amz-date"], scope,
                         hashlib.sha256(creq.encode()).hexdigest()])
        key = signing_key(secret or self.secret_key, date, region)
        sig = _hmac_hex(key, sts)
        headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={access_key or self.access_key}/{scope}, "
            f"SignedHeaders={';'.join(signed)}, Signature={sig}")
        # What the aws-chunked encoder needs to chain chunk signatures.
        self.last = {"key": key, "seed": sig, "date": headers["x-amz-date"], "scope": scope}
        return headers

    def presign(self, method, path, params=(), expires=3600, when=None):
        """Returns the full query string (encoded) of a presigned URL for path."""
        when = when or datetime.datetime.utcnow()
        date = amz_date(when)
        scope = f"{date[:8]}/{self.region}/s3/aws4_request"
        q = list(params) + [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", f"{self.access_key}/{scope}"),
            ("X-Amz-Date", date),
            ("X-Amz-Expires", str(expires)),
            ("X-Amz-SignedHeaders", "host"),
        ]
        creq = self._canonical_request(method, path, q, {"host": self.host}, ["host"], UNSIGNED)
        sts = "\n".join(["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(creq.encode()).hexdigest()])
        sig = _hmac_hex(signing_key(self.secret_key, date[:8], self.region), sts)
        return encode_query(q + [("X-Amz-Signature", sig)])


def aws_chunked(data: bytes, chunk_size: int, signing=None, trailers=None,
                corrupt_chunk: int = -1, corrupt_trailer_sig: bool = False) -> bytes:
    """Encodes data as an aws-chunked body.

    signing: Signer.last (signed modes) or None (unsigned). trailers: list of
    (name, value) sent after the final chunk. corrupt_chunk: index of a chunk
    whose signature is deliberately wrong."""
    out = bytearray()
    prev = signing["seed"] if signing else None
    chunks = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)] + [b""]
    for i, chunk in enumerate(chunks):
        if signing:
            sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", signing["date"], signing["scope"], prev,
                             EMPTY_SHA256, hashlib.sha256(chunk).hexdigest()])
            sig = _hmac_hex(signing["key"], sts)
            prev = sig
            if i == corrupt_chunk:
                sig = ("0" if sig[0] != "0" else "1") + sig[1:]
            out += f"{len(chunk):x};chunk-signature={sig}\r\n".encode()
        else:
            out += f"{len(chunk):x}\r\n".encode()
        if chunk:
            out += chunk + b"\r\n"
    if trailers:
        canon = "".join(f"{k}:{v}\n" for k, v in trailers)
        out += canon.replace("\n", "\r\n").encode()
        if signing:
            sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", signing["date"], signing["scope"], prev,
                             hashlib.sha256(canon.encode()).hexdigest()])
            sig = _hmac_hex(signing["key"], sts)
            if corrupt_trailer_sig:
                sig = ("0" if sig[0] != "0" else "1") + sig[1:]
            out += f"x-amz-trailer-signature:{sig}\r\n".encode()
    out += b"\r\n"
    return bytes(out)


def te_chunked(data: bytes, chunk_size: int) -> bytes:
    """HTTP/1.1 Transfer-Encoding: chunked framing."""
    out = bytearray()
    for i in range(0, len(data), chunk_size):
        piece = data[i:i + chunk_size]
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    return bytes(out + b"0\r\n\r\n")


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # lowercased name -> value (last wins)
        self.body = body

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def error_code(self):
        import xml.etree.ElementTree as ET
        root = ET.fromstring(self.body)
        assert root.tag == "Error", self.text
        return root.findtext("Code")

    def __repr__(self):
        return f"<Response {self.status} {self.text[:300]!r}>"


class RawConnection:
    """One keep-alive HTTP/1.1 connection; requests are written byte for byte."""

    def __init__(self, host, port, timeout=30, source=None):
        """source: the local address to connect from (e.g. "127.0.0.2": all of 127/8 is loopback)."""
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data: bytes):
        self.sock.sendall(data)

    def send_head(self, method, target, headers):
        lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode())

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_head(self):
        status_line = self._line().decode("latin-1")
        _, status, *reason = status_line.split(" ", 2)
        headers = {}
        while True:
            line = self._line()
            if not line:
                break
            k, v = line.decode("latin-1").split(":", 1)
            headers[k.strip().lower()] = v.strip()
        return int(status), (reason[0] if reason else ""), headers

    def read_response(self, method="GET", skip_continue=True):
        while True:
            status, reason, headers = self.read_head()
            if status == 100 and skip_continue:
                continue
            break
        body = b""
        if method == "HEAD" or status in (100, 204, 304):
            pass
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._exact(size)
                self._exact(2)
        elif "content-length" in headers:
            body = self._exact(int(headers["content-length"]))
        else:  # read to close
            try:
                while True:
                    self._fill()
            except ConnectionError:
                pass
            body, self.buf = self.buf, b""
        return Response(status, reason, headers, body)

    def request(self, method, target, headers, body=b""):
        self.send_head(method, target, headers)
        if body:
            self.send(body)
        return self.read_response(method)
