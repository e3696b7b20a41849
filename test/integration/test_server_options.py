"""`silt server` options: virtual-host addressing (--domain), the reported region,
explicit drives and parity, the positional data folder, and the development
credentials (printed, refused off loopback)."""
import hashlib
import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

import s3raw
from silt_server import SiltServer, silt_binary, free_port


@pytest.fixture
def server(tmp_path):
    servers = []

    def start(*args, env_credentials=True):
        s = SiltServer(tmp_path / f"s{len(servers)}", env_credentials=env_credentials)
        s.start(extra_args=args)
        servers.append(s)
        return s

    yield start
    for s in servers:
        assert s.stop() == 0, s.log_tail()


def signed(silt, method, host, path, body=b""):
    signer = s3raw.Signer(silt.access_key, silt.secret_key, silt.region, host)
    h = signer.sign(method, path, [], {}, hashlib.sha256(body).hexdigest())
    if body or method == "PUT":
        h["Content-Length"] = str(len(body))
    conn = silt.raw()
    try:
        return conn.request(method, path, h, body)
    finally:
        conn.close()


def test_virtual_host_addressing_with_domain(server):
    silt = server("--domain", "s3.local")
    s3 = silt.boto3()
    s3.create_bucket(Bucket="vhost-bucket")
    host = f"vhost-bucket.s3.local:{silt.port}"
    put = signed(silt, "PUT", host, "/dir/obj.txt", b"virtual")
    assert put.status == 200, put
    # The same object through path style.
    assert s3.get_object(Bucket="vhost-bucket", Key="dir/obj.txt")["Body"].read() == b"virtual"
    got = signed(silt, "GET", host, "/dir/obj.txt")
    assert got.status == 200 and got.body == b"virtual"
    listing = signed(silt, "GET", host, "/")
    assert listing.status == 200
    keys = [e.text for e in ET.fromstring(listing.body).iter("{http://s3.amazonaws.com/doc/2006-03-01/}Key")]
    assert keys == ["dir/obj.txt"]
    # A host that is not under the domain (a docker service name) stays path style.
    plain = signed(silt, "GET", f"127.0.0.1:{silt.port}", "/vhost-bucket/dir/obj.txt")
    assert plain.status == 200 and plain.body == b"virtual"


def test_reported_region_is_configurable(server):
    silt = server("--region", "eu-central-1")
    s3 = silt.boto3()
    s3.create_bucket(Bucket="region-bucket")
    assert s3.get_bucket_location(Bucket="region-bucket")["LocationConstraint"] == "eu-central-1"
    head = s3.head_bucket(Bucket="region-bucket")
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-central-1"


def test_blocking_threads_default_and_flag(server):
    """8 blocking threads on drives unless --blocking-threads says otherwise (RADOS's 32:
    test_rados_backend.py), and 64 for PUT commits, which wait for their group commit,
    unless --commit-threads says otherwise."""
    log = server().log_text()
    assert ", 8 blocking threads, 64 commit threads" in log
    log = server("--blocking-threads", "3", "--commit-threads", "5").log_text()
    assert ", 3 blocking threads, 5 commit threads" in log


def test_explicit_drives_and_parity(server, tmp_path):
    drives = [tmp_path / f"disk{i}" for i in range(5)]
    args = []
    for d in drives:
        args += ["--drive", str(d)]
    silt = server(*args, "--parity", "1", "--index", str(tmp_path / "idx"))
    s3 = silt.boto3()
    s3.create_bucket(Bucket="drives-bucket")
    body = os.urandom(3 * 1024 * 1024 + 17)
    s3.put_object(Bucket="drives-bucket", Key="k", Body=body)
    # 4 data + 1 parity: every drive holds a share of the object.
    for d in drives:
        assert any(p.is_file() for p in (d / "data").rglob("*")), d
    # One drive lost: parity 1 still reads it back.
    subprocess.run(["rm", "-rf", str(drives[2])], check=True)
    assert s3.get_object(Bucket="drives-bucket", Key="k")["Body"].read() == body


def test_positional_data_folder_and_default_credentials(tmp_path):
    port = free_port()
    data = tmp_path / "data"
    env = {"PATH": "/usr/bin:/bin"}
    p = subprocess.Popen([str(silt_binary()), "server", str(data), "--address", f"127.0.0.1:{port}"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        seen = b""
        while b"listening on" not in seen:
            line = p.stdout.readline()
            assert line, seen.decode()
            seen += line
        assert b"siltadmin" in seen and b"siltadmin-secret" in seen  # printed for the newcomer
        assert sorted(d.name for d in data.iterdir()) == [f"drive-{i}" for i in range(1, 7)] + ["index"]
    finally:
        p.terminate()
        assert p.wait(timeout=10) == 0


def test_default_credentials_refused_off_loopback(tmp_path):
    env = {"PATH": "/usr/bin:/bin"}
    r = subprocess.run([str(silt_binary()), "server", "--data", str(tmp_path / "d"), "--address",
                        f"0.0.0.0:{free_port()}"], capture_output=True, env=env, timeout=20)
    assert r.returncode != 0
    assert b"SILT_ROOT_USER" in r.stderr
