"""Median latency of GETs of a 4 KiB object: by the owner (a non-admin user) without a
bucket policy, with one, and anonymously through a public-read policy. Shows what the
access decision costs on the hot path. Uses test/integration's SiltServer; run with
/usr/bin/python3 (boto3, requests):

  SILT_BIN=build/silt /usr/bin/python3 bench/policy_latency.py [N]
"""
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "test" / "integration"))
import boto3  # noqa: E402
import requests  # noqa: E402
from botocore.config import Config  # noqa: E402
from silt_server import SiltServer  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 500


def timed(fn, n):
    for _ in range(20):  # warm up connections and caches
        fn()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out), sorted(out)[int(n * 0.99) - 1]


def main():
    s = SiltServer(pathlib.Path(tempfile.mkdtemp(prefix="silt-bench-")))
    s.start()
    try:
        r = s.admin("user", "add", "alice", "--secret-stdin", input="alice-secret-0123\n")
        assert r.returncode == 0, r.stderr
        alice = boto3.session.Session().client(
            "s3", endpoint_url=s.endpoint, region_name=s.region, aws_access_key_id="alice",
            aws_secret_access_key="alice-secret-0123",
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
        b = "bench-" + os.urandom(3).hex()
        alice.create_bucket(Bucket=b)
        alice.put_object(Bucket=b, Key="obj", Body=os.urandom(4096))
        get = lambda: alice.get_object(Bucket=b, Key="obj")["Body"].read()  # noqa: E731
        rows = [("owner, no policy", *timed(get, N))]
        doc = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{b}/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": f"arn:aws:s3:::{b}/*",
             "Condition": {"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}}}]}
        try:
            alice.put_bucket_policy(Bucket=b, Policy=json.dumps(doc))
        except Exception as e:  # a silt without bucket policies (the baseline): the first row only
            print(f"no bucket policies: {e}")
        else:
            rows.append(("owner, policy present", *timed(get, N)))
            sess = requests.Session()
            url = f"{s.endpoint}/{b}/obj"
            rows.append(("anonymous, public-read policy", *timed(lambda: sess.get(url).content, N)))
            rows.append(("anonymous, denied (403)",
                         *timed(lambda: sess.get(f"{s.endpoint}/{b}?list-type=2").content, N)))
        print(f"{N} GETs of a 4 KiB object, median / p99 in ms")
        for name, med, p99 in rows:
            print(f"  {name:32s} {med:6.2f} / {p99:6.2f}")
    finally:
        s.stop()


if __name__ == "__main__":
    main()
