"""silt over TLS (--certs-dir DIR with public.crt and private.key, MinIO's layout).

A CA is made at test time with the openssl CLI: root CA -> intermediate CA -> server
certificate for 127.0.0.1 (SAN IP:127.0.0.1, DNS:localhost). public.crt holds the leaf and
the intermediate, clients trust only the root, so chain loading is exercised too.
Real clients over https: aws cli (recent botocore: STREAMING-UNSIGNED-PAYLOAD-TRAILER over
https), boto3 1.26, rclone, openssl s_client, `silt admin`. Then the edges: plain http on the
TLS port, TLS 1.1, ALPN, SIGHUP reload, startup with a bad pair, a silent client.
"""
import base64
import http.client
import os
import pathlib
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time

import boto3
import pytest
from botocore.config import Config

import checksums
from silt_server import SiltServer, bucket_name, free_port, silt_binary

MiB = 1 << 20


def openssl(*args, cwd=None, input=None):
    return subprocess.run(["openssl", *map(str, args)], cwd=cwd, input=input, capture_output=True, text=True,
                          check=True, timeout=60)


def ec_key(path):
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path)


class Pki:
    """A root CA and an intermediate CA in dir; issue() writes a server pair into a certs dir."""

    def __init__(self, d: pathlib.Path):
        self.dir = d
        d.mkdir(parents=True, exist_ok=True)
        self.ca = d / "ca.pem"
        ec_key(d / "ca.key")
        openssl("req", "-x509", "-new", "-key", d / "ca.key", "-out", self.ca, "-days", "2",
                "-subj", "/CN=silt test root CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        ec_key(d / "int.key")
        openssl("req", "-new", "-key", d / "int.key", "-out", d / "int.csr", "-subj", "/CN=silt test intermediate")
        (d / "int.ext").write_text("basicConstraints=critical,CA:TRUE,pathlen:0\n"
                                   "keyUsage=critical,keyCertSign,cRLSign\n")
        openssl("x509", "-req", "-in", d / "int.csr", "-CA", self.ca, "-CAkey", d / "ca.key", "-set_serial", "1",
                "-days", "2", "-extfile", d / "int.ext", "-out", d / "int.pem")
        (d / "leaf.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                                    "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")

    def issue(self, certs: pathlib.Path, serial: int, cn="127.0.0.1"):
        """certs/public.crt (leaf + intermediate) and certs/private.key, each replaced atomically."""
        certs.mkdir(parents=True, exist_ok=True)
        work = self.dir / f"leaf-{serial:x}"
        work.mkdir(exist_ok=True)
        ec_key(work / "private.key")
        openssl("req", "-new", "-key", work / "private.key", "-out", work / "leaf.csr", "-subj", f"/CN={cn}")
        openssl("x509", "-req", "-in", work / "leaf.csr", "-CA", self.dir / "int.pem", "-CAkey",
                self.dir / "int.key", "-set_serial", serial, "-days", "2", "-extfile", self.dir / "leaf.ext",
                "-out", work / "leaf.pem")
        (work / "public.crt").write_text((work / "leaf.pem").read_text() + (self.dir / "int.pem").read_text())
        for name in ("public.crt", "private.key"):
            shutil.copy(work / name, certs / (name + ".new"))
            os.replace(certs / (name + ".new"), certs / name)
        return work


class TlsSilt(SiltServer):
    """SiltServer on https: health checks, boto3, aws cli and rclone trust the test CA."""

    def __init__(self, workdir, pki: Pki, extra=()):
        super().__init__(workdir)
        self.pki = pki
        self.ca = pki.ca
        self.certs = workdir / "certs"
        self.serial = 0x5111
        pki.issue(self.certs, self.serial)
        self.endpoint = f"https://{self.host}"
        self.args = ("--certs-dir", str(self.certs), "--log-level", "debug", *extra)

    def ssl_context(self):
        return ssl.create_default_context(cafile=str(self.ca))

    def https(self, timeout=10, host="127.0.0.1"):
        return http.client.HTTPSConnection(host, self.port, timeout=timeout, context=self.ssl_context())

    def health(self, which="live"):
        try:
            c = self.https(timeout=2)
            c.request("GET", f"/_silt/health/{which}")
            status = c.getresponse().status
            c.close()
            return status
        except (OSError, ssl.SSLError):
            return None

    def boto3(self, **config):
        config.setdefault("connect_timeout", 5)
        config.setdefault("read_timeout", 20)
        cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"},
                     retries={"total_max_attempts": 1}, **config)
        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key, region_name=self.region, config=cfg, verify=str(self.ca))

    def aws_env(self, config_file=None):
        env = dict(os.environ)
        for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN", "AWS_CA_BUNDLE"):
            env.pop(k, None)
        env.update({
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_CONFIG_FILE": str(config_file or self.client_dir / "aws-stock.cfg"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.client_dir / "aws-credentials"),
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_PAGER": "",
        })
        return env

    def aws(self, *args, check=True, timeout=300, config_file=None, cwd=None, stock_transfer=True):
        aws = shutil.which("aws")
        if aws is None:
            raise RuntimeError("aws cli not on PATH (scripts/install-deps.sh --test installs it)")
        return self._run([aws, "--endpoint-url", self.endpoint, "--ca-bundle", str(self.ca), *args],
                         self.aws_env(config_file), check, timeout, cwd=cwd)

    def rclone(self, *args, check=True, timeout=300):
        return super().rclone("--ca-cert", str(self.ca), *args, check=check, timeout=timeout)

    def served_serial(self):
        """The serial of the certificate a new connection is handed, via openssl s_client."""
        p = subprocess.run(["openssl", "s_client", "-connect", self.host, "-CAfile", str(self.ca),
                            "-verify_return_error", "-showcerts"], input="", capture_output=True, text=True,
                           timeout=30)
        assert p.returncode == 0, p.stderr
        leaf = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", p.stdout, re.S).group(0)
        out = openssl("x509", "-noout", "-serial", input=leaf).stdout
        return int(out.strip().split("=")[1], 16)

    def wait_for_log(self, text, timeout=10):
        deadline = time.time() + timeout
        while text not in self.log_since_start():
            assert time.time() < deadline, f"no {text!r} in the log:\n{self.log_tail()}"
            time.sleep(0.05)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def silt(tmp_path_factory, pki):
    server = TlsSilt(tmp_path_factory.mktemp("silt-tls"), pki)
    try:
        server.start()
    except RuntimeError as e:
        server.stop()
        pytest.fail(str(e), pytrace=False)
    yield server
    code = server.stop(timeout=10)
    assert code == 0, f"silt exit code after SIGTERM: {code}\n{server.log_tail()}"


def sent_requests(debug_log: str):
    """(method, url, x-amz-content-sha256) of every request in `aws --debug` output."""
    out = []
    for m in re.finditer(r"Sending http request: <AWSPreparedRequest stream_output=\w+, method=(\w+), "
                         r"url=(\S+), headers=\{(.*?)\}>", debug_log):
        sha = re.search(r"'X-Amz-Content-SHA256': b'([^']*)'", m.group(3))
        out.append((m.group(1), m.group(2), sha.group(1) if sha else None))
    return out


def crc32_b64(path):
    return base64.b64encode(checksums.crc32(path.read_bytes()).to_bytes(4, "big")).decode()


# --- real clients over https --------------------------------------------------------

def test_startup_line_and_health_over_https(silt):
    assert f"listening on https://{silt.host}" in silt.log_since_start()
    assert "TLS certificate from" in silt.log_since_start()
    for which in ("live", "ready"):
        c = silt.https(host="localhost")  # the DNS name in the certificate verifies too
        c.request("GET", f"/_silt/health/{which}")
        r = c.getresponse()
        assert (r.status, r.read()) == (200, b"OK\n")
        c.request("HEAD", f"/_silt/health/{which}")  # same connection: keep-alive over TLS
        assert c.getresponse().status == 200
        c.close()


def test_aws_cli_unsigned_trailer_over_https(silt, rand, tmp_path):
    bucket = bucket_name("awscli-tls")
    silt.aws("s3", "mb", f"s3://{bucket}")
    small = rand(3 * MiB + 17)
    p = silt.aws("--debug", "s3", "cp", str(small), f"s3://{bucket}/small.bin")
    puts = [r for r in sent_requests(p.stderr) if r[0] == "PUT"]
    assert puts, p.stderr[-3000:]
    # The point of this test: over https botocore streams the body as aws-chunked with a
    # CRC32 trailer and no payload signature.
    assert all(sha == "STREAMING-UNSIGNED-PAYLOAD-TRAILER" for _, _, sha in puts), puts
    assert "'X-Amz-Trailer': b'x-amz-checksum-crc32'" in p.stderr

    # The trailer's checksum was checked and stored: HeadObject hands back the client's CRC32.
    head = silt.aws("s3api", "head-object", "--bucket", bucket, "--key", "small.bin", "--checksum-mode", "ENABLED",
                    "--output", "json")
    assert f'"ChecksumCRC32": "{crc32_b64(small)}"' in head.stdout, head.stdout
    down = tmp_path / "small.down"
    silt.aws("s3", "cp", f"s3://{bucket}/small.bin", str(down))
    assert down.read_bytes() == small.read_bytes()

    # Multipart: 5 MiB threshold and parts, set with `aws configure set` in a config of its own.
    cfg = tmp_path / "aws-small-parts.cfg"
    shutil.copy(silt.client_dir / "aws-stock.cfg", cfg)
    env = silt.aws_env(cfg)
    for k, v in (("default.s3.multipart_threshold", "5MB"), ("default.s3.multipart_chunksize", "5MB")):
        subprocess.run(["aws", "configure", "set", k, v], env=env, check=True, capture_output=True, timeout=60)
    big = rand(17 * MiB + 5)
    p = silt.aws("--debug", "s3", "cp", str(big), f"s3://{bucket}/big.bin", config_file=cfg)
    parts = [r for r in sent_requests(p.stderr) if r[0] == "PUT" and "partNumber=" in r[1]]
    assert len(parts) == 4, [r[:2] for r in sent_requests(p.stderr)]
    assert all(sha == "STREAMING-UNSIGNED-PAYLOAD-TRAILER" for _, _, sha in parts), parts
    down = tmp_path / "big.down"
    silt.aws("s3", "cp", f"s3://{bucket}/big.bin", str(down), config_file=cfg)  # ranged GETs
    assert down.read_bytes() == big.read_bytes()

    ls = silt.aws("s3", "ls", f"s3://{bucket}/").stdout
    assert re.search(rf"\s{small.stat().st_size} small\.bin", ls) and re.search(rf"\s{big.stat().st_size} big\.bin",
                                                                                ls), ls
    silt.aws("s3", "rm", f"s3://{bucket}/small.bin")
    silt.aws("s3", "rm", f"s3://{bucket}/big.bin")
    assert silt.aws("s3", "ls", f"s3://{bucket}/", check=False).stdout.strip() == ""
    silt.aws("s3", "rb", f"s3://{bucket}")


def test_boto3_over_https(silt, tmp_path):
    s3 = silt.boto3()
    modes = []
    s3.meta.events.register("before-send.s3", lambda request, **_: modes.append(
        (request.method, request.headers.get("X-Amz-Content-SHA256"))))
    bucket = bucket_name("boto3-tls")
    s3.create_bucket(Bucket=bucket)
    body = os.urandom(2 * MiB + 3)
    modes.clear()
    s3.put_object(Bucket=bucket, Key="one", Body=body)
    # boto3 1.26 over https leaves the payload unsigned (over http it signs its SHA-256).
    assert modes in ([("PUT", b"UNSIGNED-PAYLOAD")], [("PUT", b"STREAMING-UNSIGNED-PAYLOAD-TRAILER")]), modes
    assert s3.get_object(Bucket=bucket, Key="one")["Body"].read() == body

    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(1234)]
    up = s3.create_multipart_upload(Bucket=bucket, Key="multi")["UploadId"]
    etags = [s3.upload_part(Bucket=bucket, Key="multi", UploadId=up, PartNumber=i + 1, Body=p)["ETag"]
             for i, p in enumerate(parts)]
    s3.complete_multipart_upload(Bucket=bucket, Key="multi", UploadId=up, MultipartUpload={
        "Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]})
    got = s3.get_object(Bucket=bucket, Key="multi")
    assert got["ETag"].endswith('-3"')
    assert got["Body"].read() == b"".join(parts)

    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert sorted((o["Key"], o["Size"]) for o in listed) == [("multi", 10 * MiB + 1234), ("one", len(body))]
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "one"}, {"Key": "multi"}]})
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    s3.delete_bucket(Bucket=bucket)


def test_large_bodies_over_one_connection_tls_1_2_and_1_3(silt):
    # Bodies go out as batches of TLS records (server/http/tls_records.h): several batches per
    # body, a range, and the next request on the same connection must all decrypt in order.
    s3 = silt.boto3()
    bucket = bucket_name("batches-tls")
    s3.create_bucket(Bucket=bucket)
    body = os.urandom(3 * MiB + 5)
    s3.put_object(Bucket=bucket, Key="big", Body=body)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "big"}, ExpiresIn=600)
    path = url[url.index("/", len("https://")):]
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        ctx = silt.ssl_context()
        ctx.minimum_version = ctx.maximum_version = version
        c = http.client.HTTPSConnection("127.0.0.1", silt.port, timeout=30, context=ctx)
        c.request("GET", path)
        r = c.getresponse()
        assert (r.status, r.read()) == (200, body)
        assert c.sock.version() == ("TLSv1.2" if version == ssl.TLSVersion.TLSv1_2 else "TLSv1.3")
        c.request("GET", path, headers={"Range": "bytes=1000-2097170"})
        r = c.getresponse()
        assert (r.status, r.read()) == (206, body[1000:2097171])
        c.request("GET", path)
        r = c.getresponse()
        assert (r.status, r.read()) == (200, body)
        c.close()
    # A client that stops reading mid-body and leaves: the server goes on.
    c = http.client.HTTPSConnection("127.0.0.1", silt.port, timeout=30, context=silt.ssl_context())
    c.request("GET", path)
    r = c.getresponse()
    assert r.status == 200 and r.read(100 << 10) == body[:100 << 10]
    c.close()
    assert silt.health("live") == 200
    assert s3.get_object(Bucket=bucket, Key="big")["Body"].read() == body
    s3.delete_object(Bucket=bucket, Key="big")
    s3.delete_bucket(Bucket=bucket)


def test_boto3_refuses_the_server_without_the_ca(silt):
    s3 = boto3.session.Session().client(
        "s3", endpoint_url=silt.endpoint, aws_access_key_id=silt.access_key,
        aws_secret_access_key=silt.secret_key, region_name=silt.region,
        config=Config(retries={"total_max_attempts": 1}), verify=True)
    with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        s3.list_buckets()


def test_rclone_copy_up_and_back(silt, tmp_path):
    src = tmp_path / "src"
    for i, size in enumerate((0, 1, 4096, 3 * MiB + 1)):
        p = src / ("sub" if i % 2 else "") / f"f{i}.bin"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(os.urandom(size))
    bucket = bucket_name("rclone-tls")
    silt.rclone("mkdir", f"other:{bucket}")
    silt.rclone("copy", str(src), f"other:{bucket}/tree")
    silt.rclone("check", str(src), f"other:{bucket}/tree")
    back = tmp_path / "back"
    silt.rclone("copy", f"other:{bucket}/tree", str(back))
    for p in src.rglob("*"):
        if p.is_file():
            assert (back / p.relative_to(src)).read_bytes() == p.read_bytes(), p


def test_silt_admin_over_https(silt):
    names = ("SILT_ROOT_USER", "SILT_ROOT_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "AWS_CA_BUNDLE")
    env = {k: v for k, v in os.environ.items() if k not in names}
    env.update(SILT_ROOT_USER=silt.access_key, SILT_ROOT_PASSWORD=silt.secret_key)
    base = [str(silt_binary()), "admin", "--endpoint", silt.endpoint, "--timeout", "10"]

    def run(*args, env=env, endpoint=None):
        argv = list(base)
        if endpoint:
            argv[3] = endpoint
        return subprocess.run([*argv, *args], capture_output=True, text=True, env=env, timeout=60)

    r = run("--ca-bundle", str(silt.ca), "--json", "usage")
    assert r.returncode == 0 and '"buckets"' in r.stdout, r.stderr
    r = run("--json", "usage", env={**env, "AWS_CA_BUNDLE": str(silt.ca)})
    assert r.returncode == 0, r.stderr
    r = run("--ca-bundle", str(silt.ca), "--json", "usage", endpoint=f"https://localhost:{silt.port}")
    assert r.returncode == 0, r.stderr
    r = run("usage")  # the system's CAs do not know the test CA
    assert r.returncode == 1 and "certificate verify failed" in r.stderr and "--ca-bundle" in r.stderr, r.stderr
    r = run("--insecure", "--json", "usage")
    assert r.returncode == 0, r.stderr


# --- the edges ----------------------------------------------------------------------

def test_plain_http_on_the_tls_port_is_closed_and_the_server_goes_on(silt):
    with socket.create_connection(("127.0.0.1", silt.port), timeout=10) as s:
        s.sendall(b"GET /_silt/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            data = s.recv(4096)
        except ConnectionResetError:
            data = b""
        # No HTTP answer: whatever comes is a TLS alert record (type 21), never "HTTP/1.1 ...".
        assert not data.startswith(b"HTTP"), data
        assert data == b"" or data[0] == 21, data
    # Garbage that is not even HTTP, and a connection that closes mid-handshake.
    with socket.create_connection(("127.0.0.1", silt.port), timeout=10) as s:
        s.sendall(os.urandom(512))
    with socket.create_connection(("127.0.0.1", silt.port), timeout=10) as s:
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
    silt.wait_for_log("TLS handshake with 127.0.0.1:")
    assert silt.alive()
    assert silt.health("live") == 200


def s_client(silt, *args):
    return subprocess.run(["openssl", "s_client", "-connect", silt.host, "-CAfile", str(silt.ca),
                           "-verify_return_error", *args], input="", capture_output=True, text=True, timeout=30)


def test_tls_1_1_is_refused_1_2_and_1_3_are_accepted(silt):
    # SECLEVEL=0 lets this client offer TLS 1.1 at all: the refusal below is the server's alert.
    old = s_client(silt, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
    assert old.returncode != 0
    assert "alert protocol version" in old.stdout + old.stderr, old.stdout + old.stderr
    for flag, name in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
        p = s_client(silt, flag, "-brief")
        assert p.returncode == 0, p.stderr
        assert f"Protocol version: {name}" in p.stderr and "Verification: OK" in p.stderr, p.stderr
    py = ssl.create_default_context(cafile=str(silt.ca))
    py.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection(("127.0.0.1", silt.port), timeout=10) as raw:
        with py.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            assert tls.version() == "TLSv1.2"


def test_alpn_answers_http_1_1(silt):
    p = s_client(silt, "-alpn", "http/1.1")
    assert p.returncode == 0 and "ALPN protocol: http/1.1" in p.stdout, p.stdout
    p = s_client(silt, "-alpn", "h2,http/1.1")
    assert "ALPN protocol: http/1.1" in p.stdout, p.stdout
    # h2 alone: no ALPN answer rather than a fatal alert; the client may still speak HTTP/1.1.
    p = s_client(silt, "-alpn", "h2")
    assert p.returncode == 0 and "No ALPN negotiated" in p.stdout, p.stdout


def peer_serial(conn):
    return int(conn.sock.getpeercert()["serialNumber"], 16)


def test_sighup_reloads_the_certificate(silt, pki):
    first = silt.served_serial()
    before = silt.https()
    before.request("GET", "/_silt/health/live")
    assert before.getresponse().read() == b"OK\n"
    assert peer_serial(before) == first

    second = first + 0x100
    pki.issue(silt.certs, second, cn="localhost")
    silt.proc.send_signal(signal.SIGHUP)
    silt.wait_for_log(f"serial {second:X}")
    assert silt.served_serial() == second
    # The connection opened before keeps its session, its certificate and its keep-alive.
    before.request("GET", "/_silt/health/ready")
    assert before.getresponse().read() == b"OK\n"
    assert peer_serial(before) == first
    s3 = silt.boto3()
    assert "Buckets" in s3.list_buckets()

    # A key that does not belong to the certificate: logged, and the second pair stays.
    ec_key(silt.certs / "private.key.new")
    os.replace(silt.certs / "private.key.new", silt.certs / "private.key")
    silt.proc.send_signal(signal.SIGHUP)
    silt.wait_for_log("still serving the previous certificate")
    assert "does not belong to the certificate" in silt.log_since_start()
    assert silt.served_serial() == second
    assert "Buckets" in silt.boto3().list_buckets()
    before.request("GET", "/_silt/health/live")
    assert before.getresponse().status == 200
    before.close()

    # Back to a good pair for whatever runs after.
    silt.serial = second + 1
    pki.issue(silt.certs, silt.serial)
    silt.proc.send_signal(signal.SIGHUP)
    silt.wait_for_log(f"serial {silt.serial:X}")
    assert silt.served_serial() == silt.serial


# --- startup ------------------------------------------------------------------------

def start_silt(tmp_path, certs, *extra):
    return subprocess.run([str(silt_binary()), "server", "--data", str(tmp_path / "data"), "--address",
                           f"127.0.0.1:{free_port()}", "--certs-dir", str(certs), *extra],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "SILT_CERTS_DIR": ""})


def test_startup_with_a_bad_pair_fails_with_a_message(tmp_path, pki):
    good = tmp_path / "good"
    pki.issue(good, 0x7001)

    missing = tmp_path / "missing"
    missing.mkdir()
    shutil.copy(good / "public.crt", missing / "public.crt")
    r = start_silt(tmp_path, missing)
    assert r.returncode == 2 and f"{missing}/private.key is missing" in r.stdout + r.stderr, r.stdout + r.stderr

    mismatched = tmp_path / "mismatched"
    mismatched.mkdir()
    shutil.copy(good / "public.crt", mismatched / "public.crt")
    ec_key(mismatched / "private.key")
    r = start_silt(tmp_path, mismatched)
    assert r.returncode == 2 and "does not belong to the certificate" in r.stdout + r.stderr, r.stdout + r.stderr

    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "public.crt").write_text("not a certificate\n")
    shutil.copy(good / "private.key", garbage / "private.key")
    r = start_silt(tmp_path, garbage)
    assert r.returncode == 2 and "cannot load the certificate chain" in r.stdout + r.stderr, r.stdout + r.stderr

    encrypted = tmp_path / "encrypted"
    encrypted.mkdir()
    shutil.copy(good / "public.crt", encrypted / "public.crt")
    openssl("pkey", "-in", good / "private.key", "-aes256", "-passout", "pass:secret", "-out",
            encrypted / "private.key")
    r = start_silt(tmp_path, encrypted)
    assert r.returncode == 2 and "encrypted" in r.stdout + r.stderr, r.stdout + r.stderr


def test_silent_client_is_cut_off_by_the_idle_timeout(tmp_path, pki):
    server = TlsSilt(tmp_path / "idle", pki, extra=("--idle-timeout", "1"))
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            started = time.time()
            assert s.recv(1) == b""  # never sent a ClientHello: closed, not held
            assert time.time() - started < 5
        assert server.health("live") == 200
    finally:
        assert server.stop() == 0


def run_until_listening(tmp_path, env, timeout=30):
    """Starts `silt server` without --certs-dir in env; returns (proc, the 'listening on' URL)."""
    log = open(tmp_path / "silt.log", "wb")
    proc = subprocess.Popen([str(silt_binary()), "server", "--data", str(tmp_path / "data"), "--address",
                             f"127.0.0.1:{free_port()}"], stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = re.search(r"listening on (\S+)", (tmp_path / "silt.log").read_text())
        if m:
            return proc, m.group(1)
        assert proc.poll() is None, (tmp_path / "silt.log").read_text()
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("no 'listening on' line:\n" + (tmp_path / "silt.log").read_text())


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


@pytest.mark.parametrize("where", ["SILT_CERTS_DIR", "minio-home", "minio-home-half", "SILT_CERTS_DIR-empty"])
def test_where_the_certificates_come_from(tmp_path, pki, where):
    env = {k: v for k, v in os.environ.items() if k != "SILT_CERTS_DIR"}
    home = tmp_path / "home"
    minio = home / ".minio" / "certs"
    env["HOME"] = str(home)
    if where == "SILT_CERTS_DIR":
        pki.issue(tmp_path / "certs", 0x7101)
        env["SILT_CERTS_DIR"] = str(tmp_path / "certs")
    else:
        pki.issue(minio, 0x7102)
        if where == "minio-home-half":
            (minio / "private.key").unlink()  # MinIO's dir is taken only with both files
        if where == "SILT_CERTS_DIR-empty":
            env["SILT_CERTS_DIR"] = ""  # set but empty: plain http even with MinIO's dir in place
    proc, url = run_until_listening(tmp_path, env)
    try:
        tls = where in ("SILT_CERTS_DIR", "minio-home")
        assert url.startswith("https://" if tls else "http://"), url
        host, port = url.split("//")[1].split(":")
        if tls:
            c = http.client.HTTPSConnection(host, int(port), timeout=10,
                                            context=ssl.create_default_context(cafile=str(pki.ca)))
        else:
            c = http.client.HTTPConnection(host, int(port), timeout=10)
        c.request("GET", "/_silt/health/live")
        assert c.getresponse().status == 200
        c.close()
        if where == "minio-home":
            assert "MinIO's default certificate directory" in (tmp_path / "silt.log").read_text()
    finally:
        stop(proc)
