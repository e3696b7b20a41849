#!/usr/bin/python3
"""Writes the seed corpora in corpus/<target>/: small, real examples of what each
parser reads (signed with the fixed keys and dates the targets use, so the seeds
reach past signature checks). Rerun after changing a target's input layout:
    /usr/bin/python3 test/fuzz/gen_corpus.py
Crash reproducers kept as regressions live beside the seeds as crash-* files and are
not touched by this script."""
import base64
import datetime
import hashlib
import hmac
import json
import pathlib
import struct
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))
import s3raw  # noqa: E402

V4_KEY, V4_SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
V2_KEY, V2_SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
WHEN = datetime.datetime(2024, 1, 1, 0, 0, 0)
HTTP_DATE = "Mon, 01 Jan 2024 00:00:00 GMT"


def write(target, name, data):
    d = HERE / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def head(method, target, headers):
    return "\n".join([method, target] + [f"{k}: {v}" for k, v in headers.items()]) + "\n"


def sigv4():
    s = s3raw.Signer(V4_KEY, V4_SECRET, "us-east-1", "127.0.0.1:9000")
    h = s.sign("GET", "/bucket/key.txt", [], {"Range": "bytes=0-9"}, s3raw.EMPTY_SHA256, when=WHEN)
    write("fuzz_sigv4", "get_header_signed", head("GET", "/bucket/key.txt", h))
    params = [("list-type", "2"), ("prefix", "a b/"), ("max-keys", "10")]
    h = s.sign("GET", "/bucket", params, {}, s3raw.UNSIGNED, when=WHEN)
    write("fuzz_sigv4", "list_unsigned_payload", head("GET", "/bucket?" + s3raw.encode_query(params), h))
    h = s.sign("PUT", "/bucket/dir/obj", [], {"Content-Encoding": "aws-chunked",
               "x-amz-decoded-content-length": "11", "Content-Length": "200"},
               s3raw.STREAMING_SIGNED, when=WHEN)
    write("fuzz_sigv4", "put_streaming", head("PUT", "/bucket/dir/obj", h))
    h = s.sign("PUT", "/bucket/t", [], {"x-amz-trailer": "x-amz-checksum-crc32"},
               s3raw.STREAMING_UNSIGNED_TRAILER, when=WHEN)
    write("fuzz_sigv4", "put_unsigned_trailer", head("PUT", "/bucket/t", h))
    q = s.presign("GET", "/bucket/key.txt", [("versionId", "null")], expires=3600, when=WHEN)
    write("fuzz_sigv4", "presigned", head("GET", "/bucket/key.txt?" + q, {"Host": "127.0.0.1:9000"}))


def signed_headers():
    # First line: the SignedHeaders list; then the request's headers.
    for name, lines in [
            ("put_with_meta", ["content-md5;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-a",
                               "Host: 127.0.0.1:9000", "Content-Type: text/plain", "Content-MD5: XUFAKrxLKna5cZ2REBfFkg==",
                               "x-amz-content-sha256: UNSIGNED-PAYLOAD", "x-amz-date: 20240101T000000Z",
                               "x-amz-meta-a:  one   two ", "X-Amz-Meta-A: three", "User-Agent: Boto3/1.26"]),
            ("presigned_host_only", ["host", "Host: 127.0.0.1:9000", "Origin: http://app.example"]),
            ("unsigned_acl_and_copy_source", ["host;x-amz-content-sha256;x-amz-date", "Host: h",
                                              "x-amz-date: 20240101T000000Z", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
                                              "x-amz-acl: public-read", "x-amz-copy-source: /other/secret"]),
            ("repeated_names", ["a;a;a", "a:", "a:", "a:"]),
            ("unsorted", ["x-amz-date;host", "Host: h", "x-amz-date: 20240101T000000Z"]),
            ("no_host", ["x-amz-date", "x-amz-date: 20240101T000000Z", "Host: h"])]:
        write("fuzz_signed_headers", name, "\n".join(lines) + "\n")


def sigv2():
    def sig(sts):
        return base64.b64encode(hmac.new(V2_SECRET.encode(), sts.encode(), hashlib.sha1).digest()).decode()
    sts = f"GET\n\n\n{HTTP_DATE}\n/bucket/photo.jpg"
    write("fuzz_sigv2", "header", head("GET", "/bucket/photo.jpg",
          {"Host": "127.0.0.1", "Date": HTTP_DATE, "Authorization": f"AWS {V2_KEY}:{sig(sts)}"}))
    sts = f"PUT\n\ntext/plain\n\nx-amz-date:{HTTP_DATE}\nx-amz-meta-a:1\n/bucket/a?acl"
    write("fuzz_sigv2", "header_amz_date", head("PUT", "/bucket/a?acl",
          {"Host": "127.0.0.1", "Content-Type": "text/plain", "x-amz-date": HTTP_DATE, "x-amz-meta-a": "1",
           "Authorization": f"AWS {V2_KEY}:{sig(sts)}"}))
    expires = 1704070800
    sts = f"GET\n\n\n{expires}\n/bucket/k"
    q = f"AWSAccessKeyId={V2_KEY}&Expires={expires}&Signature=" + s3raw.uri_encode(sig(sts))
    write("fuzz_sigv2", "presigned", head("GET", "/bucket/k?" + q, {"Host": "127.0.0.1"}))


def aws_chunked():
    key = s3raw.signing_key(V2_SECRET, "20130524", "us-east-1")
    signing = {"key": key, "seed": "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
               "date": "20130524T000000Z", "scope": "20130524/us-east-1/s3/aws4_request"}
    data = b"hello, aws-chunked world" * 3
    # control byte: mode = c % 3 (0 unsigned trailer, 1 signed, 2 signed trailer), piece = 1 + ((c >> 2) & 15),
    # declared trailers = c >> 6 (0 none, 1 crc32, 2 crc32 and sha256, 3 others)
    write("fuzz_aws_chunked", "unsigned_trailer",
          bytes([0x40]) + s3raw.aws_chunked(data, 16, trailers=[("x-amz-checksum-crc32", "AAAAAA==")]))
    write("fuzz_aws_chunked", "undeclared_trailer",
          bytes([0x40]) + s3raw.aws_chunked(data, 16, trailers=[("x-amz-checksum-sha256", "AAAAAA==")]))
    write("fuzz_aws_chunked", "too_many_trailers",
          bytes([0x80]) + s3raw.aws_chunked(data, 16, trailers=[("x-amz-checksum-crc32", "AAAAAA==")] * 12))
    write("fuzz_aws_chunked", "unsigned_split7", bytes([0x18]) + s3raw.aws_chunked(data, 30))
    write("fuzz_aws_chunked", "signed", bytes([0x01]) + s3raw.aws_chunked(data, 20, signing=dict(signing)))
    write("fuzz_aws_chunked", "signed_split", bytes([0x2d]) + s3raw.aws_chunked(data, 64, signing=dict(signing)))
    write("fuzz_aws_chunked", "signed_trailer", bytes([0x82]) + s3raw.aws_chunked(
        data, 32, signing=dict(signing), trailers=[("x-amz-checksum-sha256", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=")]))
    write("fuzz_aws_chunked", "bad_chunk_sig", bytes([0x01]) + s3raw.aws_chunked(
        data, 20, signing=dict(signing), corrupt_chunk=1))


def request_parser():
    # control byte: each read brings 1 + c * 257 bytes (0: one byte at a time)
    head = b"PUT /bucket/key HTTP/1.1\r\nHost: h\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\n"
    write("fuzz_request_parser", "get", bytes([0xff]) + b"GET /bucket?list-type=2 HTTP/1.1\r\nHost: h\r\n\r\n")
    write("fuzz_request_parser", "content_length", bytes([0x03]) + head + b"Content-Length: 5\r\n\r\nhello")
    write("fuzz_request_parser", "chunked", bytes([0x00]) + head + b"Transfer-Encoding: chunked\r\n\r\n"
          + s3raw.te_chunked(b"hello, chunked world" * 20, 64))
    write("fuzz_request_parser", "chunked_ext_trailer", bytes([0x01]) + head + b"Transfer-Encoding: chunked\r\n\r\n"
          b"5;name=value;q=\"quoted\"\r\nhello\r\n0\r\nx-trailer: 1\r\nx-other: 2\r\n\r\n")
    write("fuzz_request_parser", "many_fields", bytes([0x10]) + head
          + b"".join(b"x-h%d: v\r\n" % i for i in range(210)) + b"\r\n")
    write("fuzz_request_parser", "many_trailers", bytes([0x02]) + head + b"Transfer-Encoding: chunked\r\n\r\n"
          b"0\r\n" + b"".join(b"t%d: v\r\n" % i for i in range(12)) + b"\r\n")


def post_policy():
    policy = json.dumps({"expiration": "2024-01-02T00:00:00.000Z", "conditions": [
        {"bucket": "bucket"}, ["starts-with", "$key", "user/"], {"acl": "public-read"},
        ["content-length-range", 1, 1048576], ["eq", "$Content-Type", "image/jpeg"],
        {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
        {"x-amz-credential": f"{V2_KEY}/20240101/us-east-1/s3/aws4_request"},
        {"x-amz-date": "20240101T000000Z"}, ["starts-with", "$x-amz-meta-tag", ""]]})
    b64 = base64.b64encode(policy.encode()).decode()
    key = s3raw.signing_key(V2_SECRET, "20240101", "us-east-1")
    sig = hmac.new(key, b64.encode(), hashlib.sha256).hexdigest()
    fields = {"key": "user/photo.jpg", "acl": "public-read", "Content-Type": "image/jpeg",
              "x-amz-algorithm": "AWS4-HMAC-SHA256",
              "x-amz-credential": f"{V2_KEY}/20240101/us-east-1/s3/aws4_request",
              "x-amz-date": "20240101T000000Z", "x-amz-meta-tag": "x", "x-amz-signature": sig}
    write("fuzz_post_policy", "v4", policy + "\n--\n" + "".join(f"{k}: {v}\n" for k, v in fields.items()))
    sig2 = base64.b64encode(hmac.new(V2_SECRET.encode(), b64.encode(), hashlib.sha1).digest()).decode()
    write("fuzz_post_policy", "v2", policy + "\n--\n" +
          f"key: user/a\nAWSAccessKeyId: {V2_KEY}\nsignature: {sig2}\nacl: public-read\n")
    write("fuzz_post_policy", "no_conditions", '{"expiration": "2030-12-30T12:00:00.000Z", "conditions": []}\n--\n')


def range_():
    for size, value, name in [(1000, "bytes=0-99", "first100"), (1000, "bytes=-100", "suffix"),
                              (1000, "bytes=900-", "open"), (10, "bytes=20-30", "past_end"),
                              (0, "bytes=0-0", "empty_object"), (2**40, "bytes=0-1,5-6", "multi")]:
        write("fuzz_range", name, struct.pack("<Q", size) + value.encode())


def conditional():
    etag = "9bb58f26192e4ba00f01e2e7b136bbd8"
    write("fuzz_conditional", "get_conditions", f"{etag}\n1700000000\nIf-Match: \"{etag}\"\n"
          f"If-None-Match: \"other\", W/\"x\"\nIf-Modified-Since: {HTTP_DATE}\n"
          f"If-Unmodified-Since: Sunday, 06-Nov-94 08:49:37 GMT\n")
    write("fuzz_conditional", "copy_conditions", f"{etag}\n1700000000\nx-amz-copy-source-if-match: *\n"
          f"x-amz-copy-source-if-modified-since: Sun Nov  6 08:49:37 1994\nIf-None-Match: *\n")
    write("fuzz_conditional", "put_meta", f"{etag}-3\n0\nContent-Type: text/plain\nContent-Encoding: aws-chunked,gzip\n"
          "Cache-Control: no-cache\nExpires: Thu, 01 Dec 1994 16:00:00 GMT\nx-amz-meta-Author: me\n"
          "x-amz-tagging: a=1&b=%20x\nx-amz-storage-class: STANDARD_IA\n")


def form_data():
    b = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nuser/${{filename}}\r\n"
            f"--{b}\r\nContent-Disposition: form-data; name=\"policy\"\r\n\r\neyJ9\r\n"
            f"--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\nhello\r\nworld--\r\n--{b}--\r\n")
    write("fuzz_form_data", "browser", f"multipart/form-data; boundary={b}\n".encode() + b"\x3f" + body.encode())
    write("fuzz_form_data", "browser_small_pieces", f"multipart/form-data; boundary=\"{b}\"\n".encode() + b"\x02" +
          body.encode())
    body = "preamble\r\n--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--\r\n"
    write("fuzz_form_data", "no_file_small_limits", b"multipart/form-data;boundary=x\n\x45" + body.encode())


def request_target():
    for name, text in [("path_style", "/bucket/dir/a%20b.txt?versionId=null&x\n127.0.0.1:9000"),
                       ("vhost", "/photos/2024/c%2Bd?uploads\nmy.bucket.s3.local"),
                       ("bucket_only", "/bucket/\nlocalhost"), ("service", "/\n[::1]:9000"),
                       ("bucket_name", "my-bucket.example-1"), ("ip_bucket", "192.168.5.4"),
                       ("dotdot_key", "/bucket/../../etc/passwd\n127.0.0.1"),
                       ("absolute_key", "/bucket//etc/passwd\n127.0.0.1")]:
        write("fuzz_request_target", name, text)


def xml():
    write("fuzz_xml_complete_multipart", "two_parts",
          '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
          '<Part><ETag>"a54357aff0632cce46d942af68356b38"</ETag><PartNumber>1</PartNumber></Part>'
          '<Part><ETag>"0c78aef83f66abc1fa1e8477f296d394"</ETag><PartNumber>2</PartNumber>'
          '<ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>')
    write("fuzz_xml_delete_objects", "two_keys",
          '<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>'
          '<Object><Key>a&#xD;b</Key></Object><Object><Key>dir/c</Key><VersionId>00000000000000000000000000000001</VersionId>'
          '</Object></Delete>')
    write("fuzz_xml_tagging", "two_tags",
          '<Tagging><TagSet><Tag><Key>project</Key><Value>silt</Value></Tag><Tag><Key>env</Key><Value></Value></Tag>'
          '</TagSet></Tagging>')
    write("fuzz_xml_tagging", "header_form", "project=silt&env=a%20b&empty=\n")
    write("fuzz_xml_cors", "rules",
          '<CORSConfiguration><CORSRule><AllowedOrigin>http://*.example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>'
          '<AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>'
          '<MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule><CORSRule><AllowedOrigin>*</AllowedOrigin>'
          '<AllowedMethod>HEAD</AllowedMethod></CORSRule></CORSConfiguration>'
          '\n--\nhttp://www.example.com\nPUT\ncontent-type, x-amz-meta-a\n')
    write("fuzz_xml_versioning", "enabled",
          '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status>'
          '</VersioningConfiguration>')
    write("fuzz_xml_versioning", "suspended_mfa",
          '<VersioningConfiguration><Status>Suspended</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>')

    # fuzz_xml_bucket_documents: the first byte picks the parser (0 PAB, 1 ownership,
    # 2 lock configuration, 3 retention, 4 legal hold).
    write("fuzz_xml_bucket_documents", "public_access_block",
          "\x00<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>"
          "<RestrictPublicBuckets>false</RestrictPublicBuckets></PublicAccessBlockConfiguration>")
    write("fuzz_xml_bucket_documents", "ownership",
          "\x01<OwnershipControls><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule>"
          "</OwnershipControls>")
    write("fuzz_xml_bucket_documents", "lock_configuration",
          "\x02<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>"
          "<Mode>GOVERNANCE</Mode><Days>30</Days></DefaultRetention></Rule></ObjectLockConfiguration>")
    write("fuzz_xml_bucket_documents", "retention",
          "\x03<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-01T00:00:00.000Z</RetainUntilDate>"
          "</Retention>")
    write("fuzz_xml_bucket_documents", "legal_hold", "\x04<LegalHold><Status>ON</Status></LegalHold>")


def sse():
    # fuzz_sse: the first byte picks the parser (0 PutBucketEncryption, 1 PUT headers, 2 key file).
    import base64, hashlib
    key = bytes(range(32))
    b64, md5 = base64.b64encode(key).decode(), base64.b64encode(hashlib.md5(key).digest()).decode()
    write("fuzz_sse", "default_kms",
          "\x00<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
          "<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>alias/lake</KMSMasterKeyID>"
          "</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule>"
          "</ServerSideEncryptionConfiguration>")
    write("fuzz_sse", "default_s3",
          "\x00<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
          "<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>"
          "</ServerSideEncryptionConfiguration>")
    write("fuzz_sse", "sse_c", "\x01" + "\n".join([
        "x-amz-server-side-encryption-customer-algorithm: AES256",
        f"x-amz-server-side-encryption-customer-key: {b64}",
        f"x-amz-server-side-encryption-customer-key-MD5: {md5}",
        "x-amz-copy-source-server-side-encryption-customer-algorithm: AES256",
        f"x-amz-copy-source-server-side-encryption-customer-key: {b64}",
        f"x-amz-copy-source-server-side-encryption-customer-key-MD5: {md5}"]) + "\n")
    context = base64.b64encode(b'{"project":"lake"}').decode()
    write("fuzz_sse", "sse_kms", "\x01" + "\n".join([
        "x-amz-server-side-encryption: aws:kms",
        "x-amz-server-side-encryption-aws-kms-key-id: alias/lake",
        f"x-amz-server-side-encryption-context: {context}",
        "x-amz-server-side-encryption-bucket-key-enabled: false"]) + "\n")
    write("fuzz_sse", "sse_s3", "\x01x-amz-server-side-encryption: AES256\n")
    write("fuzz_sse", "key_file", f"\x02# rotated 2026-12\nnew:{b64}\nold:{base64.b64encode(bytes(range(32, 64))).decode()}\n")


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def lp(b):
    return varint(len(b)) + b


def listing_entry(size, mtime_ms, etag, storage_class=b"", version_id=b"", delete_marker=False, no_data=False):
    """A listing entry (docs/format.md, "Listing header", tag 0x03)."""
    flags = (1 if delete_marker else 0) | (2 if no_data else 0)
    return b"\x03" + bytes([flags]) + varint(size) + varint(mtime_ms) + lp(etag) + lp(storage_class) + lp(version_id)


def listing_block():
    # [u8 n][name][u16 m][block], then deltas [u8 k][key][u16 v][value] (fuzz_listing_block.cpp).
    def framed(name, block, deltas=()):
        out = bytes([len(name)]) + name + struct.pack("<H", len(block)) + block
        for key, value in deltas:
            out += bytes([len(key)]) + key + struct.pack("<H", len(value)) + value
        return out

    def block(entries):
        return b"\x04" + varint(len(entries)) + b"".join(lp(k) + lp(e) for k, e in entries)

    etag = b"0123456789abcdef0123456789abcdef"
    entries = [(b"dir/obj-%d" % i, listing_entry(i * 4096, 1795000000123 + i, etag, b"STANDARD_IA" if i % 3 else b"",
                                                  b"v%d" % i if i % 2 else b"", delete_marker=i % 7 == 5))
               for i in range(5)]
    one = block(entries[:1])
    write("fuzz_listing_block", "block_one", framed(entries[0][0], one))
    five = block(entries)
    write("fuzz_listing_block", "block_five", framed(entries[-1][0], five))
    tomb = b"\x05"
    changed = listing_entry(7, 1795000009999, etag + b"-2", no_data=True)
    write("fuzz_listing_block", "block_and_deltas",
          framed(entries[-1][0], five, [(entries[1][0], changed), (b"dir/obj-1x", changed), (entries[2][0], tomb)]))
    write("fuzz_listing_block", "deltas_only", framed(b"", b"", [(b"a", changed), (b"b", tomb)]))
    # A delta holding a whole index value (tag 0x02), not a listing entry: must never be folded.
    write("fuzz_listing_block", "delta_not_an_entry",
          framed(entries[-1][0], five, [(entries[3][0], b"\x02" + changed[1:] + lp(b""))]))


if __name__ == "__main__":
    sigv4(); sigv2(); aws_chunked(); request_parser(); post_policy(); range_(); conditional(); form_data(); request_target(); xml()
    signed_headers(); sse(); listing_block()
