"""Small assertions shared by the boto3-based test modules."""
import hashlib
import time
import xml.etree.ElementTree as ET

import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from silt_server import s3_client


def md5_etag(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest() + '"'


def client_error(fn, *args, **kwargs) -> ClientError:
    """Calls fn and returns the ClientError it must raise."""
    with pytest.raises(ClientError) as ei:
        fn(*args, **kwargs)
    return ei.value


def code(e: ClientError):
    """(S3 error code, HTTP status) of a ClientError."""
    return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]


def hdrs(resp):
    return resp["ResponseMetadata"]["HTTPHeaders"]


def wait_for(what, pred, timeout=30, interval=0.2):
    """pred()'s first truthy value within timeout seconds; fails the test otherwise."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    pytest.fail(f"timed out waiting for {what}")


def error_code(body):
    """The Code of an S3 XML error body (which must be one)."""
    root = ET.fromstring(body)
    assert root.tag == "Error", body
    return root.findtext("Code")


def ok(result):
    """A finished subprocess that must have exited 0 (the output shows if not)."""
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def client(silt, access_key=None, secret_key=None, unsigned=False):
    """A boto3 client for silt as access_key (unsigned: anonymous), no retries."""
    cfg = dict(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1},
               connect_timeout=5, read_timeout=20)
    cfg["signature_version"] = UNSIGNED if unsigned else "s3v4"
    kw = {} if unsigned else dict(aws_access_key_id=access_key, aws_secret_access_key=secret_key)
    return s3_client(endpoint_url=silt.endpoint, region_name=silt.region, config=Config(**cfg), **kw)
