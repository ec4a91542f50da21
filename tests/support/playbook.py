"""Run the collection's playbooks against the emulator from tests."""

import dataclasses
import json
import os
import re
import subprocess
from pathlib import Path

from tests.support.aws_calls import CallLog, record_calls

REPO_ROOT = Path(__file__).resolve().parents[2]
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)
RESCUED = re.compile(r"^\S+\s+:\s+ok=\d+\s.*\brescued=(\d+)", re.MULTILINE)


@dataclasses.dataclass
class PlaybookRun:
    returncode: int
    stdout: str
    stderr: str
    calls: CallLog

    @property
    def changed(self) -> int:
        return sum(int(m.group(3)) for m in RECAP.finditer(self.stdout))

    @property
    def failed(self) -> int:
        return sum(int(m.group(5)) for m in RECAP.finditer(self.stdout))

    @property
    def rescued(self) -> int:
        return sum(int(m.group(1)) for m in RESCUED.finditer(self.stdout))

    def failures(self) -> str:
        """Each failed task's block of the output (from its [ERROR] or fatal/failed line to the next blank line)."""
        blocks, lines = [], self.stdout.splitlines()
        for index, line in enumerate(lines):
            if line.startswith(("[ERROR]", "fatal: [", "failed: [")):
                end = next((n for n in range(index + 1, len(lines)) if not lines[n].strip()), len(lines))
                blocks.append("\n".join(lines[index : min(end, index + 40)]))
        return "\n\n".join(blocks)[-8000:]

    def explain(self) -> str:
        return (
            f"rc={self.returncode}\n--- failed tasks ---\n{self.failures()}\n"
            f"--- stdout (tail) ---\n{self.stdout[-6000:]}\n--- stderr ---\n{self.stderr[-3000:]}"
        )


def ansible_env(emulator_url: str | None = None, overrides: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_DEPRECATION_WARNINGS="false",
        PYTHONPATH=str(REPO_ROOT / "emulator"),
    )
    if emulator_url:
        env["EMULATOR_PORT"] = emulator_url.rsplit(":", 1)[1]
    env.update(overrides or {})
    return env


def emulator_vars(emulator_url: str) -> dict:
    """Point any inventory at the emulator (the local inventory already is; dev/staging/production are not)."""
    return {"aws_endpoint_url": emulator_url, "aws_access_key": "testing", "aws_secret_key": "testing"}


def run_playbook(
    playbook: str,
    env_name: str = "local",
    emulator_url: str | None = None,
    extra_vars: dict | None = None,
    args: list[str] | None = None,
    inventory: str | list[str] | None = None,
    env: dict | None = None,
) -> PlaybookRun:
    """ansible-playbook on inventories/<env_name>, or on `inventory` (one path, or several: one host each)."""
    variables = dict(emulator_vars(emulator_url)) if emulator_url else {}
    variables.update(extra_vars or {})
    inventories = [inventory] if isinstance(inventory, str) else inventory or [str(REPO_ROOT / "inventories" / env_name)]
    command = [
        "ansible-playbook",
        *(option for path in inventories for option in ("-i", path)),
        str(REPO_ROOT / playbook),
        "-e",
        json.dumps(variables),
        *(args or []),
    ]
    if emulator_url:
        with record_calls(emulator_url) as calls:
            result = subprocess.run(
                command, cwd=REPO_ROOT, env=ansible_env(emulator_url, env), capture_output=True, text=True, check=False
            )
    else:
        calls = CallLog()
        result = subprocess.run(command, cwd=REPO_ROOT, env=ansible_env(None, env), capture_output=True, text=True, check=False)
    return PlaybookRun(result.returncode, result.stdout, result.stderr, calls)
