"""Launch the controller configuration's job templates (awx/vars/) the way AWX does, without AWX.

AWX runs a job with ansible-runner in a private data directory: the project checkout in project/, the inventory
it imported from the project's inventory source as an inventory script in inventory/, the survey answers (and
the credentials' injected extra variables) in env/extravars, the credentials' injected environment variables in
env/envvars. This module builds the same directory from awx/vars/*.yml and runs it.
"""

import json
import os
import stat
import subprocess
from pathlib import Path

import ansible_runner
import jinja2
import yaml

from tests.support.playbook import REPO_ROOT

AWX_VARS = REPO_ROOT / "awx" / "vars"


class _Loader(yaml.SafeLoader):
    """YAML with Ansible's !unsafe tag (a string never templated)."""


_Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def load_config() -> dict:
    config = {}
    for path in sorted(AWX_VARS.glob("*.yml")):
        config.update(yaml.load(path.read_text(), Loader=_Loader) or {})  # noqa: S506 - a SafeLoader with !unsafe as a plain string
    return config


def survey_defaults(template: dict) -> dict:
    """The extra variables a launch with every survey question left at its default sends."""
    if not template.get("survey_enabled"):
        return {}
    answers = {}
    for question in template["survey_spec"]["spec"]:
        if "default" in question:
            answers[question["variable"]] = question["default"]
    return answers


def inject_credential(credential_type: dict, inputs: dict) -> tuple[dict, dict]:
    """Render a credential type's injectors (AWX renders them with Jinja2 from the credential's inputs)."""
    env = jinja2.Environment(undefined=jinja2.ChainableUndefined, autoescape=False)  # noqa: S701 - not HTML
    injectors = credential_type.get("injectors", {})
    envvars = {k: env.from_string(v).render(**inputs) for k, v in injectors.get("env", {}).items()}
    extravars = {k: env.from_string(v).render(**inputs) for k, v in injectors.get("extra_vars", {}).items()}
    return envvars, extravars


def write_inventory_script(data_dir: Path, inventory_dir: Path, env: dict) -> None:
    """What AWX imports from an SCM inventory source, served back the way AWX does: as an inventory script."""
    exported = subprocess.run(
        ["ansible-inventory", "-i", str(inventory_dir / "hosts.yml"), "--list", "--export"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    script = data_dir / "inventory" / "hosts"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(f"#!/usr/bin/env python3\nimport sys\nsys.stdout.write({json.dumps(json.loads(exported))!r})\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def runner_env(emulator) -> dict:
    """The execution environment's own settings (the collection and its dependencies on the paths)."""
    return {
        "ANSIBLE_COLLECTIONS_PATH": str(REPO_ROOT / ".local" / "collections"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "false",
        "ANSIBLE_PYTHON_INTERPRETER": str(REPO_ROOT / ".venv" / "bin" / "python"),
        "PYTHONPATH": str(REPO_ROOT / "emulator"),
        "EMULATOR_PORT": str(emulator.port),
        "PATH": f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }


def launch(template: dict, config: dict, data_dir: Path, env_name: str, credential_inputs: dict, emulator, answers: dict | None = None):
    """One job of `template` against inventory `env_name`; returns (status, rc, stdout)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    project = data_dir / "project"
    if not project.exists():
        project.symlink_to(REPO_ROOT, target_is_directory=True)
    base_env = {**os.environ, **runner_env(emulator)}
    write_inventory_script(data_dir, REPO_ROOT / "inventories" / env_name, base_env)
    (credential_type,) = [t for t in config["controller_credential_types"] if t["name"] == "TraceTrack AWS"]
    cred_env, cred_vars = inject_credential(credential_type, credential_inputs)
    extravars = {**survey_defaults(template), **(answers or {}), **cred_vars}
    envvars = {**runner_env(emulator), **cred_env}
    (data_dir / "env").mkdir(exist_ok=True)
    (data_dir / "env" / "extravars").write_text(yaml.safe_dump(extravars))
    (data_dir / "env" / "envvars").write_text(yaml.safe_dump(envvars))
    result = ansible_runner.run(
        private_data_dir=str(data_dir),
        playbook=template["playbook"],
        inventory=str(data_dir / "inventory" / "hosts"),
        quiet=True,
        timeout=template.get("timeout"),
    )
    return result.status, result.rc, result.stdout.read()
