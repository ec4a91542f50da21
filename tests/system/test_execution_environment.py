"""execution-environment.yml: `ansible-builder create` writes a build context with the collection's pinned Python
and system dependencies and the collection itself (no container engine is needed to check the context)."""

import shutil
import subprocess
import tarfile
import json

import pytest
import yaml

from tests.support.playbook import REPO_ROOT, ansible_env


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    work = tmp_path_factory.mktemp("ee")
    for name in ("execution-environment.yml", "requirements.txt", "bindep.txt"):
        shutil.copy(REPO_ROOT / name, work / name)
    built = work / ".local" / "ee"
    built.mkdir(parents=True)
    env = ansible_env()
    subprocess.run(["ansible-galaxy", "collection", "build", "--force", "--output-path", str(built), str(REPO_ROOT)],
                   env=env, check=True, capture_output=True)
    (tarball,) = built.glob("tracetrack-aws-*.tar.gz")
    shutil.copy(tarball, built / "tracetrack-aws.tar.gz")
    result = subprocess.run(["ansible-builder", "create", "-f", "execution-environment.yml", "--context", "context"],
                            cwd=work, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return work / "context"


def test_the_definition_is_schema_version_3():
    definition = yaml.safe_load((REPO_ROOT / "execution-environment.yml").read_text())
    assert definition["version"] == 3
    assert definition["dependencies"]["python"] == "requirements.txt"
    assert definition["dependencies"]["system"] == "bindep.txt"


def test_containerfile_installs_pinned_ansible_core_and_runner(context):
    containerfile = (context / "Containerfile").read_text()
    assert 'ARG EE_BASE_IMAGE="quay.io/fedora/fedora:41"' in containerfile
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core==2.21.5 ansible-runner==2.4.3"' in containerfile
    assert 'ARG ANSIBLE_GALAXY_CLI_COLLECTION_OPTS="--no-deps"' in containerfile
    assert "introspect --user-pip=requirements.txt --user-bindep=bindep.txt" in containerfile
    assert "LABEL ansible-execution-environment=true" in containerfile


def test_python_and_system_requirements_are_the_collections(context):
    assert (context / "_build" / "requirements.txt").read_text() == (REPO_ROOT / "requirements.txt").read_text()
    assert (context / "_build" / "bindep.txt").read_text() == (REPO_ROOT / "bindep.txt").read_text()
    pins = [line for line in (context / "_build" / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert pins and all("==" in line for line in pins), pins


def test_the_collection_itself_is_installed_from_its_built_archive(context):
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements["collections"] == [{"name": "/build/tracetrack-aws.tar.gz", "type": "file"}]
    with tarfile.open(context / "_build" / "tracetrack-aws.tar.gz") as archive:
        manifest = json.load(archive.extractfile("MANIFEST.json"))
        members = set(archive.getnames())
    galaxy = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == ("tracetrack", "aws", galaxy["version"])
    assert {"playbooks/audit.yml", "playbooks/cost.yml", "plugins/callback/plan.py", "data/prices/ap-south-1.yml"} <= members
