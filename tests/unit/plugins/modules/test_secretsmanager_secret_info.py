"""tracetrack.aws.secretsmanager_secret_info: metadata only, missing and deleted secrets."""

from datetime import datetime, timezone
from unittest.mock import MagicMock

import botocore.exceptions

from ansible_collections.tracetrack.aws.plugins.modules import secretsmanager_secret_info

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
    client.describe_secret.side_effect = botocore.exceptions.ClientError(
        {"Error": {"Code": "ResourceNotFoundException", "Message": "missing"}}, "DescribeSecret"
    )
    assert secretsmanager_secret_info.describe_secret(client, MagicMock(), "x") is None
    client.get_secret_value.assert_not_called()


def test_deleted_secret_reported_as_missing(monkeypatch):
    module = MagicMock()
    module.params = {"name": "tracetrack-local/app", "include_deleted": False}
    module.exit_json.side_effect = SystemExit
    module.client.return_value.describe_secret.return_value = dict(SECRET, DeletedDate=datetime.now(timezone.utc))
    monkeypatch.setattr(secretsmanager_secret_info, "AnsibleAWSModule", lambda **kwargs: module)
    try:
        secretsmanager_secret_info.main()
    except SystemExit:
        pass
    assert module.exit_json.call_args.kwargs == {"changed": False, "exists": False, "secret": {}}
