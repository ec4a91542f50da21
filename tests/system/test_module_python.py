"""The warm module interpreter (scripts/module-python, scripts/warm_python.py) behaves as the venv's `python`.

Ansible runs every module as `<interpreter>` with the module on standard input (pipelining) or as a script's path; what
the program sees (arguments, environment, working directory, umask, standard streams) and what the caller gets (output,
exit status, death by a signal) must be the same as with the real interpreter - only the start is warm.
"""

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

MODULE_PYTHON = REPO_ROOT / "scripts" / "module-python"
REAL_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"

PROGRAM = """\
import os, sys
print("argv", sys.argv)
print("cwd", os.getcwd(), "umask", oct(os.umask(0)))
print("env", os.environ.get("PROBE"), "path0", repr(sys.path[0]), "pythonpath", "/probe/path" in sys.path)
print("stdin", repr(sys.stdin.read()) if len(sys.argv) > 1 and sys.argv[-1] == "read" else "-")
print("to stderr", file=sys.stderr)
sys.exit(int(os.environ.get("PROBE_EXIT", "0")))
"""


@pytest.fixture
def environment(tmp_path):
    """The client's environment with a state directory of the test's own (a server apart from the suite's)."""
    state = tmp_path / "state"
    variables = dict(os.environ, WARM_PYTHON_STATE=str(state), WARM_PYTHON_IDLE="30", PROBE="probe-value", PYTHONPATH="/probe/path")
    yield variables
    subprocess.run([MODULE_PYTHON, "--stop"], env=variables, check=False)


def both(arguments, environment, cwd, **kwargs):
    """(real python's result, the warm interpreter's result), each as (exit status, stdout, stderr)."""
    results = []
    for interpreter in (REAL_PYTHON, MODULE_PYTHON):
        done = subprocess.run(
            ["sh", "-c", f"umask 027 && exec {shlex.join([str(interpreter), *arguments])}"],
            env=environment, cwd=cwd, capture_output=True, text=True, timeout=60, check=False, **kwargs,
        )  # fmt: skip
        results.append((done.returncode, done.stdout, done.stderr))
    return results


def test_a_script_runs_as_with_the_real_interpreter(environment, tmp_path):
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    for status in ("0", "3"):
        real, warm = both([str(script), "one", "two words"], dict(environment, PROBE_EXIT=status), cwd=tmp_path)
        assert warm == real
        assert "'two words'" in real[1], real[1]
        assert real[0] == int(status) and "umask 0o27" in real[1] and "probe-value" in real[1] and "pythonpath True" in real[1]


def test_a_program_on_standard_input_runs_as_ansible_pipelines_a_module(environment, tmp_path):
    real, warm = both([], environment, cwd=tmp_path, input=PROGRAM)
    assert warm == real
    assert "argv ['']" in real[1] and "path0 ''" in real[1]


def test_uncaught_exceptions_and_exit_messages_end_as_with_the_real_interpreter(environment, tmp_path):
    for program in ("raise ValueError('broken')", "raise SystemExit('a message')", "import sys; sys.exit(None)"):
        real, warm = both([], environment, cwd=tmp_path, input=program)
        assert warm[0] == real[0] and warm[1] == real[1]
        assert (warm[2].splitlines() or [""])[-1] == (real[2].splitlines() or [""])[-1]


def test_the_program_is_preloaded_with_boto3_and_ansible_but_not_the_collections(environment, tmp_path):
    program = "import sys; print(sorted(m for m in ('boto3', 'botocore', 'ansible.module_utils.basic', 'ansible_collections') if m in sys.modules))"
    done = subprocess.run([MODULE_PYTHON], input=program, env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "['ansible.module_utils.basic', 'boto3', 'botocore']"


def test_a_signal_ends_the_program_and_the_caller_sees_it(environment, tmp_path):
    program = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    done = subprocess.run([MODULE_PYTHON], input=program, env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == -signal.SIGTERM


def test_a_killed_caller_takes_its_program_with_it(environment, tmp_path):
    marker = tmp_path / "pid"
    program = f"import os, time; open({str(marker)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    caller = subprocess.Popen([MODULE_PYTHON], stdin=subprocess.PIPE, env=environment, cwd=tmp_path, text=True)
    caller.stdin.write(program)
    caller.stdin.close()
    deadline = time.monotonic() + 30
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    pid = int(marker.read_text())
    caller.kill()
    caller.wait()
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the program outlived its caller")


def test_the_server_stops_when_told_and_when_idle(environment, tmp_path):
    state = Path(environment["WARM_PYTHON_STATE"])
    subprocess.run([MODULE_PYTHON, "-c", "pass"], env=environment, check=True, timeout=60)
    assert list(state.glob("*.sock")), "the first use starts the server"
    subprocess.run([MODULE_PYTHON, "--stop"], env=environment, check=True, timeout=60)
    deadline = time.monotonic() + 20
    while list(state.glob("*.sock")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not list(state.glob("*.sock")), "--stop stops it"
    idle = dict(environment, WARM_PYTHON_IDLE="1")
    subprocess.run([MODULE_PYTHON, "-c", "pass"], env=idle, check=True, timeout=60)
    while list(state.glob("*.sock")) and time.monotonic() < deadline + 10:
        time.sleep(0.2)
    assert not list(state.glob("*.sock")), "an idle server stops by itself"


def test_without_the_warm_start_it_is_the_real_interpreter(environment, tmp_path):
    done = subprocess.run(
        [MODULE_PYTHON, "-c", "import sys; print(sys.executable, 'boto3' in sys.modules)"],
        env=dict(environment, WARM_PYTHON="0"), capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout.split() == [str(REAL_PYTHON), "False"]
    assert sys.version_info >= (3, 9)


def test_programs_started_while_the_server_stops_still_run_once_each(environment, tmp_path):
    """A deploy's end stops the server while other runs start modules: each caller gets its program run, once."""
    marks = tmp_path / "marks"
    marks.mkdir()
    program = f"import os; open(os.path.join({str(marks)!r}, str(os.getpid())), 'w').close(); print('ran')"
    callers = []
    for index in range(24):
        callers.append(subprocess.Popen([MODULE_PYTHON, "-c", program], env=environment, stdout=subprocess.PIPE, text=True))
        if index % 8 == 4:
            subprocess.run([MODULE_PYTHON, "--stop"], env=environment, check=True, timeout=60)
    outputs = [(caller.communicate(timeout=60)[0], caller.returncode) for caller in callers]
    assert outputs == [("ran\n", 0)] * len(callers)
    assert len(list(marks.iterdir())) == len(callers), "each program ran exactly once"
