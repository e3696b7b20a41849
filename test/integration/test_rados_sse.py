"""Server-side encryption on a RADOS-backed silt (issue 17 item 6; docs/encryption.md): the
handlers seal data above the object layer, so SSE-S3, SSE-C and SSE-KMS behave on RADOS as on
the erasure backend. The core of test_sse.py is borrowed unchanged (rados_reuse.borrow) and run
against one `silt server --backend rados` over https with a master key file and a keyring, on
the suite's shared Ceph cluster in a RADOS namespace of its own; and the cluster holds no
plaintext of an encrypted object: read back through python3-rados (every object's data and
xattrs in the data pools and the index pool, every omap key and value of the index, where
small objects are inlined), while plaintext controls stored the same ways are found there."""
import base64
import hashlib
import os
import time

import pytest

import test_sse
from ceph_cluster import ceph_cluster  # noqa: F401  (the fixture, by name)
from rados_reuse import borrow, namespace_holds, rados_args, serve
from test_rados_backend import STRIPE
from test_sse import SSEC, SSEC_KEY, compressible, keys_dir  # noqa: F401  (keys_dir: a fixture)
from test_tls import Pki, TlsSilt

KiB = 1 << 10
MiB = 1 << 20


@pytest.fixture(scope="module")
def silt(ceph_cluster, tmp_path_factory, keys_dir):  # noqa: F811
    """One RADOS-backed silt over https with test_sse's keys (overrides conftest's silt, so
    the borrowed tests and conftest's s3/bucket fixtures talk to it)."""
    workdir = tmp_path_factory.mktemp("silt-rados-sse")
    backend, namespace = rados_args(ceph_cluster.conf, workdir)
    server = TlsSilt(workdir, Pki(tmp_path_factory.mktemp("pki")),
                     extra=("--sse-master-key-file", str(keys_dir / "master.key"),
                            "--sse-keyring-file", str(keys_dir / "keyring"), *backend))
    server.namespace, server.ceph_conf, server.backend = namespace, ceph_cluster.conf, backend
    yield from serve(server)


@pytest.fixture(scope="module")
def silt_b(silt, tmp_path_factory, keys_dir):  # noqa: F811
    """A second gateway on silt's namespace with the same keys (and a CA of its own)."""
    server = TlsSilt(tmp_path_factory.mktemp("silt-rados-sse-b"), Pki(tmp_path_factory.mktemp("pki-b")),
                     extra=("--sse-master-key-file", str(keys_dir / "master.key"),
                            "--sse-keyring-file", str(keys_dir / "keyring"), *silt.backend))
    yield from serve(server)


borrow(globals(), test_sse,
       "test_sse_s3_put_get_head_range", "test_sse_s3_sizes_at_package_edges",
       "test_sse_s3_content_md5_is_of_the_plaintext", "test_sse_c_put_get_head_range",
       "test_sse_c_object_is_unreadable_without_its_key", "test_sse_c_multipart",
       "test_sse_s3_multipart_etag_is_of_plaintext_parts",
       "test_full_object_crc_of_an_encrypted_multipart_object",
       "test_copy_object_between_encryptions", "test_upload_part_copy_decrypts_and_encrypts",
       "test_sse_kms_with_keyring", "test_sse_kms_key_arn_is_echoed_by_every_operation",
       "test_bucket_default_encryption", "test_sse_c_get_object_attributes",
       "test_post_object_sse_s3_and_kms", "test_multipart_minimum_part_size_is_on_the_plaintext",
       "test_lifecycle_size_filters_and_usage_see_the_plaintext_size",
       "test_master_key_rotation_keeps_old_objects_readable", "test_rclone_sse_c_and_sse_s3")


def marked(name, size):
    """(marker, body of SIZE bytes): random bytes with the marker every 256 KiB from offset
    100, so no copy of it straddles a stripe (1 MiB) and the search cannot miss one."""
    marker = f"<<silt-rados-marker-{name}-{os.urandom(6).hex()}>>".encode()
    data = bytearray(os.urandom(size))
    for at in range(100, size - len(marker), 256 * KiB):
        data[at:at + len(marker)] = marker
    assert marker in data
    return marker, bytes(data)


def test_cluster_holds_no_plaintext_of_encrypted_objects(silt, s3, bucket):
    ns, conf = silt.namespace, silt.ceph_conf
    sizes = {"inline": 1000, "package": 64 * KiB + 1000, "stripes": 2 * STRIPE + 5000}
    secrets, controls = {}, {}
    for label, size in sizes.items():
        controls[label], data = marked(f"control-{label}", size)
        s3.put_object(Bucket=bucket, Key=f"control-{label}", Body=data)
        for kind, enc in (("sse-s3", dict(ServerSideEncryption="AES256")), ("sse-c", SSEC),
                          ("kms", dict(ServerSideEncryption="aws:kms",
                                       SSEKMSKeyId="lake-key"))):
            key = f"{kind}-{label}"
            secrets[key], data = marked(key, size)
            s3.put_object(Bucket=bucket, Key=key, Body=data, **enc)
            read_key = SSEC if enc is SSEC else {}
            assert s3.get_object(Bucket=bucket, Key=key, **read_key)["Body"].read() == data
    # Multipart over two parts and several stripes, SSE-C.
    secrets["mp"], mp = marked("mp", 5 * MiB + 300 * KiB)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", **SSEC)["UploadId"]
    parts = []
    for n, off in enumerate(range(0, len(mp), 5 * MiB), start=1):
        etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=n,
                              Body=mp[off:off + 5 * MiB], **SSEC)["ETag"]
        parts.append({"PartNumber": n, "ETag": etag})
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": parts})
    r = s3.get_object(Bucket=bucket, Key="mp", Range=f"bytes={5 * MiB - 10}-{5 * MiB + 9}", **SSEC)
    assert r["Body"].read() == mp[5 * MiB - 10:5 * MiB + 10]
    # An SSE-C object copied into SSE-KMS: decrypted with the source's key, sealed again.
    secrets["copied"], data = marked("copied", 70 * KiB)
    s3.put_object(Bucket=bucket, Key="ssec-src", Body=data, **SSEC)
    s3.copy_object(Bucket=bucket, Key="copied", CopySource={"Bucket": bucket, "Key": "ssec-src"},
                   CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey=SSEC_KEY,
                   ServerSideEncryption="aws:kms")
    got = s3.get_object(Bucket=bucket, Key="copied")
    assert got["ServerSideEncryption"] == "aws:kms" and got["Body"].read() == data
    # The zstd class (gateway-side frames on silt.cold): compressed, then sealed.
    zmarker = f"silt-rados-zmarker-{os.urandom(6).hex()}".encode()
    zdata = compressible(3 * MiB + 7, zmarker)
    s3.put_object(Bucket=bucket, Key="zstd-sse-s3", Body=zdata, StorageClass="STANDARD_IA",
                  ServerSideEncryption="AES256")
    secrets["zstd-sse-s3"] = zmarker
    zcontrol = f"silt-rados-zcontrol-{os.urandom(6).hex()}".encode()
    s3.put_object(Bucket=bucket, Key="zstd-control", Body=compressible(3 * MiB + 7, zcontrol),
                  StorageClass="STANDARD_IA")
    controls["zstd"] = zcontrol
    got = s3.get_object(Bucket=bucket, Key="zstd-sse-s3", Range=f"bytes={MiB - 3}-{2 * MiB + 3}")
    assert got["Body"].read() == zdata[MiB - 3:2 * MiB + 4]

    # The controls show the search finds plaintext wherever silt keeps it: inlined in the index
    # omap, in one data object, across stripes, in the zstd pool. Nor does anything in the
    # cluster hold the customer's key (raw, base64, or its MD5).
    ssec_forms = (SSEC_KEY, base64.b64encode(SSEC_KEY), hashlib.md5(SSEC_KEY).digest())
    found = namespace_holds(conf, ns, [*controls.values(), *secrets.values(), *ssec_forms])
    for name, marker in controls.items():
        assert found[marker], f"plaintext control {name} not found in the cluster"
    for name, marker in secrets.items():
        assert found[marker] == [], f"plaintext of {name} in the cluster"
    for secret in ssec_forms:
        assert found[secret] == [], f"the SSE-C key {secret!r} in the cluster"
    test_sse.still_serving(s3, bucket)


def test_lifecycle_transition_of_encrypted_objects(silt, s3, bucket):
    """A lifecycle pass moves encrypted objects into the zstd class on RADOS (data copied into
    silt.cold with gateway zstd frames, or an inlined one relabelled): each still decrypts whole
    and by ranges across stripes with its own key, a wrong SSE-C key is still refused, and the
    cluster holds no plaintext of any of them afterwards."""
    objects = {}
    for name, size, enc in (("sse-s3", 2 * STRIPE + 777, dict(ServerSideEncryption="AES256")),
                            ("kms", STRIPE + 5, dict(ServerSideEncryption="aws:kms")),
                            ("sse-c", 2 * STRIPE + 3, SSEC),
                            ("inline", 900, dict(ServerSideEncryption="AES256"))):
        marker, data = marked(f"lc-{name}", size)
        s3.put_object(Bucket=bucket, Key=f"raw/{name}", Body=data, **enc)
        objects[name] = (marker, data, SSEC if enc is SSEC else {})
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "to-ia", "Status": "Enabled", "Filter": {"Prefix": "raw/"},
         "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}]}]})
    time.sleep(2.2)  # two lifecycle "days" of a second (rados_config)
    test_sse.admin_json(silt, "lifecycle", "run", "--bucket", bucket)
    last = test_sse.admin_json(silt, "lifecycle", "status")["last"]
    assert last["transitioned"] == len(objects) and last["errors"] == 0, last
    # The data of all but the inlined one was copied (an inlined one only changes its label).
    copied = sum(len(data) for name, (_, data, _) in objects.items() if name != "inline")
    assert last["bytes_transitioned"] >= copied, (last, copied)

    for name, (_, data, read_key) in objects.items():
        got = s3.get_object(Bucket=bucket, Key=f"raw/{name}", **read_key)
        assert got["StorageClass"] == "STANDARD_IA", name
        assert got["Body"].read() == data, name
        test_sse.ranges_match(s3, bucket, f"raw/{name}", data, read_key)
        if len(data) > STRIPE:
            rng = f"bytes={STRIPE - 50}-{STRIPE + 49}"
            assert s3.get_object(Bucket=bucket, Key=f"raw/{name}", Range=rng,
                                 **read_key)["Body"].read() == data[STRIPE - 50:STRIPE + 50]
    test_sse.refused(test_sse.client_error(s3.get_object, Bucket=bucket, Key="raw/sse-c",
                                           **test_sse.WRONG), "AccessDenied", 403)
    found = namespace_holds(silt.ceph_conf, silt.namespace, [m for m, _, _ in objects.values()])
    assert {m: w for m, w in found.items() if w} == {}, "plaintext of a transitioned object"
    test_sse.still_serving(s3, bucket)


def test_default_encryption_set_on_one_gateway_applies_on_the_other(silt, silt_b, s3, bucket):
    """PutBucketEncryption answered by one gateway governs the next PUT on the other, and
    DeleteBucketEncryption ends it there as promptly: a gateway holding a stale bucket config
    would store plaintext the owner was told is encrypted. SSE-C multipart with parts through
    both gateways decrypts on either."""
    sb = silt_b.boto3()
    sb.put_object(Bucket=bucket, Key="warm", Body=b"b has seen the bucket")
    secrets = []
    for i, algo in enumerate(["AES256", "aws:kms"] * 3):
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algo}}]})
        marker, data = marked(f"default-{i}", 2000 + i * 40000)
        assert sb.put_object(Bucket=bucket, Key=f"enc-{i}", Body=data)["ServerSideEncryption"] == algo
        assert s3.head_object(Bucket=bucket, Key=f"enc-{i}")["ServerSideEncryption"] == algo
        secrets.append(marker)
        s3.delete_bucket_encryption(Bucket=bucket)
        assert "ServerSideEncryption" not in sb.put_object(Bucket=bucket, Key=f"plain-{i}", Body=b"p")
    # Multipart SSE-C: created on one gateway, parts through both, completed on the second.
    marker, data = marked("mp-two", 5 * MiB + 5000)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", **SSEC)["UploadId"]
    parts = []
    for n, (client, chunk) in enumerate(((sb, data[:5 * MiB]), (s3, data[5 * MiB:])), start=1):
        etag = client.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=n, Body=chunk, **SSEC)["ETag"]
        parts.append({"PartNumber": n, "ETag": etag})
    sb.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": parts})
    assert s3.get_object(Bucket=bucket, Key="mp", **SSEC)["Body"].read() == data
    rng = f"bytes={5 * MiB - 10}-{5 * MiB + 9}"
    assert sb.get_object(Bucket=bucket, Key="mp", Range=rng, **SSEC)["Body"].read() == data[5 * MiB - 10:5 * MiB + 10]
    secrets.append(marker)
    found = namespace_holds(silt.ceph_conf, silt.namespace, secrets)
    assert {m: w for m, w in found.items() if w} == {}, "plaintext of an encrypted object"
    test_sse.still_serving(sb, bucket)
