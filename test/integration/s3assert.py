"""Small assertions shared by the boto3-based test modules."""
import hashlib

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
