"""tracetrack.aws.secretsmanager_secret_info: metadata only, missing and deleted secrets."""

from datetime import datetime, timezone
from unittest.mock import MagicMock

import pytest

from ansible_collections.tracetrack.aws.plugins.modules import secretsmanager_secret_info
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import client_error
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import main_outcome
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import main_outcome_with_args

SECRET = {
    "ARN": "arn:aws:secretsmanager:ap-south-1:123456789012:secret:tracetrack-local/app-AbCdEf",
    "Name": "tracetrack-local/app",
    "KmsKeyId": "arn:aws:kms:ap-south-1:123456789012:key/1234",
    "Tags": [{"Key": "Project", "Value": "tracetrack"}],
    "VersionIdsToStages": {"a1b2-c3": ["AWSCURRENT"]},
}


def test_found_secret_is_formatted_without_touching_version_ids():
    result = secretsmanager_secret_info.format_secret(dict(SECRET, ResponseMetadata={}))
    assert result["arn"] == SECRET["ARN"]
    assert result["kms_key_id"] == SECRET["KmsKeyId"]
    assert result["tags"] == {"Project": "tracetrack"}
    assert result["version_ids_to_stages"] == {"a1b2-c3": ["AWSCURRENT"]}
    assert "response_metadata" not in result


def test_missing_secret_is_none():
    client = MagicMock()
    client.describe_secret.side_effect = client_error("ResourceNotFoundException", "DescribeSecret", "missing")
    assert secretsmanager_secret_info.describe_secret(client, MagicMock(), "x") is None
    client.get_secret_value.assert_not_called()


def test_deleted_secret_reported_as_missing():
    module = fake_module({"name": "tracetrack-local/app", "names": None, "include_deleted": False})
    module.client.return_value.describe_secret.return_value = dict(SECRET, DeletedDate=datetime.now(timezone.utc))
    outcome = main_outcome(secretsmanager_secret_info, module)
    assert not outcome.failed
    assert outcome.result == {"changed": False, "exists": False, "secret": {}}


def test_names_describes_each_secret_in_order_in_one_task():
    other = dict(SECRET, ARN=SECRET["ARN"].replace("/app-", "/database-users-"), Name="tracetrack-local/database-users")
    module = fake_module({"name": None, "names": [other["Name"], "tracetrack-local/missing", SECRET["Name"]], "include_deleted": False})
    found = {other["Name"]: other, SECRET["Name"]: SECRET}

    def describe(SecretId, **_kwargs):
        if SecretId not in found:
            raise client_error("ResourceNotFoundException", "DescribeSecret", "missing")
        return found[SecretId]

    module.client.return_value.describe_secret.side_effect = describe
    outcome = main_outcome(secretsmanager_secret_info, module)
    assert not outcome.failed
    secrets = outcome.result["secrets"]
    assert [(s["name"], s["exists"], s["secret"].get("arn")) for s in secrets] == [
        (other["Name"], True, other["ARN"]),
        ("tracetrack-local/missing", False, None),
        (SECRET["Name"], True, SECRET["ARN"]),
    ]
    assert "exists" not in outcome.result and "secret" not in outcome.result
    module.client.return_value.get_secret_value.assert_not_called()


def test_names_reports_a_secret_scheduled_for_deletion_as_missing():
    module = fake_module({"name": None, "names": [SECRET["Name"]], "include_deleted": False})
    module.client.return_value.describe_secret.return_value = dict(SECRET, DeletedDate=datetime.now(timezone.utc))
    outcome = main_outcome(secretsmanager_secret_info, module)
    assert outcome.result["secrets"] == [{"name": SECRET["Name"], "exists": False, "secret": {}}]


@pytest.mark.parametrize(
    "args, message",
    [
        ({}, "one of the following is required: name, names"),
        ({"name": "a", "names": ["b"]}, "parameters are mutually exclusive: name|names"),
    ],
)
def test_exactly_one_of_name_and_names(args, message):
    outcome = main_outcome_with_args(secretsmanager_secret_info.main, args)
    assert outcome.failed
    assert outcome.result["msg"] == message
