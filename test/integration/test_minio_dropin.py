"""silt as a drop-in for MinIO's image (docs/migrate-from-minio.md).

docker/examples/minio-compose.yml is a typical MinIO compose file, silt-compose.yml the
same with only `image:` changed. test_docker.py runs both files on a real Docker engine; this
module checks the same service in detail without one (fast, and with raw access to the
process), so:
  - `docker-compose config -q` validates both files;
  - the silt service of the AFTER file, as `docker-compose config` resolves it, is run
    as a real silt process with exactly its `command:` and `environment:`, plus the
    image's ENTRYPOINT (docker/entrypoint.sh, told where the binary is) and ENV from
    docker/Dockerfile. Replaced, and only these: the volume's container path (/data) by an
    empty root-owned temp dir when the tests run as root (a bind mount as Docker makes one),
    and the image's
    SILT_ADDRESS=0.0.0.0:9000 by 127.0.0.1:<free port> (tests listen on loopback only;
    the 0.0.0.0 default itself is checked by reading the Dockerfile);
  - its `healthcheck:` runs as written, with localhost:9000 pointed at that port;
  - the npm `minio` client drives it with the compose file's MINIO_ROOT_USER pair.
Then the health probes (cluster answers 503 once drives beyond write quorum go offline),
the reserved bucket name `minio`, SILT_BUCKETS, MinIO's drive arguments (several folders,
{1...4}, MINIO_VOLUMES) and the credential variables, each on a real silt.
"""
import http.client
import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

import pytest
import yaml
from botocore.config import Config
from botocore.exceptions import ClientError

from silt_server import REPO, bucket_name, free_port, s3_client, silt_binary
from s3assert import wait_for

EXAMPLES = REPO / "docker" / "examples"
BEFORE = EXAMPLES / "minio-compose.yml"
AFTER = EXAMPLES / "silt-compose.yml"
DOCKERFILE = REPO / "docker" / "Dockerfile"
ENTRYPOINT = REPO / "docker" / "entrypoint.sh"
NODE_DIR = pathlib.Path(__file__).resolve().parent / "node"
CRED_VARS = ("SILT_ROOT_USER", "SILT_ROOT_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD",
             "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "MINIO_VOLUMES", "SILT_BUCKETS", "SILT_ADDRESS")


def docker_compose():
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.skip("docker-compose not installed (scripts/install-deps.sh --test)")
    return exe


def compose_config(path):
    """The compose file as docker-compose resolves it (defaults of ${VAR:-x} filled in),
    with none of the variables it reads taken from this environment."""
    env = {k: v for k, v in os.environ.items() if k not in CRED_VARS}
    p = subprocess.run([docker_compose(), "-f", str(path), "config"], capture_output=True, text=True,
                       env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    return yaml.safe_load(p.stdout)


def dockerfile_runtime():
    """ENTRYPOINT (list) and ENV (dict) of the Dockerfile's last stage."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    last = text[text.rindex("\nFROM "):]
    entrypoint = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", last, re.M).group(1))
    env = dict(re.findall(r"^ENV (\w+)=(\S+)$", last, re.M))
    return entrypoint, env, last


class Silt:
    """One silt process with a given argv and environment (nothing added but what the
    caller passes), waited for on /minio/health/live."""

    def __init__(self, workdir, argv, env, port):
        self.workdir, self.argv, self.env, self.port = workdir, argv, env, port
        self.endpoint = f"http://127.0.0.1:{port}"
        self.log_path = workdir / f"silt-{port}.log"
        self.proc = None

    def start(self, timeout=30):
        self._offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, stdout=self._log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"silt exited {self.proc.returncode}:\n{self.log()}")
            if self.probe("GET", "/minio/health/live")[0] == 200:
                return self
            time.sleep(0.1)
        raise AssertionError("silt did not answer /minio/health/live:\n" + self.log())

    def stop(self):
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=20)
        self.proc = None
        self._log.close()
        return code

    def log(self):
        with open(self.log_path, "rb") as f:
            f.seek(self._offset)
            return f.read().decode(errors="replace")

    def probe(self, method, path):
        """(status, headers as a lowercase dict, body) of an unsigned request."""
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            c.request(method, path)
            r = c.getresponse()
            out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
            c.close()
            return out
        except OSError:
            return (None, {}, b"")

    def s3(self, access_key, secret_key):
        cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"},
                     retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=20)
        return s3_client(endpoint_url=self.endpoint, aws_access_key_id=access_key,
                         aws_secret_access_key=secret_key, region_name="us-east-1", config=cfg)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in CRED_VARS and not k.startswith("AWS_")}
    env.update(extra)
    return env


def run_silt(tmp_path, args, port=None, **env):
    """A silt started as `silt server ARGS` on 127.0.0.1 (SILT_ADDRESS) with env."""
    port = port or free_port()
    env.setdefault("SILT_ADDRESS", f"127.0.0.1:{port}")
    return Silt(tmp_path, [str(silt_binary()), *args], clean_env(**env), port).start()


def run_refused(args, **env):
    """silt server ARGS that must refuse to start: (exit code, its output)."""
    p = subprocess.run([str(silt_binary()), *args], capture_output=True, text=True, env=clean_env(**env),
                       timeout=30)
    return p.returncode, p.stdout + p.stderr



# --- the compose files -------------------------------------------------------------

def test_both_compose_files_are_valid():
    for path in (BEFORE, AFTER):
        p = subprocess.run([docker_compose(), "-f", str(path), "config", "-q"], capture_output=True,
                           text=True, env=clean_env(), timeout=60)
        assert p.returncode == 0, f"{path}: {p.stderr}"


def test_after_differs_from_before_only_in_the_image_line():
    def body(path):
        return [line for line in path.read_text().splitlines() if not line.startswith("#")]
    before, after = body(BEFORE), body(AFTER)
    assert len(before) == len(after)
    diff = [(b, a) for b, a in zip(before, after) if b != a]
    assert diff == [("    image: minio/minio:latest", "    image: silt:latest")]


def test_the_image_listens_on_all_interfaces_whatever_the_command_and_keeps_curl():
    entrypoint, env, last = dockerfile_runtime()
    assert entrypoint == ["/usr/local/bin/docker-entrypoint.sh"]
    assert "COPY docker/entrypoint.sh /usr/local/bin/docker-entrypoint.sh" in last
    # A compose `command:` replaces CMD, so the address must not live there.
    assert env.get("SILT_ADDRESS") == "0.0.0.0:9000"
    assert "--address" not in re.search(r"^CMD (.*)$", last, re.M).group(1)
    assert re.search(r"apt-get install[^&]*\bcurl\b", last), "curl must stay in the image"


@pytest.fixture(scope="module")
def dropin(tmp_path_factory):
    """The AFTER file's silt service, run as a process exactly as the image would run it."""
    # Not under pytest's root-only tmp dir: the entrypoint may drop to uid 10001, which
    # must reach the data folder.
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="silt-dropin-"))
    workdir.chmod(0o755)
    svc = compose_config(AFTER)["services"]["minio"]
    assert svc["image"] == "silt:latest"
    entrypoint, image_env, _ = dockerfile_runtime()
    command = svc["command"] if isinstance(svc["command"], list) else shlex.split(svc["command"])
    volume_path = svc["volumes"][0].split(":")[1] if isinstance(svc["volumes"][0], str) \
        else svc["volumes"][0]["target"]
    data = workdir / "data"
    data.mkdir()
    argv = [str(ENTRYPOINT) if a == entrypoint[0] else a for a in entrypoint]
    argv += [str(data) if a == volume_path else a for a in command]
    assert str(data) in argv, (command, volume_path)
    port = free_port()
    env = clean_env(**image_env)
    env.update({k: str(v) for k, v in svc["environment"].items()})
    env["SILT_ADDRESS"] = f"127.0.0.1:{port}"  # replaced: 0.0.0.0:9000 in the image
    env["SILT_BIN"] = str(silt_binary())  # /usr/local/bin/silt in the image
    server = Silt(workdir, argv, env, port).start()
    server.service = svc
    server.data = data
    yield server
    assert server.stop() == 0, server.log()
    shutil.rmtree(workdir)


def process_uid(pid):
    status = pathlib.Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))


def test_the_entrypoint_gives_an_empty_root_owned_folder_to_silt_and_drops_root(dropin):
    if os.geteuid() != 0:
        pytest.skip("the entrypoint changes users only when started as root")
    # The bind-mount case: Docker made ./data as root; silt now owns it and runs as 10001.
    assert dropin.data.stat().st_uid == 10001
    assert process_uid(dropin.proc.pid) == 10001
    assert "running as root" not in dropin.log()


def test_the_entrypoint_stays_root_for_a_folder_with_root_files():
    if os.geteuid() != 0:
        pytest.skip("the entrypoint changes users only when started as root")
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="silt-dropin-"))
    try:
        workdir.chmod(0o755)
        data = workdir / "data"
        data.mkdir()
        (data / "old.txt").write_text("written by root")  # never chowned: it holds files
        port = free_port()
        env = clean_env(SILT_ADDRESS=f"127.0.0.1:{port}", SILT_BIN=str(silt_binary()))
        server = Silt(workdir, [str(ENTRYPOINT), "server", str(data)], env, port).start()
        try:
            assert process_uid(server.proc.pid) == 0
            assert f"silt: running as root: {data} is not writable by uid 10001" in server.log()
            assert data.stat().st_uid == 0 and (data / "drive-1" / "format.json").exists()
        finally:
            assert server.stop() == 0, server.log()
    finally:
        shutil.rmtree(workdir)


def test_dropin_runs_the_compose_command_and_credentials(dropin):
    svc = dropin.service
    assert shlex.split(svc["command"]) == ["server", "/data", "--console-address", ":9001"]
    log = dropin.log()
    assert "root user from MINIO_ROOT_USER/MINIO_ROOT_PASSWORD" in log
    assert log.count("--console-address :9001 ignored") == 1, log
    assert (dropin.data / "drive-1" / "format.json").exists() and (dropin.data / "index").is_dir()
    user, password = svc["environment"]["MINIO_ROOT_USER"], svc["environment"]["MINIO_ROOT_PASSWORD"]
    s3 = dropin.s3(user, password)
    assert s3.list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError) as e:
        dropin.s3(user, password + "x").list_buckets()
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


def test_dropin_passes_the_compose_healthcheck(dropin):
    test = dropin.service["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1] == "curl"
    argv = [a.replace("localhost:9000", f"127.0.0.1:{dropin.port}") for a in test[1:]]
    assert argv != test[1:]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    # The same check fails where silt answers an error: curl -f does tell them apart.
    bad = [a.replace("/minio/health/live", "/minio/health/nonesuch") for a in argv]
    assert subprocess.run(bad, capture_output=True, timeout=30).returncode == 22


def test_the_compose_app_service_runs_against_the_dropin(dropin, tmp_path):
    """The AFTER file's `app` service (aws cli) as written, with http://minio:9000 pointed at
    the silt process and its scratch file in a temp dir. Run twice: the bucket step is idempotent."""
    if shutil.which("aws") is None:
        pytest.skip("aws cli not on PATH")
    app = compose_config(AFTER)["services"]["app"]
    assert app["entrypoint"] == ["/bin/sh", "-c"] and len(app["command"]) == 1
    script = app["command"][0].replace("/tmp/hello.txt", str(tmp_path / "hello.txt"))
    env = clean_env(**{k: str(v).replace("http://minio:9000", dropin.endpoint)
                       for k, v in app["environment"].items()})
    env.update(AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
    for _ in range(2):
        p = subprocess.run(["/bin/sh", "-c", script], env=env, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        assert "hello.txt" in p.stdout
    svc_env = dropin.service["environment"]
    s3 = dropin.s3(svc_env["MINIO_ROOT_USER"], svc_env["MINIO_ROOT_PASSWORD"])
    body = s3.get_object(Bucket="uploads", Key="hello.txt")["Body"].read()
    assert body == (tmp_path / "hello.txt").read_bytes()


@pytest.mark.skipif(not (NODE_DIR / "node_modules" / "minio").is_dir(),
                    reason="node/node_modules/minio missing: scripts/install-deps.sh --test")
def test_minio_js_client_against_the_dropin(dropin):
    env = clean_env(ENDPOINT=dropin.endpoint, ACCESS_KEY=dropin.service["environment"]["MINIO_ROOT_USER"],
                    SECRET_KEY=dropin.service["environment"]["MINIO_ROOT_PASSWORD"],
                    BUCKET=bucket_name("minio-js"), NODE_NO_WARNINGS="1")
    p = subprocess.run(["node", str(NODE_DIR / "minio_client.mjs")], env=env, cwd=NODE_DIR,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, f"{p.stderr[-3000:]}\nsilt:\n{dropin.log()[-3000:]}"
    r = json.loads(p.stdout)
    assert (r["existsBefore"], r["existsAfter"], r["existsAtEnd"]) == (False, True, False)
    assert r["stat"] == {"size": 28, "etag": r["putEtag"], "contentType": "text/plain", "origin": "minio-js"}
    assert r["textBack"] == "hello from the minio client\n"
    assert r["partial"] == "from"
    assert r["big"]["gotMd5"] == r["big"]["sentMd5"] and r["big"]["length"] == 11 * 1024 * 1024 + 5
    # A stream of known size above partSize goes multipart (minio-js 8.0.7 sends it as one part).
    assert re.fullmatch(r"[0-9a-f]{32}-\d+", r["bigEtag"]), r["bigEtag"]
    assert [o["name"] for o in r["listRecursive"]] == ["blobs/big.bin", "docs/hello.txt"]
    assert r["listTop"] == [{"prefix": "blobs/"}, {"prefix": "docs/"}]
    assert r["presigned"]["status"] == 200 and r["presigned"]["body"] == "hello from the minio client\n"
    assert "X-Amz-Signature=" in r["presigned"]["url"]
    assert r["statGone"]["code"] == "NotFound"
    assert r["listAfterRemove"] == []


def test_health_probes_get_and_head(dropin):
    for path in ("/minio/health/live", "/minio/health/ready", "/minio/health/cluster",
                 "/minio/health/cluster/read", "/_silt/health/live", "/_silt/health/ready"):
        for method in ("GET", "HEAD"):
            status, headers, body = dropin.probe(method, path)
            assert status == 200, (method, path)
            if method == "HEAD":
                assert body == b""
    status, headers, body = dropin.probe("GET", "/minio/health/cluster")
    # --data: 4+2 drives, a write needs k+1 = 5 shards.
    assert headers["x-minio-write-quorum"] == "5" and body == b""
    assert dropin.probe("HEAD", "/minio/health/cluster")[1]["x-minio-write-quorum"] == "5"
    assert dropin.probe("GET", "/_silt/health/live")[2] == b"OK\n"
    # One node: taking it down for maintenance loses quorum.
    assert dropin.probe("GET", "/minio/health/cluster?maintenance=true")[0] == 412
    # Probes are GET and HEAD only, and only these paths: the rest is S3, where the reserved
    # bucket `minio` never exists (POST on an object names no operation).
    assert dropin.probe("POST", "/minio/health/live")[0] == 501
    assert dropin.probe("GET", "/minio/health/nonesuch")[0] == 404


def test_the_bucket_name_minio_is_reserved(dropin):
    env = dropin.service["environment"]
    s3 = dropin.s3(env["MINIO_ROOT_USER"], env["MINIO_ROOT_PASSWORD"])
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket="minio")
    assert e.value.response["Error"]["Code"] == "InvalidBucketName"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "minio" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.create_bucket(Bucket="minio-data")  # only the exact name
    s3.delete_bucket(Bucket="minio-data")


# --- drives the MinIO way, and cluster health ----------------------------------------

def test_ellipsis_drives_and_cluster_health_losing_quorum(tmp_path):
    base = tmp_path / "mnt"
    silt = run_silt(tmp_path, ["server", f"{base}/disk{{1...4}}", "--drive-check-interval", "0.3",
                               "--scrub-interval", "0"],
                    MINIO_ROOT_USER="quorum-admin", MINIO_ROOT_PASSWORD="quorum-secret")
    try:
        drives = [base / f"disk{i}" for i in range(1, 5)]
        assert all((d / "format.json").exists() for d in drives)
        assert (drives[0] / ".silt" / "index").is_dir()
        assert "pool standard: 4 drives, 2+2" in silt.log()
        s3 = silt.s3("quorum-admin", "quorum-secret")
        b = bucket_name("quorum")
        s3.create_bucket(Bucket=b)
        s3.put_object(Bucket=b, Key="k", Body=b"four drives")
        # Every drive holds a shard: a small object's in its segment file (docs/format.md).
        assert all(any(p.name == "part.1" for p in (d / "data").rglob("*")) or any((d / "segments").glob("*.seg"))
                   for d in drives)
        status, headers, _ = silt.probe("GET", "/minio/health/cluster")
        assert (status, headers["x-minio-write-quorum"]) == (200, "3")

        saved = []
        try:
            def take_offline(d):
                saved.append((d, d.with_name(d.name + ".saved")))
                d.rename(saved[-1][1])
                d.write_bytes(b"not a drive")  # unreadable, not an empty drive to format
            take_offline(drives[1])
            # One of four gone: 3 usable = the write quorum, still healthy.
            wait_for("drive 2 offline", lambda: "offline" in silt.log())
            assert silt.probe("GET", "/minio/health/cluster")[0] == 200
            take_offline(drives[2])
            status, headers, body = wait_for("cluster 503", lambda: (lambda r: r if r[0] == 503 else None)(
                silt.probe("GET", "/minio/health/cluster")))
            assert headers["x-minio-write-quorum"] == "3" and body == b""
            assert silt.probe("HEAD", "/minio/health/cluster")[0] == 503
            # Reads need k = 2: still there, and live/ready say the process is up.
            assert silt.probe("GET", "/minio/health/cluster/read")[0] == 200
            assert silt.probe("GET", "/minio/health/live")[0] == 200
            assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"four drives"
            take_offline(drives[3])
            wait_for("read quorum lost", lambda: silt.probe("GET", "/minio/health/cluster/read")[0] == 503)
        finally:
            for d, s in saved:
                d.unlink()
                s.rename(d)
        wait_for("cluster healthy again", lambda: silt.probe("GET", "/minio/health/cluster")[0] == 200)
        assert silt.probe("GET", "/minio/health/cluster/read")[0] == 200
    finally:
        assert silt.stop() == 0


def test_several_folders_are_one_drive_each(tmp_path):
    dirs = [tmp_path / n for n in ("a", "b", "c")]
    (dirs[1] / ".minio.sys").mkdir(parents=True)  # a folder MinIO used before
    silt = run_silt(tmp_path, ["server", *map(str, dirs)], MINIO_ROOT_USER="dirs-admin",
                    MINIO_ROOT_PASSWORD="dirs-secret")
    try:
        assert "pool standard: 3 drives, 2+1" in silt.log()
        assert f"{dirs[1]} holds MinIO data (.minio.sys)" in silt.log()
        assert "holds MinIO data" not in silt.log().replace(f"{dirs[1]} holds", "")
        assert all((d / "format.json").exists() for d in dirs)
        assert silt.probe("GET", "/minio/health/cluster")[1]["x-minio-write-quorum"] == "3"
    finally:
        assert silt.stop() == 0


def test_minio_volumes_and_the_leading_minio_word(tmp_path):
    silt = run_silt(tmp_path, ["minio", "server"], MINIO_VOLUMES=f"{tmp_path}/v{{1...4}} ",
                    MINIO_ROOT_USER="vol-admin", MINIO_ROOT_PASSWORD="vol-secret")
    try:
        assert "pool standard: 4 drives, 2+2" in silt.log()
        assert all((tmp_path / f"v{i}" / "format.json").exists() for i in range(1, 5))
    finally:
        assert silt.stop() == 0
    code, out = run_refused(["server", "http://minio{1...4}/data"], MINIO_ROOT_USER="a",
                            MINIO_ROOT_PASSWORD="bbbbbbbb")
    assert code == 2 and "distributed" in out
    code, out = run_refused(["server", str(tmp_path / "x"), "--data", str(tmp_path / "y")])
    assert code == 2 and "not both" in out


# --- credentials and addresses --------------------------------------------------------

def test_old_minio_key_names_and_half_pairs(tmp_path):
    silt = run_silt(tmp_path, ["server", str(tmp_path / "data")], MINIO_ACCESS_KEY="old-style",
                    MINIO_SECRET_KEY="old-style-secret")
    try:
        assert "root user from MINIO_ACCESS_KEY/MINIO_SECRET_KEY" in silt.log()
        assert silt.s3("old-style", "old-style-secret").list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200
    finally:
        assert silt.stop() == 0
    code, out = run_refused(["server", str(tmp_path / "data"), "--address", f"127.0.0.1:{free_port()}"],
                            MINIO_ROOT_USER="only-the-user")
    assert code == 2 and "MINIO_ROOT_USER is set but MINIO_ROOT_PASSWORD is not" in out


def test_development_pair_refused_on_every_interface(tmp_path):
    # ":PORT" and the image's SILT_ADDRESS mean every interface; without credentials silt
    # refuses before it binds anything.
    code, out = run_refused(["server", str(tmp_path / "data"), "--address", f":{free_port()}"])
    assert code == 2 and "non-loopback address 0.0.0.0" in out and "MINIO_ROOT_USER" in out
    code, out = run_refused(["server", str(tmp_path / "data")], SILT_ADDRESS=f"0.0.0.0:{free_port()}")
    assert code == 2 and "non-loopback address 0.0.0.0" in out
    assert not (tmp_path / "data").exists()  # refused before anything was created
    # An explicit --address wins over SILT_ADDRESS; MinIO's --quiet keeps only warnings.
    port = free_port()
    silt = run_silt(tmp_path, ["server", str(tmp_path / "data"), "--quiet", "--address", f"127.0.0.1:{port}"],
                    port=port, SILT_ADDRESS="0.0.0.0:1")
    assert f"listening on http://127.0.0.1:{port}" in silt.log()
    assert "[warning] SILT_ROOT_USER/SILT_ROOT_PASSWORD not set" in silt.log() and "[info]" not in silt.log()
    assert silt.stop() == 0


# --- SILT_BUCKETS ------------------------------------------------------------------

def test_silt_buckets_created_once_then_left_alone(tmp_path):
    env = dict(MINIO_ROOT_USER="boot-admin", MINIO_ROOT_PASSWORD="boot-secret", SILT_BUCKETS="photos, logs,photos")
    args = ["server", str(tmp_path / "data")]
    silt = run_silt(tmp_path, args, **env)
    port = silt.port
    try:
        assert "SILT_BUCKETS: created [photos logs], already there []" in silt.log()
        s3 = silt.s3("boot-admin", "boot-secret")
        assert sorted(b["Name"] for b in s3.list_buckets()["Buckets"]) == ["logs", "photos"]
        s3.put_object(Bucket="photos", Key="cat.jpg", Body=b"meow")
        s3.put_bucket_versioning(Bucket="logs", VersioningConfiguration={"Status": "Enabled"})
    finally:
        assert silt.stop() == 0
    silt = run_silt(tmp_path, args, port=port, **env)
    try:
        assert "SILT_BUCKETS: created [], already there [photos logs]" in silt.log()
        s3 = silt.s3("boot-admin", "boot-secret")
        assert s3.get_object(Bucket="photos", Key="cat.jpg")["Body"].read() == b"meow"
        assert s3.get_bucket_versioning(Bucket="logs")["Status"] == "Enabled"
    finally:
        assert silt.stop() == 0
    for bad, why in (("good,Not_Valid", "'Not_Valid' is not a valid bucket name"), ("minio", "reserved")):
        fresh = tmp_path / "never-created"
        code, out = run_refused(["server", str(fresh), "--address", f"127.0.0.1:{free_port()}"], SILT_BUCKETS=bad)
        assert code == 2 and "SILT_BUCKETS" in out and why in out, out
        assert not fresh.exists()  # refused before anything was created
