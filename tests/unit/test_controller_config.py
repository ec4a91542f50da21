"""awx/vars/: the controller configuration as code, checked against the playbooks and the roles' argument specs.

Every name a template refers to exists in the configuration; every playbook exists (the four of the release
cycle once they are in the tree); every survey question asks for a variable that a playbook's
validate_argument_spec or a role's meta/argument_specs.yml declares, with a compatible type, choices and default.
"""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = sorted(p.name for p in (ROOT / "inventories").iterdir() if (p / "hosts.yml").is_file())


class Loader(yaml.SafeLoader):
    pass


Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def load(path):
    return yaml.load(path.read_text(), Loader=Loader)  # noqa: S506 - a SafeLoader with !unsafe as a plain string


CONFIG = {}
for _path in sorted((ROOT / "awx" / "vars").glob("*.yml")):
    CONFIG.update(load(_path) or {})
TEMPLATES = CONFIG["controller_templates"]
# (template or workflow, its playbook - "" for a workflow, whose survey feeds its deploy node -, question)
SURVEYED = [
    (t["name"], t.get("playbook", ""), q) for t in TEMPLATES + CONFIG["controller_workflows"] if t.get("survey_enabled") for q in t["survey_spec"]["spec"]
]


def names(kind):
    return {item["name"] for item in CONFIG[kind]}


def test_the_expected_templates_and_their_playbooks():
    assert {t["name"]: t["playbook"] for t in TEMPLATES} == {
        "TraceTrack provision": "playbooks/site.yml",
        "TraceTrack deploy": "playbooks/deploy.yml",
        "TraceTrack rollback": "playbooks/rollback.yml",
        "TraceTrack health check": "playbooks/health.yml",
        "TraceTrack scaling check": "playbooks/scale.yml",
        "TraceTrack audit": "playbooks/audit.yml",
        "TraceTrack cost report": "playbooks/cost.yml",
        "TraceTrack teardown": "playbooks/teardown.yml",
        "TraceTrack restore": "playbooks/restore.yml",
    }


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t["name"])
def test_every_template_runs_a_playbook_of_the_project(template):
    path = ROOT / template["playbook"]
    assert path.is_file(), f"{template['name']} runs {template['playbook']}, which is not in the project"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t["name"])
def test_every_reference_of_a_template_resolves(template):
    assert template["project"] in names("controller_projects")
    assert template["inventory"] in names("controller_inventories")
    assert template["execution_environment"] in names("controller_execution_environments")
    assert set(template.get("credentials", [])) <= names("controller_credentials")


def test_one_inventory_per_environment_sourced_from_the_project():
    sources = {s["inventory"]: s for s in CONFIG["controller_inventory_sources"]}
    assert sorted(names("controller_inventories")) == sorted(f"TraceTrack {env}" for env in ENVIRONMENTS)
    for env in ENVIRONMENTS:
        source = sources[f"TraceTrack {env}"]
        assert (source["source"], source["source_project"]) == ("scm", "TraceTrack")
        assert (ROOT / source["source_path"]).is_file()
        assert (ROOT / Path(source["source_path"]).parent / "group_vars" / f"{env}.yml").is_file()


def test_one_aws_credential_per_environment_of_the_projects_credential_type():
    (credential_type,) = CONFIG["controller_credential_types"]
    fields = {f["id"] for f in credential_type["inputs"]["fields"]}
    secret = {f["id"] for f in credential_type["inputs"]["fields"] if f.get("secret")}
    assert {"secret_key", "session_token"} <= secret
    assert set(credential_type["injectors"]["env"]) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
    for credential in CONFIG["controller_credentials"]:
        assert credential["credential_type"] == credential_type["name"]
        assert set(credential["inputs"]) <= fields
        # values come from the user's vaulted variables, never from this repository
        assert all("tracetrack_aws_credentials" in str(v) for v in credential["inputs"].values())
    assert sorted(names("controller_credentials")) == sorted(f"TraceTrack AWS {env}" for env in ENVIRONMENTS)


def test_the_release_workflow_runs_provision_deploy_then_health_check():
    (workflow,) = CONFIG["controller_workflows"]
    nodes = {n["identifier"]: n for n in workflow["simplified_workflow_nodes"]}
    chain, node = [], nodes["provision"]
    while node:
        chain.append(node["unified_job_template"])
        node = nodes.get((node.get("success_nodes") or [None])[0])
    assert chain == ["TraceTrack provision", "TraceTrack deploy", "TraceTrack health check"]
    assert all(n["unified_job_template"] in {t["name"] for t in TEMPLATES} for n in nodes.values())


def declared_variables(playbook):
    """Variables a playbook declares: its validate_argument_spec tasks, and every role's argument specs."""
    declared = {}
    for spec_file in sorted(ROOT.glob("roles/*/meta/argument_specs.yml")):
        for entry in (load(spec_file).get("argument_specs") or {}).values():
            declared.update(entry.get("options") or {})
    path = ROOT / playbook
    if path.is_file():
        for play in load(path) or []:
            for section in ("pre_tasks", "tasks", "post_tasks"):
                for task in play.get(section) or []:
                    args = task.get("ansible.builtin.validate_argument_spec") or task.get("validate_argument_spec")
                    if args:
                        declared.update(args.get("argument_spec") or {})
    return declared


SURVEY_TYPES = {
    "text": {"str", "raw", "path"},
    "textarea": {"str", "raw"},
    "password": {"str", "raw"},
    "integer": {"int", "raw"},
    "float": {"float", "raw"},
    "multiplechoice": {"str", "bool", "raw"},
    "multiselect": {"list", "raw"},
}
BOOL_WORDS = {"yes", "no", "true", "false", "on", "off", "1", "0", "y", "n"}


@pytest.mark.parametrize("template_name, playbook, question", SURVEYED, ids=lambda v: v if isinstance(v, str) else v["variable"])
def test_survey_questions_match_the_argument_specs(template_name, playbook, question):
    playbooks = [playbook] if playbook else [t["playbook"] for t in TEMPLATES if t["name"] in {"TraceTrack deploy"}]
    missing = [p for p in playbooks if not (ROOT / p).is_file()]
    assert missing == [], f"{template_name} runs playbooks that are not in the project: {missing}"
    assert re.fullmatch(r"[a-z_][a-z0-9_]*", question["variable"])
    for book in playbooks:
        spec = declared_variables(book).get(question["variable"])
        assert spec, f"{template_name}: {question['variable']} is declared by no argument spec of {book} or its roles"
        kind = spec.get("type", "str")
        assert kind in SURVEY_TYPES[question["type"]], f"{question['variable']}: survey type {question['type']} for a {kind}"
        choices = [str(c) for c in question.get("choices", [])]
        if kind == "bool":
            assert choices and set(c.lower() for c in choices) <= BOOL_WORDS
        elif spec.get("choices"):
            assert set(choices) <= {str(c) for c in spec["choices"]}
        if question.get("default") not in (None, "") and choices:
            assert str(question["default"]) in choices
        if question["type"] in ("text", "textarea", "password"):
            assert question.get("min", 0) <= len(str(question.get("default", ""))) <= question.get("max", 1024)
        if question.get("required") and "default" not in question:
            pytest.fail(f"{question['variable']}: a required question needs a default for unattended launches")
