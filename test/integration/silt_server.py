"""A real silt process for the integration tests, plus the real clients
(boto3, aws cli, rclone, s3cmd) already pointed at it.

Nothing here fakes the server: each test module starts build/silt (or
$SILT_BIN) on 127.0.0.1 with a free port and a fresh data directory.
"""
import contextlib
import hashlib
import http.client
import os
import pathlib
import re
import shutil
import signal
import socket
import stat
import subprocess
import threading
import time

import boto3
from botocore.config import Config

import s3raw

REPO = pathlib.Path(__file__).resolve().parents[2]
ACCESS_KEY = "silt-test-user"
SECRET_KEY = "silt-test-secret-0123456789"
REGION = "us-east-1"

# aws cli v1 presigns with SigV2 unless told s3v4. Stock transfer settings otherwise:
# uploads above 8 MiB go multipart in 8 MiB parts, downloads above 8 MiB become ranged
# GETs with If-Match.
AWS_CONFIG_STOCK = """[default]
region = us-east-1
s3 =
  addressing_style = path
  signature_version = s3v4
"""


def silt_binary() -> pathlib.Path:
    return pathlib.Path(os.environ.get("SILT_BIN") or REPO / "build" / "silt")


_session = None
_session_lock = threading.Lock()


def s3_client(**kwargs):
    """boto3.session.Session().client("s3", **kwargs), made from one session shared by the run: a
    new session loads botocore's S3 model and endpoint rules again, ~0.6 s of CPU per client on
    the 2-core CI box, against ~0.08 s from a loaded one. The clients share nothing else (each
    has its own config, credentials, event hooks and connections); a session is not
    thread-safe, hence the lock."""
    global _session
    with _session_lock:
        if _session is None:
            _session = boto3.session.Session()
        return _session.client("s3", **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SiltServer:
    def __init__(self, workdir: pathlib.Path, env_credentials=True):
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.log_path = workdir / "silt.log"
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.endpoint = f"http://{self.host}"
        self.env_credentials = env_credentials
        self.access_key = ACCESS_KEY if env_credentials else "siltadmin"
        self.secret_key = SECRET_KEY if env_credentials else "siltadmin-secret"
        self.region = REGION
        self.proc = None
        self.args = ()  # extra `silt server` arguments of every start without its own
        self._write_client_configs()

    # --- process -------------------------------------------------------------
    def start(self, extra_args=None, timeout=30):
        binary = silt_binary()
        if not binary.exists():
            raise RuntimeError(f"silt binary not found at {binary}: build with `ninja -C build` "
                               "or set SILT_BIN")
        env = dict(os.environ)
        env.pop("SILT_ROOT_USER", None)
        env.pop("SILT_ROOT_PASSWORD", None)
        # Plain http unless --certs-dir says otherwise: never a developer's ~/.minio/certs.
        env["SILT_CERTS_DIR"] = ""
        if self.env_credentials:
            env["SILT_ROOT_USER"] = self.access_key
            env["SILT_ROOT_PASSWORD"] = self.secret_key
        self._log = open(self.log_path, "ab")
        self._log_offset = self.log_path.stat().st_size
        self.proc = subprocess.Popen(
            [str(binary), "server", "--data", str(self.data_dir), "--address", self.host,
             *(self.args if extra_args is None else extra_args)],
            stdout=self._log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"silt exited with {self.proc.returncode} during start:\n"
                                   + self.log_tail())
            if self.health("ready") == 200:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("silt did not become ready in time:\n" + self.log_tail())
        # The contract: a 'listening on http://127.0.0.1:PORT' line once ready.
        deadline = time.time() + 5
        while f"listening on {self.endpoint}" not in self.log_since_start():
            if time.time() > deadline:
                raise RuntimeError("no 'listening on' line in the log:\n" + self.log_tail())
            time.sleep(0.05)

    def stop(self, timeout=10):
        """SIGTERM and wait; returns the exit code (None if it had to be killed)."""
        if self.proc is None or self.proc.poll() is not None:
            code = None if self.proc is None else self.proc.returncode
            self.proc = None
            return code
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = None
        self.proc = None
        self._log.close()
        return code

    def restart(self):
        code = self.stop()
        assert code == 0, f"silt exit code on SIGTERM: {code}\n{self.log_tail()}"
        self.start()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def health(self, which="live"):
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            c.request("GET", f"/_silt/health/{which}")
            status = c.getresponse().status
            c.close()
            return status
        except OSError:
            return None

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_since_start(self):
        with open(self.log_path, "rb") as f:
            f.seek(self._log_offset)
            return f.read().decode(errors="replace")

    def log_tail(self, n=40):
        return "\n".join(self.log_text().splitlines()[-n:])

    def drives(self):
        return [self.data_dir / f"drive-{i}" for i in range(1, 7)]

    def drive_usage(self):
        """(files, bytes) stored under the drive folders (the index excluded)."""
        files = size = 0
        for d in self.drives():
            # os.walk skips a directory that vanishes under it (rglob raises).
            for root, _, names in os.walk(d):
                for name in names:
                    try:
                        st = os.stat(os.path.join(root, name))
                    except FileNotFoundError:  # silt's trash remover got there first
                        continue
                    if stat.S_ISREG(st.st_mode):
                        files += 1
                        size += st.st_size
        return files, size

    def settled_drive_usage(self, timeout=30):
        """drive_usage() once two readings half a second apart agree: data an earlier
        request replaced or deleted is freed in the background, after its answer."""
        deadline = time.time() + timeout
        last = self.drive_usage()
        while time.time() < deadline:
            time.sleep(0.5)
            now = self.drive_usage()
            if now == last:
                return now
            last = now
        raise RuntimeError("drive usage still changing after %d s" % timeout)

    def request(self, method, bucket="", key="", params=(), headers=None, body=b"",
                payload_hash=None, timeout=30, streaming_chunk=None):
        """One SigV4-signed request on a fresh raw connection -> s3raw.Response.
        params: decoded (name, value) pairs, value None for a bare flag (?uploads).
        streaming_chunk: send body as signed aws-chunked (STREAMING-AWS4-HMAC-SHA256-PAYLOAD,
        what the Java SDK sends over http) in chunks of that size."""
        path = s3raw.key_path(bucket, key) if bucket else "/"
        params = list(params)
        signer = self.signer()
        headers = dict(headers or {})
        if streaming_chunk:
            headers.setdefault("Content-Encoding", "aws-chunked")
            headers["x-amz-decoded-content-length"] = str(len(body))
            payload_hash = s3raw.STREAMING_SIGNED
        h = signer.sign(method, path, params, headers,
                        payload_hash or hashlib.sha256(body).hexdigest())
        if streaming_chunk:
            body = s3raw.aws_chunked(body, streaming_chunk, signing=signer.last)
        if body or method in ("PUT", "POST"):
            h["Content-Length"] = str(len(body))
        target = path + ("?" + s3raw.encode_query(params) if params else "")
        conn = self.raw(timeout=timeout)
        try:
            return conn.request(method, target, h, body)
        finally:
            conn.close()

    # --- clients -------------------------------------------------------------
    def boto3(self, **config):
        """A boto3 S3 client (Debian boto3 1.26: Content-MD5 era). No retries, so a
        flaky answer from silt shows up as a failure instead of being retried away."""
        config.setdefault("connect_timeout", 5)
        config.setdefault("read_timeout", 20)  # a hung request fails fast instead of in 60 s
        cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"},
                     retries={"total_max_attempts": 1}, **config)
        return s3_client(
            endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key, region_name=self.region, config=cfg)

    def signer(self):
        return s3raw.Signer(self.access_key, self.secret_key, self.region, self.host)

    def raw(self, timeout=30, source=None):
        return s3raw.RawConnection("127.0.0.1", self.port, timeout=timeout, source=source)

    def _write_client_configs(self):
        cfg = self.workdir / "clients"
        cfg.mkdir(parents=True, exist_ok=True)
        (cfg / "aws-stock.cfg").write_text(AWS_CONFIG_STOCK)
        (cfg / "aws-credentials").write_text("")
        (cfg / "rclone.conf").write_text("")
        (cfg / "s3cmd.cfg").write_text(
            "[default]\n"
            f"access_key = {self.access_key}\n"
            f"secret_key = {self.secret_key}\n"
            f"host_base = {self.host}\n"
            f"host_bucket = {self.host}\n"
            "bucket_location = us-east-1\n"
            "use_https = False\n"
            "signature_v2 = False\n"
            "check_ssl_certificate = False\n"
            "progress_meter = False\n")
        self.client_dir = cfg

    def _run(self, argv, env, check, timeout, input=None, cwd=None):
        p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout,
                           input=input, cwd=cwd)
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(map(str, argv))} exited {p.returncode}\n"
                                 f"stdout: {p.stdout[-3000:]}\nstderr: {p.stderr[-3000:]}")
        return p

    def aws(self, *args, check=True, timeout=300, cwd=None, stock_transfer=True, cli=None):
        """aws cli against silt, with stock transfer settings: the one on PATH (here v1.45,
        botocore 1.43: CRC32 checksum era), or the executable `cli` (Debian's v2 is
        /usr/bin/aws). stock_transfer is accepted for callers written while the
        single-PUT config existed; every call now uses the stock config."""
        aws = cli or shutil.which("aws")
        if aws is None or not os.access(aws, os.X_OK):
            raise RuntimeError(f"aws cli {cli or 'on PATH'} missing (scripts/install-deps.sh --test installs it)")
        env = dict(os.environ)
        env.update({
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_CONFIG_FILE": str(self.client_dir / "aws-stock.cfg"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.client_dir / "aws-credentials"),
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_PAGER": "",
        })
        for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
            env.pop(k, None)
        return self._run([aws, "--endpoint-url", self.endpoint, *args], env, check, timeout,
                         cwd=cwd)

    def rclone(self, *args, check=True, timeout=300):
        """rclone with two remotes on silt: `other:` (provider Other) and `minio:`
        (provider Minio), stock transfer settings (multipart above 200 MiB)."""
        env = dict(os.environ)
        env.pop("AWS_CA_BUNDLE", None)
        env["RCLONE_CONFIG"] = str(self.client_dir / "rclone.conf")
        for name, provider in (("OTHER", "Other"), ("MINIO", "Minio")):
            env.update({
                f"RCLONE_CONFIG_{name}_TYPE": "s3",
                f"RCLONE_CONFIG_{name}_PROVIDER": provider,
                f"RCLONE_CONFIG_{name}_ENDPOINT": self.endpoint,
                f"RCLONE_CONFIG_{name}_ACCESS_KEY_ID": self.access_key,
                f"RCLONE_CONFIG_{name}_SECRET_ACCESS_KEY": self.secret_key,
            })
        return self._run(["rclone", "--retries", "1", "--low-level-retries", "1", *args],
                         env, check, timeout)

    def admin_command(self, *args, user=None, password=None, env_extra=None):
        """(argv, env) of `silt admin --endpoint <this server> ARGS`, signing as the root user
        (or user/password, or only the variables in env_extra)."""
        names = ("SILT_ROOT_USER", "SILT_ROOT_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD")
        env = {k: v for k, v in os.environ.items() if k not in names}
        if env_extra is None:
            env["SILT_ROOT_USER"] = user or self.access_key
            env["SILT_ROOT_PASSWORD"] = password or self.secret_key
        else:
            env.update(env_extra)
        return [str(silt_binary()), "admin", "--endpoint", self.endpoint, *args], env

    def admin(self, *args, timeout=120, input=None, **who):
        """Runs `silt admin ...` (see admin_command) and returns the CompletedProcess.
        input: text for its standard input (`user add NAME --secret-stdin`)."""
        argv, env = self.admin_command(*args, **who)
        return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout, input=input)

    def s3cmd(self, *args, check=True, timeout=300):
        """s3cmd 2.3 with a generated config (path style, SigV4, http)."""
        return self._run(["s3cmd", "-c", str(self.client_dir / "s3cmd.cfg"), *args],
                         dict(os.environ), check, timeout)


@contextlib.contextmanager
def extra_headers(client, headers, operation="*"):
    """Adds headers to a boto3 client's requests (before signing, so they are
    signed) while the block runs: for parameters the Debian boto3 1.26 does not
    know yet, e.g. If-None-Match on PutObject."""
    def add(request, **_):
        for k, v in headers.items():
            request.headers[k] = v
    event = "before-sign.s3" if operation == "*" else f"before-sign.s3.{operation}"
    client.meta.events.register(event, add)
    try:
        yield client
    finally:
        client.meta.events.unregister(event, add)


def bucket_name(hint: str) -> str:
    base = re.sub(r"[^a-z0-9-]+", "-", hint.lower()).strip("-")[:40].strip("-") or "b"
    return f"{base}-{os.urandom(3).hex()}"
