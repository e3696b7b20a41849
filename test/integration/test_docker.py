"""silt's Docker image and compose files, run for real (docs/operations.md, "Docker").

One private Docker engine for this module (scripts/docker-engine.sh: its own dockerd, socket,
data and exec roots under build/docker-engine or $SILT_DOCKER_DIR; no iptables, no docker0,
no IP forwarding; base images made with mmdebstrap, no registry), stopped by PID at the end.
  - Fast variant, every run: the image is docker/Dockerfile's runtime stage around the silt
    this suite already built (SILT_BINARY=prebuilt, a stripped copy in a temp context).
  - Full variant, SILT_SLOW=1 only: the unmodified multi-stage build, then the same checks.
With the image tagged silt:latest:
  - docker/docker-compose.yml comes up healthy with `docker-compose up -d --no-build`; its
    bucket exists (SILT_BUCKETS); the host uses it with the aws cli on 127.0.0.1:SILT_PORT;
    a second container on the compose network reaches http://silt:9000 and signs requests.
  - docker/examples/silt-compose.yml (the MinIO swap), with only its published ports moved
    to 127.0.0.1:<free port>: the `minio` service passes its own healthcheck and serves the
    MinIO-style credentials; the `app` service's aws cli script runs from the host.
  - `docker-compose down -v` leaves no container, network or volume; stopping the engine
    leaves the host's interfaces, firewall rules, ip_forward, mounts and dirs as they were.
The engine needs root: without it the module is skipped. Anything else that stops the engine
from starting fails the tests (CI installs docker.io and mmdebstrap). Measured times and sizes
are appended to ENGINE_DIR/timings.txt.
"""
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import time

import pytest
import yaml

from silt_server import REPO, free_port, silt_binary

ENGINE_SCRIPT = REPO / "scripts" / "docker-engine.sh"
ENGINE_DIR = pathlib.Path(os.environ.get("SILT_DOCKER_DIR") or REPO / "build" / "docker-engine")
DOCKERFILE = REPO / "docker" / "Dockerfile"
DEV_COMPOSE = REPO / "docker" / "docker-compose.yml"
MINIO_COMPOSE = REPO / "docker" / "examples" / "silt-compose.yml"
DOCKER = "/usr/bin/docker"  # Debian's: a newer /usr/local/bin/docker has no buildx
COMPOSE = "/usr/bin/docker-compose"
IMAGE = "silt:latest"
# What the compose files read from the environment: never taken from the developer's.
COMPOSE_VARS = ("SILT_ROOT_USER", "SILT_ROOT_PASSWORD", "SILT_BUCKETS", "SILT_PORT", "MINIO_ROOT_USER",
                "MINIO_ROOT_PASSWORD")


def timing(what, value, unit="s"):
    """Records a measured figure for docs/operations.md (ENGINE_DIR/timings.txt) and prints it."""
    line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {what}: {value:.1f} {unit}"
    print(line)
    with open(ENGINE_DIR / "timings.txt", "a") as f:
        f.write(line + "\n")


def host_state():
    """What the engine must leave as it found it: network interfaces, firewall rules, IP
    forwarding, mounts under ENGINE_DIR, and the dirs dockerd and containerd create outside it."""
    def rules(argv):
        if shutil.which(argv[0]) is None:
            return None
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return [line for line in p.stdout.splitlines() if not line.startswith("#")]
    mounts = [line.split()[4] for line in open("/proc/self/mountinfo")
              if line.split()[4].startswith(str(ENGINE_DIR) + "/")]
    paths = ["/etc/docker/key.json", "/run/docker", "/run/containerd", "/run/runc", "/var/lib/docker"]
    paths += [str(p) for p in pathlib.Path("/sys/fs/cgroup").glob("*/silt-docker-*")]
    paths += [str(p) for p in pathlib.Path("/sys/fs/cgroup").glob("silt-docker-*")]  # cgroup v2
    return {
        "interfaces": sorted(os.listdir("/sys/class/net")),
        "ip_forward": pathlib.Path("/proc/sys/net/ipv4/ip_forward").read_text().strip(),
        "ipv6_forwarding": pathlib.Path("/proc/sys/net/ipv6/conf/all/forwarding").read_text().strip()
        if pathlib.Path("/proc/sys/net/ipv6/conf/all/forwarding").exists() else None,
        "iptables": rules(["iptables-save"]),
        "ip6tables": rules(["ip6tables-save"]),
        "nft": rules(["nft", "list", "ruleset"]),
        "mounts": mounts,
        "paths": sorted(p for p in paths if os.path.exists(p)),
    }


def running(pid):
    """True while pid is a process that is not a zombie (an exited dockerd waits to be reaped
    by init, which may take a moment)."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def processes_naming(path):
    """Live PIDs whose command line names path: dockerd, containerd and the shims all do."""
    found = []
    for proc in pathlib.Path("/proc").glob("[0-9]*"):
        try:
            if str(path).encode() in (proc / "cmdline").read_bytes() and running(proc.name):
                found.append(int(proc.name))
        except OSError:
            pass  # gone meanwhile
    return found


class Engine:
    """The module's dockerd, driven through scripts/docker-engine.sh and Debian's clients."""

    def __init__(self, root):
        self.root = root
        self.env = {k: v for k, v in os.environ.items()
                    if k not in COMPOSE_VARS and not k.startswith(("DOCKER_", "COMPOSE_"))}
        self.env.update(DOCKER_HOST=f"unix://{root}/docker.sock", DOCKER_CONFIG=str(root / "client"),
                        DOCKER_BUILDKIT="1", COMPOSE_DOCKER_CLI_BUILD="1",
                        PATH="/usr/bin:/usr/sbin:/bin:/sbin:" + os.environ.get("PATH", ""))
        self.pid = None

    def script(self, verb, timeout):
        p = subprocess.run([str(ENGINE_SCRIPT), verb, str(self.root)], capture_output=True, text=True,
                           timeout=timeout, env=self.env)
        assert p.returncode == 0, f"docker-engine.sh {verb} exited {p.returncode}:\n{p.stderr[-4000:]}"
        return p

    def start(self):
        self.root.mkdir(parents=True, exist_ok=True)
        self.script("start", timeout=900)
        self.pid = int((self.root / "dockerd.pid").read_text())
        argv = pathlib.Path(f"/proc/{self.pid}/cmdline").read_bytes().decode().split("\0")
        # ENGINE_DIR/exec, or a short dir in /run when ENGINE_DIR is deep (socket path limits).
        self.exec_root = pathlib.Path(argv[argv.index("--exec-root") + 1])

    def stop(self):
        self.script("stop", timeout=300)

    def docker(self, *args, timeout=120, check=True, **kw):
        p = subprocess.run([DOCKER, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                           env=self.env, **kw)
        if check:
            assert p.returncode == 0, f"docker {' '.join(map(str, args))}:\n{p.stdout[-3000:]}{p.stderr[-3000:]}"
        return p

    def build(self, log_name, *args, timeout):
        """docker build (BuildKit, host network); its plain progress log goes to ENGINE_DIR."""
        started = time.monotonic()
        with open(self.root / log_name, "w") as log:
            p = subprocess.run([DOCKER, "build", "--network", "host", "--progress", "plain", *map(str, args)],
                               stdout=log, stderr=subprocess.STDOUT, timeout=timeout, env=self.env)
        elapsed = time.monotonic() - started
        assert p.returncode == 0, f"docker build failed:\n{(self.root / log_name).read_text()[-5000:]}"
        return elapsed


class Stack:
    """One compose project on the engine (docker-compose 1.x, images already built)."""

    def __init__(self, engine, file, project, env):
        self.engine, self.file, self.project = engine, file, project
        self.env = dict(engine.env, **env)
        self.network = f"{project}_default"

    def compose(self, *args, timeout=180, check=True):
        p = subprocess.run([COMPOSE, "-f", str(self.file), "-p", self.project, *args], capture_output=True,
                           text=True, timeout=timeout, env=self.env)
        if check:
            assert p.returncode == 0, f"docker-compose {' '.join(args)}:\n{p.stdout[-3000:]}{p.stderr[-3000:]}"
        return p

    def config(self):
        return yaml.safe_load(self.compose("config").stdout)

    def up(self, *services):
        self.started = time.monotonic()
        self.compose("up", "-d", "--no-build", *services)

    def container(self, service):
        cid = self.compose("ps", "-q", service).stdout.strip()
        assert cid, f"no container for {service}"
        return cid

    def health(self, service):
        return self.engine.docker("inspect", "--format", "{{.State.Health.Status}}", self.container(service)
                                  ).stdout.strip()

    def wait_healthy(self, service, timeout):
        """Seconds from `up` until Docker ran the service's healthcheck and called it healthy."""
        deadline = time.monotonic() + timeout
        status = None
        while time.monotonic() < deadline:
            status = self.health(service)
            if status == "healthy":
                return time.monotonic() - self.started
            assert status in ("starting", ""), f"{service} is {status}:\n{self.logs(service)}"
            time.sleep(0.5)
        raise AssertionError(f"{service} not healthy after {timeout} s ({status}):\n{self.logs(service)}")

    def logs(self, service):
        return self.compose("logs", "--no-color", service, check=False).stdout[-5000:]

    def down(self):
        self.compose("down", "-v", "--remove-orphans")

    def run(self, *args, timeout=120, check=True):
        """A one-off container on this project's network, from the silt image."""
        return self.engine.docker("run", "--rm", "--network", self.network, *args, timeout=timeout, check=check)


def clean_aws_env(access_key, secret_key, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=access_key, AWS_SECRET_ACCESS_KEY=secret_key, AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent", **extra)
    return env


def aws(endpoint, creds, *args, check=True, timeout=120):
    if shutil.which("aws") is None:
        pytest.fail("aws cli not on PATH (scripts/install-deps.sh --test)")
    p = subprocess.run(["aws", "--endpoint-url", endpoint, *map(str, args)], capture_output=True, text=True,
                       env=clean_aws_env(*creds), timeout=timeout)
    if check:
        assert p.returncode == 0, f"aws {' '.join(map(str, args))}:\n{p.stdout}{p.stderr}"
    return p


# --- fixtures --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def engine():
    if os.geteuid() != 0:
        pytest.skip("the Docker engine test needs root (dockerd, mounts, network namespaces)")
    before = host_state()
    eng = Engine(ENGINE_DIR)
    eng.before = before
    try:
        eng.start()
        yield eng
    finally:
        eng.stop()


@pytest.fixture(scope="module")
def fast_image(engine, tmp_path_factory):
    """silt:latest made of the runtime stage and a stripped copy of the suite's silt."""
    ctx = tmp_path_factory.mktemp("docker-context")
    shutil.copy2(silt_binary(), ctx / "silt")
    subprocess.run(["strip", str(ctx / "silt")], check=True, timeout=120)
    (ctx / "docker").mkdir()
    shutil.copy2(REPO / "docker" / "entrypoint.sh", ctx / "docker" / "entrypoint.sh")
    seconds = engine.build("build-fast.log", "-f", DOCKERFILE, "--build-arg", "SILT_BINARY=prebuilt",
                           "-t", IMAGE, ctx, timeout=900)
    timing("fast image build (SILT_BINARY=prebuilt)", seconds)
    return {"sha256": hashlib.sha256((ctx / "silt").read_bytes()).hexdigest()}


def dev_stack(engine):
    return Stack(engine, DEV_COMPOSE, "siltdev", {"SILT_PORT": str(free_port())})


def minio_stack(engine, workdir):
    """docker/examples/silt-compose.yml as docker-compose resolves it, with its published ports
    (9000:9000 and 9001:9001 on every interface) replaced by 127.0.0.1:<free port>:9000."""
    resolved = Stack(engine, MINIO_COMPOSE, "siltminio", {}).config()
    svc = resolved["services"]["minio"]
    assert svc["image"] == IMAGE
    published = [(p.get("host_ip"), int(p["published"]), int(p["target"])) for p in svc["ports"]]
    assert published == [(None, 9000, 9000), (None, 9001, 9001)], svc["ports"]
    port = free_port()
    svc["ports"] = [f"127.0.0.1:{port}:9000"]
    path = workdir / "docker-compose.yml"
    path.write_text(yaml.safe_dump(resolved))
    stack = Stack(engine, path, "siltminio", {})
    stack.port = port
    return stack


@pytest.fixture(scope="module")
def stacks(fast_image, engine, tmp_path_factory):
    """Both compose projects started together, so the example's 30 s healthcheck interval
    overlaps the development stack's tests."""
    dev = dev_stack(engine)
    minio = minio_stack(engine, tmp_path_factory.mktemp("minio-compose"))
    started = []
    try:
        for stack, services in ((dev, ()), (minio, ("minio",))):
            stack.up(*services)
            started.append(stack)
        yield {"dev": dev, "minio": minio}
    finally:
        for stack in started:
            stack.compose("down", "-v", "--remove-orphans", check=False)


# --- the checks, shared by the fast and the full image ----------------------------------

def check_dev_stack_from_the_host(dev, tmp_path):
    """Healthy, its SILT_BUCKETS bucket there, served to the aws cli on the published port."""
    timing("docker-compose up to healthy (docker/docker-compose.yml)", dev.wait_healthy("silt", timeout=120))
    cfg = dev.config()["services"]["silt"]
    env = cfg["environment"]
    creds = (env["SILT_ROOT_USER"], env["SILT_ROOT_PASSWORD"])
    assert env["SILT_BUCKETS"] == "data"
    endpoint = f"http://127.0.0.1:{dev.env['SILT_PORT']}"
    assert cfg["ports"] == [f"127.0.0.1:{dev.env['SILT_PORT']}:9000/tcp"]
    listing = aws(endpoint, creds, "s3", "ls").stdout
    assert [line.split()[-1] for line in listing.splitlines()] == ["data"], listing
    assert "SILT_BUCKETS: created [data], already there []" in dev.logs("silt")
    # 9 MiB: the aws cli uploads it multipart and downloads it with ranged GETs.
    src, back = tmp_path / "up.bin", tmp_path / "down.bin"
    src.write_bytes(os.urandom(9 * 1024 * 1024 + 7))
    aws(endpoint, creds, "s3", "cp", src, "s3://data/dir/up.bin")
    assert "dir/up.bin" in aws(endpoint, creds, "s3", "ls", "--recursive", "s3://data/").stdout
    aws(endpoint, creds, "s3", "cp", "s3://data/dir/up.bin", back)
    assert back.read_bytes() == src.read_bytes()
    wrong = aws(endpoint, (creds[0], creds[1] + "x"), "s3", "ls", check=False)
    assert wrong.returncode != 0 and "SignatureDoesNotMatch" in wrong.stderr, wrong.stderr
    # The entrypoint gave the empty volume to uid 10001 and silt runs as that user.
    status = dev.engine.docker("exec", dev.container("silt"), "cat", "/proc/1/status").stdout
    assert [line.split()[1] for line in status.splitlines() if line.startswith("Uid:")] == ["10001"], status
    assert "running as root" not in dev.logs("silt")
    return creds


def check_dev_stack_from_its_network(dev, creds):
    """A second container on the compose network: the health probe by service name, a signed
    S3 request (curl --aws-sigv4) and a signed admin request (silt admin)."""
    health = dev.run("--entrypoint", "curl", IMAGE, "-fsS", "http://silt:9000/_silt/health/ready")
    assert health.stdout == "OK\n"
    body = "from inside the compose network\n"
    sigv4 = ["--entrypoint", "curl", IMAGE, "-sS", "--aws-sigv4", "aws:amz:us-east-1:s3",
             # curl 7.88 signs this header when it is given, and sends none of its own.
             "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]
    put = dev.run(*sigv4, "--user", f"{creds[0]}:{creds[1]}", "-w", "%{http_code}", "-o", "/dev/null",
                  "-X", "PUT", "--data-binary", body, "http://silt:9000/data/net.txt")
    assert put.stdout == "200", put.stdout + put.stderr
    got = dev.run(*sigv4, "--user", f"{creds[0]}:{creds[1]}", "-f", "http://silt:9000/data/net.txt")
    assert got.stdout == body
    bad = dev.run(*sigv4, "--user", f"{creds[0]}:{creds[1]}x", "http://silt:9000/data/net.txt")
    assert "<Code>SignatureDoesNotMatch</Code>" in bad.stdout, bad.stdout
    usage = dev.run("-e", f"SILT_ROOT_USER={creds[0]}", "-e", f"SILT_ROOT_PASSWORD={creds[1]}", IMAGE,
                    "admin", "--endpoint", "http://silt:9000", "usage")
    assert "data" in usage.stdout, usage.stdout


def check_minio_example(minio, tmp_path):
    """The MinIO swap: its own healthcheck (curl -f .../minio/health/live every 30 s) passes,
    and the MinIO-style credentials work: the `app` service's script, run from the host."""
    timing("docker-compose up to healthy (docker/examples/silt-compose.yml, 30 s interval)",
           minio.wait_healthy("minio", timeout=150))
    cfg = minio.config()["services"]
    env = cfg["minio"]["environment"]
    creds = (env["MINIO_ROOT_USER"], env["MINIO_ROOT_PASSWORD"])
    assert creds[0] == "minioadmin"
    log = minio.logs("minio")
    assert "root user from MINIO_ROOT_USER/MINIO_ROOT_PASSWORD" in log and "--console-address :9001 ignored" in log
    endpoint = f"http://127.0.0.1:{minio.port}"
    app = cfg["app"]
    assert app["entrypoint"] == ["/bin/sh", "-c"] and len(app["command"]) == 1
    script = app["command"][0].replace("/tmp/hello.txt", str(tmp_path / "hello.txt"))
    app_env = clean_aws_env(*creds, AWS_ENDPOINT_URL=endpoint)
    p = subprocess.run(["/bin/sh", "-c", script], env=app_env, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0 and "hello.txt" in p.stdout, p.stdout + p.stderr
    got = aws(endpoint, creds, "s3", "cp", "s3://uploads/hello.txt", "-").stdout
    assert got == (tmp_path / "hello.txt").read_text()
    # Inside the example's network the service is `minio`, as the applications know it.
    probe = minio.run("--entrypoint", "curl", IMAGE, "-fsS", "-o", "/dev/null", "-w", "%{http_code}",
                      "http://minio:9000/minio/health/live")
    assert probe.stdout == "200"
    wrong = aws(endpoint, (creds[0], "minioadmin"), "s3", "ls", check=False)
    assert wrong.returncode != 0 and "SignatureDoesNotMatch" in wrong.stderr, wrong.stderr


# --- tests -------------------------------------------------------------------------------

def test_engine_is_private_and_leaves_the_host_network_alone(engine):
    info = json.loads(engine.docker("info", "--format", "{{json .}}").stdout)
    assert info["DockerRootDir"] == str(ENGINE_DIR / "data")
    cmdline = pathlib.Path(f"/proc/{engine.pid}/cmdline").read_bytes().split(b"\0")
    assert cmdline[0] == b"/usr/sbin/dockerd"
    for flag in (b"--iptables=false", b"--ip-masq=false", b"--ip-forward=false", b"--bridge=none"):
        assert flag in cmdline
    now = host_state()
    assert "docker0" not in now["interfaces"]
    for key in ("ip_forward", "ipv6_forwarding", "iptables", "ip6tables", "nft"):
        assert now[key] == engine.before[key], key
    # The base images came from mmdebstrap (docker import: no registry, no parent layers).
    for tag in ("debian:bookworm", "debian:bookworm-slim"):
        img = json.loads(engine.docker("image", "inspect", tag).stdout)[0]
        assert img["RepoDigests"] == [] and len(img["RootFS"]["Layers"]) == 1, tag
    release = engine.docker("run", "--rm", "--network", "none", "debian:bookworm", "cat", "/etc/os-release").stdout
    assert 'VERSION_CODENAME=bookworm' in release


def test_fast_image_is_the_runtime_stage_around_this_build(engine, fast_image):
    img = json.loads(engine.docker("image", "inspect", IMAGE).stdout)[0]
    cfg = img["Config"]
    assert cfg["Entrypoint"] == ["/usr/local/bin/docker-entrypoint.sh"]
    assert cfg["Cmd"] == ["server", "/data"]
    assert "SILT_ADDRESS=0.0.0.0:9000" in cfg["Env"]
    assert cfg["Healthcheck"]["Test"][0] == "CMD-SHELL" and "/_silt/health/live" in cfg["Healthcheck"]["Test"][1]
    assert list(cfg["ExposedPorts"]) == ["9000/tcp"] and list(cfg["Volumes"]) == ["/data"]
    size_mb = img["Size"] / 1e6
    timing("image size (fast variant)", size_mb, "MB")
    assert size_mb < 400, size_mb
    sha = engine.docker("run", "--rm", "--network", "none", "--entrypoint", "sha256sum", IMAGE,
                        "/usr/local/bin/silt").stdout.split()[0]
    assert sha == fast_image["sha256"]
    # Every library the binary needs is in the image.
    ldd = engine.docker("run", "--rm", "--network", "none", "--entrypoint", "ldd", IMAGE, "/usr/local/bin/silt")
    assert "not found" not in ldd.stdout, ldd.stdout
    help_ = engine.docker("run", "--rm", "--network", "none", IMAGE, "--help")
    assert "server" in help_.stdout


def test_dev_compose_serves_the_host_and_its_network(stacks, tmp_path):
    dev = stacks["dev"]
    creds = check_dev_stack_from_the_host(dev, tmp_path)
    check_dev_stack_from_its_network(dev, creds)


def test_minio_example_swap_runs_with_the_image(stacks, tmp_path):
    check_minio_example(stacks["minio"], tmp_path)


def test_compose_down_leaves_no_container_network_or_volume(engine, stacks):
    for stack in stacks.values():
        bridge = "br-" + engine.docker("network", "inspect", "--format", "{{.Id}}", stack.network).stdout[:12]
        assert bridge in os.listdir("/sys/class/net")
        started = time.monotonic()
        stack.down()
        timing(f"docker-compose down -v ({stack.project})", time.monotonic() - started)
        assert bridge not in os.listdir("/sys/class/net")
    assert engine.docker("ps", "-aq").stdout == ""
    assert engine.docker("volume", "ls", "-q").stdout == ""
    assert sorted(engine.docker("network", "ls", "--format", "{{.Name}}").stdout.split()) == ["host", "none"]


@pytest.mark.slow
def test_full_multistage_build_then_the_same_checks(engine, tmp_path):
    """docker/Dockerfile as it is (compiles silt in the `build` stage), tagged silt:latest."""
    # As many compiles as scripts/test.sh runs (SILT_JOBS, default 2): the host is shared.
    seconds = engine.build("build-full.log", "-f", DOCKERFILE, "--build-arg", f"BUILD_JOBS={os.environ.get('SILT_JOBS', '2')}",
                           "-t", IMAGE, REPO, timeout=3600)
    timing("full multi-stage image build", seconds)
    img = json.loads(engine.docker("image", "inspect", IMAGE).stdout)[0]
    timing("image size (full build)", img["Size"] / 1e6, "MB")
    dev = dev_stack(engine)
    minio = minio_stack(engine, tmp_path)
    try:
        dev.up()
        minio.up("minio")
        creds = check_dev_stack_from_the_host(dev, tmp_path)
        check_dev_stack_from_its_network(dev, creds)
        check_minio_example(minio, tmp_path)
    finally:
        dev.compose("down", "-v", "--remove-orphans", check=False)
        minio.compose("down", "-v", "--remove-orphans", check=False)


def test_engine_stops_by_pid_and_leaves_the_host_as_it_was(engine):
    pid = engine.pid
    started = time.monotonic()
    engine.stop()
    timing("engine stop", time.monotonic() - started)
    assert not running(pid), "dockerd still running"
    assert not (ENGINE_DIR / "docker.sock").exists()
    assert processes_naming(ENGINE_DIR) == [] and processes_naming(engine.exec_root) == []
    assert not engine.exec_root.exists()
    assert [line.split()[4] for line in open("/proc/self/mountinfo")
            if line.split()[4].startswith(str(engine.exec_root))] == []
    assert host_state() == engine.before
    # The images stay in ENGINE_DIR/data for the next run.
    assert (ENGINE_DIR / "data" / "image").is_dir()
