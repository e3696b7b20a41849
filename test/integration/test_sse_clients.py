"""Real filesystem and backup clients on encrypted buckets (issue 19 item 7; docs/encryption.md,
"Clients"), against a real silt over https trusting the test CA:
- s3fs (Debian's, FUSE) with `-o use_sse=custom:KEYFILE` (SSE-C): files written through the
  mount read back through a fresh mount; through boto3 the objects are SSE-C objects that
  answer only with that key.
- restic (Debian's 0.14, which has no SSE-C option) on buckets whose default encryption is
  SSE-S3 or SSE-KMS: init, backup, check --read-data, restore; every object it wrote is
  encrypted as the default says.
"""
import base64
import hashlib
import os
import shutil
import subprocess
import time

import pytest

from s3assert import client_error, code
from silt_server import bucket_name
from test_sse import OTHER_KEY, SSEC, SSEC_KEY, body, keys_dir, s3, silt  # noqa: F401 (fixtures)

MiB = 1 << 20


def tree_digest(root):
    """{relative path: md5} of every file under root."""
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            out[os.path.relpath(p, root)] = hashlib.md5(open(p, "rb").read()).hexdigest()
    return out


def make_tree(root):
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "notes.txt").write_bytes(b"the quick brown fox\n" * 100)
    (root / "big.bin").write_bytes(body(12 * MiB + 7, b"big"))
    (root / "sub" / "a.bin").write_bytes(os.urandom(300 * 1024))
    (root / "sub" / "deeper" / "empty").write_bytes(b"")
    return tree_digest(root)


def copy_tree(src, dst):
    """shutil.copytree without copying the root's mode and times onto dst (an s3fs mount
    root, whose attributes s3fs does not store)."""
    for d, dirs, files in os.walk(src):
        rel = os.path.relpath(d, src)
        for name in dirs:
            os.mkdir(os.path.join(dst, rel, name))
        for name in files:
            shutil.copyfile(os.path.join(d, name), os.path.join(dst, rel, name))


# --- s3fs with SSE-C ------------------------------------------------------------------------------

def fuse_usable():
    return shutil.which("s3fs") and shutil.which("fusermount") and os.access("/dev/fuse", os.R_OK | os.W_OK)


class S3fsMount:
    """s3fs in the foreground (so the test owns its process), mounted on mnt."""

    def __init__(self, silt, bucket, mnt, key_file, work):
        self.mnt = mnt
        passwd = work / "passwd"
        passwd.write_text(f"{silt.access_key}:{silt.secret_key}\n")
        passwd.chmod(0o600)
        self.log = open(work / f"s3fs-{time.monotonic_ns()}.log", "wb")
        # Debian's s3fs 1.90 is built on GnuTLS, whose libcurl reads no CA from the
        # environment (s3fs reads CURL_CA_BUNDLE only for NSS builds) and has no CA option:
        # it cannot trust the test CA, so it talks TLS without checking the certificate.
        # nomultipart: s3fs 1.90 initiates a multipart upload without the SSE-C headers it
        # then sends on every part (s3fs-fuse issue 2085, fixed after 1.91), which AWS and
        # silt refuse alike (400 InvalidRequest); single PUTs carry the key.
        self.proc = subprocess.Popen(
            ["s3fs", bucket, str(mnt), "-f", "-o", f"url={silt.endpoint}", "-o", "use_path_request_style",
             "-o", f"endpoint={silt.region}", "-o", f"passwd_file={passwd}", "-o", f"use_sse=custom:{key_file}",
             "-o", "no_check_certificate", "-o", "nomultipart", "-o", "dbglevel=info", "-o", "retries=1"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not os.path.ismount(mnt):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                pytest.fail("s3fs did not mount:\n" + (work / self.log.name).read_text()[-3000:])
            time.sleep(0.2)

    def close(self):
        if os.path.ismount(self.mnt):
            subprocess.run(["fusermount", "-u", str(self.mnt)], capture_output=True, timeout=30)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def test_s3fs_with_sse_c(silt, s3, tmp_path):
    if not fuse_usable():
        pytest.skip("s3fs, fusermount or /dev/fuse missing (scripts/install-deps.sh --test installs s3fs)")
    bucket = bucket_name("s3fs-ssec")
    s3.create_bucket(Bucket=bucket)
    key_file = tmp_path / "sse-c.keys"
    key_file.write_bytes(SSEC_KEY + b"\n")  # s3fs takes the 32 raw bytes, one key a line
    key_file.chmod(0o600)
    src = tmp_path / "src"
    src.mkdir()
    want = make_tree(src)
    mnt = tmp_path / "mnt"
    mnt.mkdir()

    m = S3fsMount(silt, bucket, mnt, key_file, tmp_path)
    try:
        copy_tree(src, mnt)
        # A rename is a CopyObject with the key on both sides, then a delete.
        os.rename(mnt / "notes.txt", mnt / "renamed.txt")
    finally:
        m.close()
    want["renamed.txt"] = want.pop("notes.txt")

    # A fresh mount (no page cache of the first) reads every file back through silt.
    m = S3fsMount(silt, bucket, mnt, key_file, tmp_path)
    try:
        assert tree_digest(mnt) == want
    finally:
        m.close()

    # Through boto3: SSE-C objects that answer only with the key.
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert {"big.bin", "renamed.txt", "sub/a.bin", "sub/deeper/empty"} <= keys
    for key in ("big.bin", "renamed.txt", "sub/a.bin"):
        assert code(client_error(lambda: s3.get_object(Bucket=bucket, Key=key))) == ("InvalidRequest", 400)
        wrong = dict(SSECustomerAlgorithm="AES256", SSECustomerKey=OTHER_KEY)
        assert code(client_error(lambda: s3.get_object(Bucket=bucket, Key=key, **wrong))) == ("AccessDenied", 403)
        got = s3.get_object(Bucket=bucket, Key=key, **SSEC)
        assert got["SSECustomerKeyMD5"] == base64.b64encode(hashlib.md5(SSEC_KEY).digest()).decode()
        assert hashlib.md5(got["Body"].read()).hexdigest() == want[key]

    # A mount with another key reads nothing of it: silt answers its HEAD and GET 403.
    other = tmp_path / "other.keys"
    other.write_bytes(OTHER_KEY + b"\n")
    other.chmod(0o600)
    m = S3fsMount(silt, bucket, mnt, other, tmp_path)
    try:
        try:
            got = (mnt / "sub" / "a.bin").read_bytes()
        except OSError:
            got = None
        assert got in (None, b"")  # s3fs 1.90 shows an object its keys cannot open as empty
    finally:
        m.close()


# --- restic on default-encrypted buckets ----------------------------------------------------------

def restic(silt, bucket, *args, check=True):
    env = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}
    env.update(RESTIC_REPOSITORY=f"s3:{silt.endpoint}/{bucket}", RESTIC_PASSWORD="restic-test-password",
               AWS_ACCESS_KEY_ID=silt.access_key, AWS_SECRET_ACCESS_KEY=silt.secret_key,
               AWS_DEFAULT_REGION=silt.region, RESTIC_CACHE_DIR=str(silt.workdir / "restic-cache"))
    p = subprocess.run(["restic", "--cacert", str(silt.ca), "--no-lock" if args[0] == "check" else "--json",
                        *args], capture_output=True, text=True, env=env, timeout=600)
    if check:
        assert p.returncode == 0, f"restic {args}: {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}"
    return p


@pytest.mark.parametrize("default", [
    ("AES256", None),
    ("aws:kms", "lake-key"),
])
def test_restic_on_a_default_encrypted_bucket(silt, s3, tmp_path, default):
    if not shutil.which("restic"):
        pytest.skip("restic missing (scripts/install-deps.sh --test installs it)")
    algorithm, kms_key = default
    bucket = bucket_name("restic-" + algorithm.replace(":", "-"))
    s3.create_bucket(Bucket=bucket)
    rule = {"SSEAlgorithm": algorithm, **({"KMSMasterKeyID": kms_key} if kms_key else {})}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": rule}]})
    src = tmp_path / "src"
    src.mkdir()
    want = make_tree(src)

    restic(silt, bucket, "init")
    restic(silt, bucket, "backup", str(src))
    restic(silt, bucket, "check", "--read-data")
    out = tmp_path / "restored"
    restic(silt, bucket, "restore", "latest", "--target", str(out))
    assert tree_digest(out / src.relative_to("/")) == want

    # Everything restic stored (config, keys, index, snapshots, packs) took the default.
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert any(k.startswith("data/") for k in keys) and "config" in keys
    for key in keys:
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head["ServerSideEncryption"] == algorithm, key
        if kms_key:
            assert head["SSEKMSKeyId"] == f"arn:aws:kms:{silt.region}:000000000000:key/{kms_key}", key
