"""Fixtures: one real silt per test module, and a fresh bucket per test."""
import os

import pytest

from silt_server import SiltServer, bucket_name

# Keep the developer's own AWS settings out of the clients the tests build.
for _var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN",
             "AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION"):
    os.environ.pop(_var, None)


def pytest_collection_modifyitems(config, items):
    if os.environ.get("SILT_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow test: set SILT_SLOW=1 (scripts/test.sh --slow)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def silt(tmp_path_factory):
    """A running silt with an empty data dir. Teardown: SIGTERM must exit 0 within 10 s."""
    server = SiltServer(tmp_path_factory.mktemp("silt"))
    try:
        server.start()
    except RuntimeError as e:
        server.stop()
        pytest.fail(str(e), pytrace=False)
    yield server
    code = server.stop(timeout=10)
    assert code == 0, f"silt exit code after SIGTERM: {code}\n{server.log_tail()}"


@pytest.fixture(scope="module")
def s3(silt):
    return silt.boto3()


@pytest.fixture
def bucket(silt, s3, request):
    """A new, empty bucket named after the test."""
    name = bucket_name(request.node.name)
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def rand(tmp_path):
    """rand(size, name) -> path of a new file with os.urandom content."""
    def make(size, name=None):
        p = tmp_path / (name or f"r{size}-{os.urandom(2).hex()}.bin")
        p.parent.mkdir(parents=True, exist_ok=True)
        with open(p, "wb") as f:
            left = size
            while left:
                n = min(left, 1 << 20)
                f.write(os.urandom(n))
                left -= n
        return p
    return make
