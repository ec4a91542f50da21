"""secretsmanager_values: several secrets' values in one BatchGetSecretValue call, one value per name, in order."""

from unittest.mock import MagicMock

import pytest

from ansible.errors import AnsibleLookupError

from ansible.plugins.loader import lookup_loader


def lookup_answering(values, errors=()):
    lookup = lookup_loader.get("tracetrack.aws.secretsmanager_values")
    client = MagicMock()
    client.batch_get_secret_value.return_value = {
        "SecretValues": [
            {"ARN": f"arn:aws:secretsmanager:ap-south-1:1:secret:{name}-AbCdEf", "Name": name, "SecretString": value} for name, value in values.items()
        ],
        "Errors": [{"SecretId": name, "ErrorCode": code} for name, code in errors],
    }
    lookup.client = MagicMock(return_value=client)
    return lookup, client


def test_values_come_in_the_order_named_from_one_call():
    lookup, client = lookup_answering({"p/b": "B", "p/a": "A"})
    assert lookup.run(["p/a", "p/b"], {}, region="ap-south-1") == ["A", "B"]
    client.batch_get_secret_value.assert_called_once_with(aws_retry=True, SecretIdList=["p/a", "p/b"])


def test_a_missing_or_deleted_secret_is_empty_with_on_missing_empty_and_fails_by_default():
    lookup, _client = lookup_answering({"p/a": "A"}, [("p/new", "ResourceNotFoundException"), ("p/old", "InvalidRequestException")])
    assert lookup.run(["p/a", "p/new", "p/old"], {}, region="ap-south-1", on_missing="empty") == ["A", "", ""]
    with pytest.raises(AnsibleLookupError, match="p/new: ResourceNotFoundException"):
        lookup.run(["p/a", "p/new"], {}, region="ap-south-1")


def test_access_denied_fails_even_with_on_missing_empty():
    lookup, _client = lookup_answering({}, [("p/a", "AccessDeniedException")])
    with pytest.raises(AnsibleLookupError, match="AccessDeniedException"):
        lookup.run(["p/a"], {}, region="ap-south-1", on_missing="empty")


def test_more_than_twenty_names_take_one_call_per_twenty():
    names = [f"p/{i}" for i in range(45)]
    lookup, client = lookup_answering({name: name for name in names})
    assert lookup.run(names, {}, region="ap-south-1") == names
    assert [len(c.kwargs["SecretIdList"]) for c in client.batch_get_secret_value.call_args_list] == [20, 20, 5]
