"""A Python interpreter for Ansible's modules that starts warm: `python -SI warm_python.py` behaves as `python`.

Every Ansible task runs its module in a new Python process, and an AWS module spends most of its time there importing
boto3 and botocore and parsing botocore's service models (about 0.5 s of the 1 s such a task costs on two cores) before
it makes its first call. This client hands its standard input, output and error, its arguments, environment and working
directory to a server that has imported boto3 and botocore and parsed the models once; the server forks, the child runs
the program (the module Ansible pipes on standard input, or a script named as the first argument) exactly as
`python` would, and the client exits with the child's exit status. Of Ansible, the server imports ansible-core's module
side only (ansible.module_utils.basic), from this virtual environment - the files the controller itself packs into each
module's payload; the module and the collections' code come from the payload, as usual.

The server starts on the first use (one per virtual environment and user, on a Unix socket under the state directory)
and stops by itself after WARM_PYTHON_IDLE seconds (default 120) without a request, so that a command that used it
leaves nothing running for long. WARM_PYTHON=0 runs the real interpreter instead. Used by `make` (deploy, test, plan,
...) on the controller only; execution environments and AWX run modules with their own interpreter.
"""

import array
import contextlib
import json
import os
import signal
import socket
import struct
import sys
import time

SERVICES = (
    "acm", "application-autoscaling", "cloudfront", "cloudwatch", "ec2", "ecr", "ecs", "elasticache", "elbv2", "iam",
    "kms", "logs", "rds", "resourcegroupstaggingapi", "secretsmanager", "ssm", "sts", "wafv2", "xray", "s3",
)  # fmt: skip
MODELS = ("service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2")
STATUS = struct.Struct("!i")


def state_dir() -> str:
    base = os.environ.get("WARM_PYTHON_STATE") or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".local", "run")
    os.makedirs(base, mode=0o700, exist_ok=True)
    return base


def _crc(text: str) -> str:
    import zlib

    return f"{zlib.crc32(text.encode()):08x}"


def address(executable: str) -> str:
    # One server per virtual environment (its python, not the interpreter that python links to) and user.
    return os.path.join(state_dir(), f"warm-python-{os.getuid()}-{_crc(os.path.abspath(executable))}.sock")


# --- the client ------------------------------------------------------------------------------------------------------


def real_python(executable: str) -> None:
    os.execv(executable, [executable, *sys.argv[1:]])  # noqa: S606 - becomes the interpreter it stands for


def spawn(path: str, executable: str) -> None:
    """Start a server (it exits at once when another one holds the lock)."""
    import subprocess

    environment = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "AWS_", "ANSIBLE_"))}
    with open(path + ".log", "ab") as log:
        subprocess.Popen(  # noqa: S603 - the interpreter of this virtual environment
            [executable, os.path.abspath(__file__), "--serve", path],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            close_fds=True,
        )


def start_program(path: str, executable: str, request: bytes) -> tuple[socket.socket, int] | None:
    """Connected to a server that started the program: (the connection, the program's pid); None after 20 s without.

    A server that stops (idle, or told to) as a client connects hangs up before it starts anything: the client tries
    again, with a new server when none answers (one that was still stopping held the lock: started again after 2 s)."""
    deadline = time.monotonic() + 20
    spawned = None
    while time.monotonic() < deadline:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(path)
            connection.sendmsg([STATUS.pack(len(request)), request], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [0, 1, 2]))])
            pid = receive(connection, STATUS.size)
            if pid is not None:
                return connection, STATUS.unpack(pid)[0]
        except OSError:
            pass
        connection.close()
        if spawned is None or time.monotonic() - spawned > 2:
            spawn(path, executable)
            spawned = time.monotonic()
        time.sleep(0.05)
    return None


def client(executable: str) -> None:
    if sys.argv[1:2] and sys.argv[1].startswith("-") and sys.argv[1] not in ("-", "-c"):
        real_python(executable)  # interpreter options: the real one
        return
    umask = os.umask(0o022)
    os.umask(umask)
    request = json.dumps({"argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ), "umask": umask}).encode()
    started = start_program(address(executable), executable, request)
    if started is None:
        real_python(executable)
        return
    connection, child = started

    def forward(signum, _frame):
        try:
            os.kill(child, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    ended = receive(connection, STATUS.size)
    status = STATUS.unpack(ended)[0] if ended is not None else 255  # the server's handler died: no status to give
    if status < 0:
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    sys.exit(status)


def receive(connection: socket.socket, size: int) -> bytes | None:
    """`size` bytes, or None when the other side hangs up first."""
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


# --- the server ------------------------------------------------------------------------------------------------------


def warm() -> None:
    """Import boto3 and botocore and parse the service models the collection's modules use, once."""
    import boto3  # noqa: F401
    import botocore.loaders
    import botocore.session

    cache = {}
    load_file = botocore.loaders.JSONFileLoader.load_file

    def cached(self, file_path):
        if file_path not in cache:
            cache[file_path] = load_file(self, file_path)
        return cache[file_path]

    botocore.loaders.JSONFileLoader.load_file = cached
    loader = botocore.session.get_session().get_component("data_loader")
    for service in SERVICES:
        for model in MODELS:
            try:
                loader.load_service_model(service, model)
            except Exception:  # noqa: BLE001,S112 - a model a service lacks (waiters, paginators)
                continue
    loader.load_data("endpoints")
    loader.load_data("partitions")
    loader.load_data("sdk-default-configuration")
    # ansible-core's module side, from this virtual environment - the one the controller builds the payloads from.
    import ansible.module_utils._internal._ansiballz._loader  # noqa: F401
    import ansible.module_utils.basic  # noqa: F401


def run(request: dict) -> int:
    """The program as `python` runs it, in this (forked) process; its exit status."""
    import io
    import runpy
    import traceback
    import types

    os.chdir(request["cwd"])
    os.umask(request["umask"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8")
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8")
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8", errors="backslashreplace", write_through=True
    )
    argv = request["argv"]
    # sys.path as the interpreter builds it: the program's directory ('' for standard input), PYTHONPATH, the rest.
    extra = [entry for entry in request["env"].get("PYTHONPATH", "").split(os.pathsep) if entry]
    script = argv[0] if argv and argv[0] not in ("-", "-c") else None
    sys.path[0:1] = [os.path.dirname(os.path.abspath(script)) if script else "", *extra]
    main = types.ModuleType("__main__")
    sys.modules["__main__"] = main
    try:
        if script:
            sys.argv = list(argv)
            runpy.run_path(script, run_name="__main__")
        else:
            if argv[:1] == ["-c"]:
                sys.argv, source, name = ["-c", *argv[2:]], argv[1], "<string>"
            else:
                sys.argv, source, name = [argv[0] if argv else "", *argv[1:]], sys.stdin.read(), "<stdin>"
            code = compile(source, name, "exec")
            exec(code, main.__dict__)  # noqa: S102 - the program given on standard input, as python runs it
        status = 0
    except SystemExit as exit_:
        code = exit_.code
        if code is None:
            status = 0
        elif isinstance(code, int):
            status = code
        else:
            print(code, file=sys.stderr)
            status = 1
    except BaseException as error:  # noqa: BLE001 - reported as python reports an uncaught exception
        traceback.print_exception(type(error), error, error.__traceback__.tb_next)  # from the program's own frame
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    return status


def handle(connection: socket.socket) -> None:
    """In the forked child: receive the request, fork the program, report its pid and exit status."""
    _held.pop().close()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    header, fds, _flags, _address = connection.recvmsg(STATUS.size, socket.CMSG_SPACE(3 * array.array("i").itemsize))
    descriptors = array.array("i")
    for level, kind, data in fds:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            descriptors.frombytes(data[: len(data) - (len(data) % descriptors.itemsize)])
    body = receive(connection, STATUS.unpack(header)[0]) if len(header) == STATUS.size else None
    if body is None:
        return  # the client went away: nothing started
    request = json.loads(body)
    program = os.fork()
    if program == 0:
        connection.close()
        for target, descriptor in enumerate(descriptors):
            os.dup2(descriptor, target)
            os.close(descriptor)
        os._exit(run(request))
    for descriptor in descriptors:
        os.close(descriptor)
    connection.sendall(STATUS.pack(program))
    # The program ends, or the client goes away first (killed): the program is stopped, as it would die with it.
    import select

    ended = os.pidfd_open(program)
    readable, _writable, _failed = select.select([ended, connection], [], [])
    if ended not in readable:
        with contextlib.suppress(ProcessLookupError):
            os.kill(program, signal.SIGTERM)
    _pid, wait_status = os.waitpid(program, 0)
    with contextlib.suppress(OSError):
        connection.sendall(STATUS.pack(os.waitstatus_to_exitcode(wait_status)))


_held = []  # the server's lock: the programs it forks do not hold it


def serve(path: str) -> None:
    import fcntl

    lock = open(path + ".lock", "w")  # noqa: SIM115 - held while the server runs
    _held.append(lock)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another server of this interpreter runs
    warm()
    if os.path.exists(path):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(128)
    idle = float(os.environ.get("WARM_PYTHON_IDLE") or 120)
    listener.settimeout(idle)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the handlers are reaped by the system
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    with open(path + ".pid", "w") as recorded:
        recorded.write(str(os.getpid()))
    print(f"warm-python: serving on {path} (pid {os.getpid()}), stops after {idle:.0f} s idle", flush=True)
    try:
        while True:
            try:
                connection, _address = listener.accept()
            except TimeoutError:
                break
            if os.fork() == 0:
                listener.close()
                try:
                    handle(connection)
                finally:
                    os._exit(0)
            connection.close()
    finally:
        for leftover in (path, path + ".pid"):
            with contextlib.suppress(OSError):
                os.unlink(leftover)
        print("warm-python: stopped", flush=True)


def stop(path: str) -> None:
    """Stop the server of this interpreter, if one runs (the programs it started finish)."""
    try:
        with open(path + ".pid") as recorded:
            pid = int(recorded.read())
        with open(f"/proc/{pid}/cmdline", "rb") as command:
            if f"--serve\0{path}\0".encode() not in command.read():
                return  # a pid left by a server that did not stop cleanly, now another process's
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        pass


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
        return
    executable = os.environ.get("WARM_PYTHON_EXECUTABLE") or os.path.join(os.path.dirname(os.path.abspath(sys.executable)), "python")
    if sys.argv[1:] == ["--stop"]:
        stop(address(executable))
    elif os.environ.get("WARM_PYTHON", "1") == "0":
        real_python(executable)
    else:
        client(executable)


if __name__ == "__main__":
    main()
