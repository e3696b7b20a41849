"""Put/Get/DeleteBucketLifecycleConfiguration with boto3, aws cli and raw signed
requests: valid configurations read back as rules, every invalid one gets S3's code
and message, and the legacy PutBucketLifecycle form is accepted. Issue 4 item 4.

The embedded default deployment maps STANDARD_IA (issue 4 item 1), which the
transition cases use; DEEP_ARCHIVE is a class S3 knows that it does not map."""
import base64
import datetime
import hashlib
import json
import xml.etree.ElementTree as ET

import pytest

from s3assert import client_error, code

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
MALFORMED = "The XML you provided was not well-formed or did not validate against our published schema"
JAN_2030 = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)

RULES = [
    {"ID": "raw-to-ia", "Status": "Enabled", "Filter": {"Prefix": "raw/"},
     "Transitions": [{"Days": 7, "StorageClass": "STANDARD_IA"}],
     "Expiration": {"Days": 365}},
    {"ID": "tagged-big", "Status": "Disabled",
     "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "tier", "Value": "raw"}, {"Key": "team", "Value": "x"}],
                        "ObjectSizeGreaterThan": 1024, "ObjectSizeLessThan": 1 << 30}},
     "Expiration": {"Days": 30}},
    {"ID": "one-tag", "Status": "Enabled", "Filter": {"Tag": {"Key": "temp", "Value": "yes"}},
     "Expiration": {"Date": JAN_2030}},
    {"ID": "versions", "Status": "Enabled", "Filter": {"Prefix": "v/"},
     "NoncurrentVersionTransitions": [{"NoncurrentDays": 3, "StorageClass": "STANDARD_IA",
                                       "NewerNoncurrentVersions": 1}],
     "NoncurrentVersionExpiration": {"NoncurrentDays": 10, "NewerNoncurrentVersions": 2}},
    {"ID": "cleanup", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
     "Expiration": {"ExpiredObjectDeleteMarker": True},
     "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}},
    {"ID": "big-only", "Status": "Enabled", "Filter": {"ObjectSizeGreaterThan": 1 << 20},
     "Transitions": [{"Date": JAN_2030, "StorageClass": "STANDARD_IA"}]},
    {"ID": "everything", "Status": "Enabled", "Filter": {},
     "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
]


def put(s3, bucket, rules):
    return s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})


def by_id(rules):
    return {r["ID"]: r for r in rules}


def lifecycle_xml(rules_xml: str) -> bytes:
    return f"<LifecycleConfiguration>{rules_xml}</LifecycleConfiguration>".encode()


def raw_put(silt, bucket, body: bytes, headers=None):
    h = {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}
    h.update(headers or {})
    return silt.request("PUT", bucket, params=[("lifecycle", None)], headers=h, body=body)


# --- valid configurations ---------------------------------------------------------------

def test_put_get_delete_round_trip(s3, bucket):
    e = client_error(s3.get_bucket_lifecycle_configuration, Bucket=bucket)
    assert code(e) == ("NoSuchLifecycleConfiguration", 404)
    assert e.response["Error"]["Message"] == "The lifecycle configuration does not exist"

    resp = put(s3, bucket, RULES)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = by_id(s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"])
    assert list(got) == [r["ID"] for r in RULES]  # order kept

    r = got["raw-to-ia"]
    assert r["Status"] == "Enabled"
    assert r["Filter"] == {"Prefix": "raw/"}
    assert r["Transitions"] == [{"Days": 7, "StorageClass": "STANDARD_IA"}]
    assert r["Expiration"] == {"Days": 365}

    r = got["tagged-big"]
    assert r["Status"] == "Disabled"
    assert r["Filter"]["And"] == RULES[1]["Filter"]["And"]

    r = got["one-tag"]
    assert r["Filter"] == {"Tag": {"Key": "temp", "Value": "yes"}}
    assert r["Expiration"]["Date"] == JAN_2030

    r = got["versions"]
    assert r["NoncurrentVersionTransitions"] == RULES[3]["NoncurrentVersionTransitions"]
    assert r["NoncurrentVersionExpiration"] == {"NoncurrentDays": 10, "NewerNoncurrentVersions": 2}

    r = got["cleanup"]
    assert r["Expiration"] == {"ExpiredObjectDeleteMarker": True}
    assert r["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 2}

    r = got["big-only"]
    assert r["Filter"] == {"ObjectSizeGreaterThan": 1 << 20}
    assert r["Transitions"] == [{"Date": JAN_2030, "StorageClass": "STANDARD_IA"}]

    assert got["everything"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}

    resp = s3.delete_bucket_lifecycle(Bucket=bucket)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    e = client_error(s3.get_bucket_lifecycle_configuration, Bucket=bucket)
    assert code(e) == ("NoSuchLifecycleConfiguration", 404)
    # Deleting what is not there is still 204, as on S3.
    assert s3.delete_bucket_lifecycle(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_put_replaces_and_generates_missing_ids(s3, bucket):
    put(s3, bucket, RULES)
    put(s3, bucket, [{"Status": "Enabled", "Filter": {"Prefix": "a/"}, "Expiration": {"Days": 1}},
                     {"ID": "given", "Status": "Enabled", "Filter": {"Prefix": "b/"}, "Expiration": {"Days": 2}}])
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert len(rules) == 2
    assert rules[0]["ID"] and rules[0]["ID"] != "given"
    assert rules[1]["ID"] == "given"
    # The generated ID is kept from then on.
    again = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert again[0]["ID"] == rules[0]["ID"]


def test_aws_cli_round_trip(silt, bucket, tmp_path):
    config = {"Rules": [
        {"ID": "cli-rule", "Status": "Enabled", "Filter": {"Prefix": "data/"},
         "Transitions": [{"Days": 0, "StorageClass": "STANDARD_IA"}],
         "NoncurrentVersionExpiration": {"NoncurrentDays": 5}},
        {"ID": "cli-marker", "Status": "Enabled", "Filter": {"Prefix": ""},
         "Expiration": {"ExpiredObjectDeleteMarker": True}},
    ]}
    f = tmp_path / "lc.json"
    f.write_text(json.dumps(config))
    silt.aws("s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket,
             "--lifecycle-configuration", f"file://{f}")
    out = json.loads(silt.aws("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket,
                              "--output", "json").stdout)
    rules = by_id(out["Rules"])
    assert rules["cli-rule"]["Transitions"] == [{"Days": 0, "StorageClass": "STANDARD_IA"}]
    assert rules["cli-rule"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 5}
    assert rules["cli-marker"]["Expiration"] == {"ExpiredObjectDeleteMarker": True}

    silt.aws("s3api", "delete-bucket-lifecycle", "--bucket", bucket)
    r = silt.aws("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket, check=False)
    assert r.returncode != 0 and "NoSuchLifecycleConfiguration" in r.stderr

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"Rules": [{"ID": "x", "Status": "Enabled", "Filter": {},
                                          "Expiration": {"Days": 0}}]}))
    r = silt.aws("s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket,
                 "--lifecycle-configuration", f"file://{bad}", check=False)
    assert r.returncode != 0
    assert "InvalidArgument" in r.stderr and "'Days' for Expiration action must be a positive integer" in r.stderr


def test_legacy_put_bucket_lifecycle(silt, s3, bucket):
    """Old clients call PutBucketLifecycle: same ?lifecycle PUT, rule-level Prefix."""
    s3.put_bucket_lifecycle(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "old", "Prefix": "old/", "Status": "Enabled", "Expiration": {"Days": 3}},
        {"ID": "older", "Prefix": "other/", "Status": "Enabled",
         "NoncurrentVersionExpiration": {"NoncurrentDays": 4}}]})
    rules = by_id(s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"])
    # Answered as put (issue 19): the rule-level Prefix stays one, no Filter is made up.
    assert rules["old"]["Prefix"] == "old/" and "Filter" not in rules["old"]
    assert rules["old"]["Expiration"] == {"Days": 3}
    assert rules["older"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 4}
    # The legacy GetBucketLifecycle reads the same subresource.
    assert [r["ID"] for r in s3.get_bucket_lifecycle(Bucket=bucket)["Rules"]] == ["old", "older"]

    r = raw_put(silt, bucket, lifecycle_xml(
        "<Rule><ID>a</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>"
        "<Rule><ID>b</ID><Prefix>logs/x</Prefix><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>"))
    assert r.status == 400 and r.error_code() == "InvalidRequest", r
    assert "Found overlapping prefixes 'logs/' and 'logs/x' for same action type 'Expiration'" in r.text


# --- invalid configurations -------------------------------------------------------------

def rule(**kw):
    base = {"ID": "r", "Status": "Enabled", "Filter": {}}
    base.update(kw)
    return base


INVALID = [
    # (rules, code, message)
    ([rule(Expiration={"Days": 0})], "InvalidArgument", "'Days' for Expiration action must be a positive integer"),
    ([rule(Expiration={"Days": -1})], "InvalidArgument", "'Days' for Expiration action must be a positive integer"),
    ([rule(Expiration={"Date": datetime.datetime(2030, 1, 1, 12, tzinfo=datetime.timezone.utc)})],
     "InvalidArgument", "'Date' must be at midnight GMT"),
    ([rule(Expiration={"Days": 1}), rule(Expiration={"Days": 2})], "InvalidArgument",
     "Rule ID must be unique. Found same ID for more than one rule"),
    ([rule(ID="x" * 256, Expiration={"Days": 1})], "InvalidArgument", "ID length should not exceed allowed limit of 255"),
    ([rule(Transitions=[{"Days": -1, "StorageClass": "STANDARD_IA"}])], "InvalidArgument",
     "'Days' in Transition action must be nonnegative"),
    ([rule(Filter={"Prefix": "p/"}, Transitions=[{"Days": 40, "StorageClass": "STANDARD_IA"}], Expiration={"Days": 40})],
     "InvalidArgument",
     "'Days' in the Expiration action for filter '(prefix=p/)' must be greater than 'Days' in the Transition action"),
    ([rule(NoncurrentVersionExpiration={"NoncurrentDays": 0})], "InvalidArgument",
     "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"),
    ([rule(NoncurrentVersionExpiration={"NoncurrentDays": 1, "NewerNoncurrentVersions": 0})], "InvalidArgument",
     "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer"),
    ([rule(AbortIncompleteMultipartUpload={"DaysAfterInitiation": 0})], "InvalidArgument",
     "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"),
    ([rule()], "InvalidRequest", "At least one action needs to be specified in a rule"),
    ([rule(Filter={"Tag": {"Key": "k", "Value": "v"}}, Expiration={"ExpiredObjectDeleteMarker": True})],
     "InvalidRequest", "ExpiredObjectDeleteMarker cannot be specified with Tags."),
    ([rule(Filter={"And": {"Prefix": "a", "Tags": [{"Key": "k", "Value": "v"}]}},
           AbortIncompleteMultipartUpload={"DaysAfterInitiation": 1})],
     "InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags."),
    ([rule(Transitions=[{"Days": 1, "StorageClass": "STANDARD_IA"}, {"Days": 2, "StorageClass": "STANDARD_IA"}])],
     "InvalidRequest", "'StorageClass' must be different for 'Transition' actions in same 'Rule' with filter '(prefix=)'"),
    ([rule(Transitions=[{"Date": JAN_2030, "StorageClass": "STANDARD_IA"}], Expiration={"Days": 9})],
     "InvalidRequest",
     "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule for filter '(prefix=)'"),
    ([rule(Filter={"And": {"Tags": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]}}, Expiration={"Days": 1})],
     "InvalidRequest", "Duplicate Tag Keys are not allowed."),
    ([rule(Filter={"And": {"ObjectSizeGreaterThan": 9, "ObjectSizeLessThan": 9}}, Expiration={"Days": 1})],
     "InvalidRequest", "'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'."),
    ([rule(ID=f"r{i}", Expiration={"Days": 1}) for i in range(1001)], "InvalidRequest",
     "The number of lifecycle rules must not exceed the allowed limit of 1000 rules."),
    ([rule(Status="On", Expiration={"Days": 1})], "MalformedXML", MALFORMED),
    ([rule(Expiration={"Days": 1, "Date": JAN_2030})], "MalformedXML", MALFORMED),
    ([rule(Expiration={"Days": 1, "ExpiredObjectDeleteMarker": True})], "MalformedXML", MALFORMED),
    ([rule(Filter={"Prefix": "a", "Tag": {"Key": "k", "Value": "v"}}, Expiration={"Days": 1})], "MalformedXML", MALFORMED),
    ([{"ID": "r", "Status": "Enabled", "Expiration": {"Days": 1}}], "MalformedXML", MALFORMED),
    ([rule(Transitions=[{"Days": 1, "StorageClass": "STANDARD"}])], "MalformedXML", MALFORMED),
    ([rule(Transitions=[{"Days": 1, "StorageClass": "NO_SUCH_CLASS"}])], "MalformedXML", MALFORMED),
    ([rule(Transitions=[{"Days": 1, "StorageClass": "DEEP_ARCHIVE"}])], "InvalidStorageClass",
     "The storage class you specified is not valid"),
]


@pytest.mark.parametrize("rules,want_code,message", INVALID,
                         ids=[f"{c}-{i}" for i, (_, c, _) in enumerate(INVALID)])
def test_invalid_configuration(s3, bucket, rules, want_code, message):
    e = client_error(put, s3, bucket, rules)
    assert code(e) == (want_code, 400)
    assert e.response["Error"]["Message"] == message
    # Nothing was stored.
    assert code(client_error(s3.get_bucket_lifecycle_configuration, Bucket=bucket))[0] == "NoSuchLifecycleConfiguration"


def test_invalid_configuration_keeps_the_previous_one(s3, bucket):
    put(s3, bucket, RULES[:1])
    client_error(put, s3, bucket, [rule(Expiration={"Days": 0})])
    assert [r["ID"] for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]] == ["raw-to-ia"]


@pytest.mark.parametrize("body", [
    b"not xml at all",
    b"<LifecycleConfiguration><Rule>",
    b"<CORSConfiguration/>",
    lifecycle_xml("<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"
                  "<Bogus/></Rule>"),
    lifecycle_xml("<Rule><ID>a</ID><Prefix>x</Prefix><Filter/><Status>Enabled</Status>"
                  "<Expiration><Days>1</Days></Expiration></Rule>"),
    lifecycle_xml("<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>soon</Days></Expiration></Rule>"),
])
def test_malformed_documents(silt, bucket, body):
    r = raw_put(silt, bucket, body)
    assert r.status == 400 and r.error_code() == "MalformedXML", r


def test_empty_configuration_is_invalid_request(silt, bucket):
    r = raw_put(silt, bucket, b"<LifecycleConfiguration></LifecycleConfiguration>")
    assert r.status == 400 and r.error_code() == "InvalidRequest", r
    assert ET.fromstring(r.body).findtext("Message") == "At least one lifecycle rule must be specified."


def test_content_md5(silt, s3, bucket):
    body = lifecycle_xml("<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>")
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    r = raw_put(silt, bucket, body, {"Content-MD5": wrong})
    assert r.status == 400 and r.error_code() == "BadDigest", r
    r = raw_put(silt, bucket, body, {"Content-MD5": "not-base64!"})
    assert r.status == 400 and r.error_code() == "InvalidDigest", r
    assert code(client_error(s3.get_bucket_lifecycle_configuration, Bucket=bucket))[0] == "NoSuchLifecycleConfiguration"
    r = raw_put(silt, bucket, body)
    assert r.status == 200, r
    # Without Content-MD5 too (silt does not insist on it).
    r = silt.request("PUT", bucket, params=[("lifecycle", None)], body=body)
    assert r.status == 200, r
    # The stored document is the normalized one, in the S3 namespace, with the rule as
    # put: an empty Filter stays empty (issue 19; it used to gain an empty Prefix).
    got = silt.request("GET", bucket, params=[("lifecycle", None)])
    assert got.status == 200
    root = ET.fromstring(got.body)
    assert root.tag == NS + "LifecycleConfiguration"
    assert root.find(f"{NS}Rule/{NS}Filter") is not None
    assert list(root.find(f"{NS}Rule/{NS}Filter")) == []


def test_missing_bucket(s3):
    for fn, kw in ((s3.get_bucket_lifecycle_configuration, {}), (s3.delete_bucket_lifecycle, {}),
                   (put, {})):
        if fn is put:
            e = client_error(put, s3, "no-such-bucket-lc", [rule(Expiration={"Days": 1})])
        else:
            e = client_error(fn, Bucket="no-such-bucket-lc", **kw)
        assert code(e) == ("NoSuchBucket", 404)
