"""The application image: build it with scripts/build-image.sh, run it, and round-trip it through a registry.

Needs podman (Debian: ``scripts/system-deps.sh container``; the configuration measured to work is root with
runc, see scripts/containers/). Without a usable podman every test here is skipped, with the reason.
No registry on the internet is needed: when the default python slim base cannot be pulled, the build uses
the local Debian base from scripts/containers/base-image.sh.
"""

import functools
import http.server
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 1800  # a cold build includes debootstrap and pip downloads
READY_TIMEOUT = 90
CONTAINER_PORT = 8000


_reporter = None


@pytest.fixture(scope="module", autouse=True)
def _terminal(request):
    global _reporter
    _reporter = request.config.pluginmanager.getplugin("terminalreporter")
    yield
    _reporter = None


def say(message: str) -> None:
    """Progress and timings on the terminal even while output is captured."""
    if _reporter is not None:
        capture = _reporter.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            _reporter.ensure_newline()
            _reporter.write_line(f"[container-image] {message}")
    else:
        print(f"[container-image] {message}", file=sys.stderr)


def skip_loudly(reason: str):
    say(f"SKIPPED: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def project_env(registry_port: int | None = None) -> dict:
    """os.environ plus what scripts/containers/env.sh exports (the project's podman configuration)."""
    env = dict(os.environ)
    if registry_port is not None:
        env["REGISTRY_PORT"] = str(registry_port)
    out = subprocess.run(
        ["bash", "-c", ". scripts/containers/env.sh && env -0"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        check=True,
    ).stdout
    return dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)


def run(args, env, timeout=120, check=True):
    result = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
        )
    return result


def get_json(url: str, deadline: float) -> tuple[int, dict]:
    """Poll url until it answers 200 or the deadline passes; return the last status and JSON body."""
    status, body = 0, {}
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback URL)
                status, body = response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            status, body = exc.code, {"error": exc.read().decode(errors="replace")[:500]}
        except (OSError, ValueError) as exc:
            status, body = 0, {"error": repr(exc)}
        if status == 200 or time.monotonic() > deadline:
            return status, body
        time.sleep(0.5)


@pytest.fixture(scope="module")
def podman_env():
    if shutil.which("podman") is None:
        skip_loudly(
            "podman is not installed: the container image tests did not run "
            "(install it with `scripts/system-deps.sh container`)"
        )
    env = project_env()
    env["CONTAINER_ENGINE"] = "podman"
    info = subprocess.run(
        ["podman", "info", "--format", "{{.Host.OCIRuntime.Name}}"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if info.returncode != 0:
        skip_loudly(
            f"podman is installed but not usable here, the container image tests did not run: "
            f"{info.stderr.strip()[-500:]}"
        )
    return env


@pytest.fixture(scope="module")
def rds_ca_bundle(tmp_path_factory):
    """A PEM bundle served on loopback where the build fetches the RDS CA bundle (AWS's trust store is not reachable
    from every machine): its URL and its bytes. The build's default, RDS_CA_BUNDLE_REQUIRED=true, stays on."""
    directory = tmp_path_factory.mktemp("rds-ca")
    system = Path("/etc/ssl/certs/ca-certificates.crt").read_text()
    first = system[system.index("-----BEGIN CERTIFICATE-----"):system.index("-----END CERTIFICATE-----") + 25] + "\n"
    (directory / "global-bundle.pem").write_text(first)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}/global-bundle.pem", "pem": first}
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def image(podman_env, tmp_path_factory, rds_ca_bundle):
    """Build the image once for the module (scripts/build-image.sh); its id, labels and size."""
    id_file = tmp_path_factory.mktemp("image") / "image-id"
    env = dict(podman_env, IMAGE_ID_FILE=str(id_file), RDS_CA_BUNDLE_URL=rds_ca_bundle["url"])
    started = time.monotonic()
    # The build's network is the host's, so that it reaches the loopback server.
    result = run(["scripts/build-image.sh", "--network", "host"], env, timeout=BUILD_TIMEOUT)
    say(f"scripts/build-image.sh took {time.monotonic() - started:.1f} s")
    for line in result.stdout.splitlines():
        if line.startswith("==> "):
            say(line[4:])
    image_id = id_file.read_text().strip()
    inspect = json.loads(run(["podman", "image", "inspect", image_id], podman_env).stdout)[0]
    labels = inspect.get("Labels") or inspect.get("Config", {}).get("Labels") or {}
    return {"id": image_id, "labels": labels, "size": inspect.get("Size", 0)}


@pytest.fixture
def container(podman_env, image):
    """The image running with its defaults (embedded SQLite, in-process cache) on a free loopback port."""
    name = f"tracetrack-test-{secrets.token_hex(4)}"
    port = free_port()
    # gunicorn.conf.py runs the service as production, which requires a SECRET_KEY; the rest are defaults.
    publish = f"127.0.0.1:{port}:{CONTAINER_PORT}"
    secret_key = f"SECRET_KEY={secrets.token_hex(32)}"
    run(
        ["podman", "run", "--detach", "--name", name, "--publish", publish, "--env", secret_key, image["id"]],
        podman_env,
    )
    try:
        yield {"name": name, "url": f"http://127.0.0.1:{port}"}
    finally:
        run(["podman", "rm", "--force", "--time", "10", name], podman_env, timeout=60, check=False)


def container_logs(podman_env, name: str) -> str:
    logs = run(["podman", "logs", "--tail", "40", name], podman_env, check=False)
    return f"\n--- last log lines of {name}\n{logs.stdout}{logs.stderr}"


def test_image_is_labelled_with_version_and_commit(image):
    labels = image["labels"]
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    assert labels.get("org.opencontainers.image.title") == "tracetrack"
    assert labels.get("org.opencontainers.image.version")
    assert labels.get("org.opencontainers.image.revision") == (commit or "unknown")
    say(f"image {image['id'][:12]}: {image['size'] / 1e6:.0f} MB")


def test_image_carries_the_rds_ca_bundle_that_the_database_url_names(podman_env, image, container, rds_ca_bundle):
    """DATABASE_URL asks for sslmode=verify-full with sslrootcert=/etc/ssl/rds/global-bundle.pem (database role)."""
    read = run(["podman", "exec", container["name"], "cat", "/etc/ssl/rds/global-bundle.pem"], podman_env)
    assert read.stdout == rds_ca_bundle["pem"], "the service user reads the bundle the build fetched"


def test_container_serves_health_and_readiness_as_non_root(podman_env, image, container):
    deadline = time.monotonic() + READY_TIMEOUT
    status, body = get_json(container["url"] + "/health", deadline)
    assert status == 200, f"/health: {body}{container_logs(podman_env, container['name'])}"
    assert body["status"] == "ok"
    assert body["version"] == image["labels"]["org.opencontainers.image.version"]

    status, body = get_json(container["url"] + "/health/elb", deadline)
    assert status == 200, f"/health/elb: {body}{container_logs(podman_env, container['name'])}"
    assert body["status"] == "ok", body
    assert body["components"]["database"]["status"] == "ok"

    uid = run(["podman", "exec", container["name"], "id", "-u"], podman_env).stdout.strip()
    assert uid.isdigit()
    assert int(uid) != 0, "the service must not run as root"

    # The image's own HEALTHCHECK (python urllib against /health) passes.
    run(["podman", "healthcheck", "run", container["name"]], podman_env)


def test_image_round_trips_through_the_loopback_registry(podman_env, image, tmp_path):
    port = free_port()
    env = project_env(port)
    env["REGISTRY_DIR"] = str(tmp_path / "registry")
    version = image["labels"]["org.opencontainers.image.version"]
    remote = f"127.0.0.1:{port}/tracetrack:{version}"
    # A store of its own, so that the pull really downloads every layer (podman wants a runroot of at
    # most 50 characters, hence a short directory of its own).
    runroot = tempfile.mkdtemp(prefix="tt-run-")
    store = ["--root", str(tmp_path / "root"), "--runroot", runroot]

    run(["scripts/containers/registry.sh", "start"], env)
    pid_file = Path(env["REGISTRY_DIR"]) / "registry.pid"
    pid = int(pid_file.read_text())
    try:
        started = time.monotonic()
        run(["podman", "push", "--quiet", "--tls-verify=false", image["id"], f"docker://{remote}"], env, timeout=600)
        say(f"push to {remote} took {time.monotonic() - started:.1f} s")

        started = time.monotonic()
        run(["podman", *store, "pull", "--quiet", "--tls-verify=false", remote], env, timeout=600)
        say(f"pull into an empty store took {time.monotonic() - started:.1f} s")

        pulled = run(["podman", *store, "image", "inspect", "--format", "{{.Id}}", remote], env).stdout.strip()
        assert pulled == image["id"]
        check_import = ["python", "-c", "import tracetrack; print(tracetrack.__version__)"]
        out = run(["podman", *store, "run", "--rm", "--network", "none", remote, *check_import], env).stdout
        assert out.strip()
    finally:
        run(["podman", *store, "rmi", "--all", "--force"], env, check=False)
        shutil.rmtree(tmp_path / "root", ignore_errors=True)
        shutil.rmtree(runroot, ignore_errors=True)
        run(["scripts/containers/registry.sh", "stop"], env, check=False)

    assert not pid_file.exists()
    assert not Path(f"/proc/{pid}").exists(), "the registry process must be gone after stop"
