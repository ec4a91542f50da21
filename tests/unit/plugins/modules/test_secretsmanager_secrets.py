"""tracetrack.aws.secretsmanager_secrets: values compared as stored, written only when they differ, never returned."""

from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import secretsmanager_secrets
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import client_error
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of

WRITES = ("create_secret", "restore_secret", "update_secret", "put_secret_value", "tag_resource", "untag_resource")
ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:{}-AbCdEf"


def spec(name, value, **fields):
    return {"name": name, "secret_string": value, "description": f"{name} secret", "kms_key_id": None, "tags": {"Project": "tt"}, **fields}


def described(name, **fields):
    return {
        "ARN": ARN.format(name),
        "Name": name,
        "Description": f"{name} secret",
        "Tags": [{"Key": "Project", "Value": "tt"}],
        "VersionIdsToStages": {"v1": ["AWSCURRENT"]},
        **fields,
    }


def listed(answer):
    """A DescribeSecret answer as ListSecrets lists it."""
    entry = {k: v for k, v in answer.items() if k != "VersionIdsToStages"}
    entry["SecretVersionsToStages"] = answer.get("VersionIdsToStages", {})
    return entry


def fake_client(stored, listing=None):
    """A client answering for the secrets in stored: name -> (DescribeSecret answer, value).

    listing: name -> what ListSecrets shows (by default what DescribeSecret answers; None: not listed yet).
    """
    client = MagicMock()
    listing = {name: described for name, (described, _value) in stored.items()} | (listing or {})

    def describe(SecretId, **_kwargs):  # noqa: N803 - the API's parameter name
        if SecretId not in stored:
            raise client_error("ResourceNotFoundException", "DescribeSecret")
        return stored[SecretId][0]

    def batch_get(SecretIdList, **_kwargs):  # noqa: N803
        values, errors = [], []
        for name in SecretIdList:
            if name not in stored:
                errors.append({"SecretId": name, "ErrorCode": "ResourceNotFoundException"})
            elif stored[name][0].get("DeletedDate"):
                errors.append({"SecretId": name, "ErrorCode": "InvalidRequestException"})
            else:
                answer = stored[name][0]
                version = next(v for v, stages in answer["VersionIdsToStages"].items() if "AWSCURRENT" in stages)
                values.append({"ARN": answer["ARN"], "Name": name, "VersionId": version, "SecretString": stored[name][1]})
        return {"SecretValues": values, "Errors": errors}

    def list_pages(Filters, **_kwargs):  # noqa: N803
        names = Filters[0]["Values"]
        found = [listed(answer) for name, answer in listing.items() if answer is not None and any(name.startswith(n) for n in names)]
        pages = MagicMock()
        pages.build_full_result.return_value = {"SecretList": found}
        return pages

    client.describe_secret.side_effect = describe
    client.batch_get_secret_value.side_effect = batch_get
    client.get_paginator.return_value.paginate.side_effect = list_pages
    return client


def run(client, secrets, check_mode=False):
    params = {"secrets": secrets, "purge_tags": True}
    module = fake_module(params, check_mode)
    return outcome_of(secretsmanager_secrets.ensure_secrets, client, module, params)


def test_secrets_as_stored_are_two_reads_for_the_set_and_no_write_and_no_value_returned():
    client = fake_client({"a": (described("a"), '{"k": 1}'), "ab": (described("ab"), "other"), "b": (described("b"), "plain")})
    outcome = run(client, [spec("a", '{"k": 1}'), spec("b", "plain")])
    assert outcome.result["changed"] is False
    assert [s["arn"] for s in outcome.result["secrets"]] == [ARN.format("a"), ARN.format("b")]
    assert outcome.result["secrets"][0]["version_ids_to_stages"] == {"v1": ["AWSCURRENT"]}
    assert outcome.result["secrets"][0]["current_version_id"] == "v1"
    assert '{"k": 1}' not in repr(outcome.result) and "plain" not in repr(outcome.result)
    assert client.batch_get_secret_value.call_count == 1 and client.get_paginator.return_value.paginate.call_count == 1
    assert client.get_paginator.return_value.paginate.call_args.kwargs == {"Filters": [{"Key": "name", "Values": ["a", "b"]}], "IncludePlannedDeletion": True}
    client.describe_secret.assert_not_called()
    client.get_secret_value.assert_not_called()
    for write in WRITES:
        getattr(client, write).assert_not_called()


def test_a_listing_behind_the_secret_is_described_before_deciding_and_causes_no_write():
    # ListSecrets is eventually consistent: an old description, an older current version, or no entry yet.
    now = described("a")
    client = fake_client(
        {"a": (now, "v"), "b": (described("b", VersionIdsToStages={"v2": ["AWSCURRENT"]}), "w"), "c": (described("c"), "x")},
        listing={"a": described("a", Description="before"), "b": described("b"), "c": None},
    )
    outcome = run(client, [spec("a", "v"), spec("b", "w"), spec("c", "x")])
    assert outcome.result["changed"] is False
    assert sorted(c.kwargs["SecretId"] for c in client.describe_secret.call_args_list) == ["a", "b", "c"]
    assert outcome.result["secrets"][1]["version_ids_to_stages"] == {"v2": ["AWSCURRENT"]}
    for write in WRITES:
        getattr(client, write).assert_not_called()


def test_a_new_value_is_written_with_update_secret_and_a_missing_secret_created():
    client = fake_client({"a": (described("a"), "old")})
    outcome = run(client, [spec("a", "new"), spec("c", "value", kms_key_id="arn:aws:kms:eu-west-1:1:key/k")])
    assert [c["name"] for c in outcome.result["changed_secrets"]] == ["a", "c"]
    client.update_secret.assert_called_once_with(aws_retry=True, SecretId="a", SecretString="new")
    created = client.create_secret.call_args.kwargs
    assert created["Name"] == "c" and created["SecretString"] == "value" and created["KmsKeyId"] == "arn:aws:kms:eu-west-1:1:key/k"
    assert created["Tags"] == [{"Key": "Project", "Value": "tt"}]


def test_a_secret_scheduled_for_deletion_is_restored_then_written_and_tags_corrected():
    deleted = described("a", DeletedDate="2026-12-01", Tags=[{"Key": "Stray", "Value": "x"}])
    client = fake_client({"a": (deleted, "never read")})
    run(client, [spec("a", "value")])
    client.restore_secret.assert_called_once_with(aws_retry=True, SecretId="a")
    client.update_secret.assert_called_once_with(aws_retry=True, SecretId="a", SecretString="value")
    client.untag_resource.assert_called_once_with(aws_retry=True, SecretId="a", TagKeys=["Stray"])
    client.tag_resource.assert_called_once_with(aws_retry=True, SecretId="a", Tags=[{"Key": "Project", "Value": "tt"}])


def test_another_kms_key_moves_the_secret_with_its_value_and_a_description_alone_is_updated_alone():
    client = fake_client({"a": (described("a"), "v"), "b": (described("b", Description="old"), "w")})
    run(client, [spec("a", "v", kms_key_id="arn:aws:kms:eu-west-1:1:key/new"), spec("b", "w")])
    updates = {c.kwargs["SecretId"]: c.kwargs for c in client.update_secret.call_args_list}
    assert updates["a"] == {"aws_retry": True, "SecretId": "a", "KmsKeyId": "arn:aws:kms:eu-west-1:1:key/new", "SecretString": "v"}
    assert updates["b"] == {"aws_retry": True, "SecretId": "b", "Description": "b secret"}


def test_check_mode_reports_and_writes_nothing():
    client = fake_client({"a": (described("a"), "old")})
    outcome = run(client, [spec("a", "new"), spec("c", "value")], check_mode=True)
    assert [c["name"] for c in outcome.result["changed_secrets"]] == ["a", "c"]
    assert outcome.result["secrets"][1]["arn"] == ""
    for write in WRITES:
        getattr(client, write).assert_not_called()


def test_a_name_listed_twice_fails_before_any_call():
    client = fake_client({})
    outcome = run(client, [spec("a", "1"), spec("a", "2")])
    assert outcome.failed and outcome.result["msg"] == "secrets lists a more than once"
    client.describe_secret.assert_not_called()
    client.batch_get_secret_value.assert_not_called()
