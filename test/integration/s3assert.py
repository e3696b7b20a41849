"""Small assertions shared by the boto3-based test modules."""
import hashlib
import time
import xml.etree.ElementTree as ET

import pytest
from botocore.exceptions import ClientError


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
