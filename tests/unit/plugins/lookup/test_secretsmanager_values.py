"""secretsmanager_values: several secrets' values in one BatchGetSecretValue call, one value per name, in order."""

from unittest.mock import MagicMock

import pytest

from ansible.errors import AnsibleLookupError

from ansible_collections.tracetrack.aws.plugins.lookup.secretsmanager_values import values_of


def client_answering(values, errors=()):
    client = MagicMock()
    client.batch_get_secret_value.return_value = {
        "SecretValues": [
            {"ARN": f"arn:aws:secretsmanager:ap-south-1:1:secret:{name}-AbCdEf", "Name": name, "SecretString": value} for name, value in values.items()
        ],
        "Errors": [{"SecretId": name, "ErrorCode": code} for name, code in errors],
    }
    return client


def test_values_come_in_the_order_named_from_one_call():
    client = client_answering({"p/b": "B", "p/a": "A"})
    assert values_of(client, ["p/a", "p/b"], "error") == ["A", "B"]
    client.batch_get_secret_value.assert_called_once_with(aws_retry=True, SecretIdList=["p/a", "p/b"])


def test_a_missing_or_deleted_secret_is_empty_with_on_missing_empty_and_fails_by_default():
    client = client_answering({"p/a": "A"}, [("p/new", "ResourceNotFoundException"), ("p/old", "InvalidRequestException")])
    assert values_of(client, ["p/a", "p/new", "p/old"], "empty") == ["A", "", ""]
    with pytest.raises(AnsibleLookupError, match="p/new: ResourceNotFoundException"):
        values_of(client, ["p/a", "p/new"], "error")


def test_access_denied_fails_even_with_on_missing_empty():
    client = client_answering({}, [("p/a", "AccessDeniedException")])
    with pytest.raises(AnsibleLookupError, match="AccessDeniedException"):
        values_of(client, ["p/a"], "empty")


def test_more_than_twenty_names_take_one_call_per_twenty():
    names = [f"p/{i}" for i in range(45)]
    client = client_answering({name: name for name in names})
    assert values_of(client, names, "error") == names
    assert [len(c.kwargs["SecretIdList"]) for c in client.batch_get_secret_value.call_args_list] == [20, 20, 5]
