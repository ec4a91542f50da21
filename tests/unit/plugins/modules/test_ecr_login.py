"""tracetrack.aws.ecr_login: reading ECR's authorization token."""

import base64
from datetime import datetime, timezone
from unittest.mock import MagicMock

import pytest

from ansible_collections.tracetrack.aws.plugins.modules import ecr_login
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import client_error
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import main_outcome

EXPIRES = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
# A made-up token password with the characters that make splitting hard.
FAKE_TOKEN_PASSWORD = "pa:ss/word+="


def token(text):
    return base64.b64encode(text.encode()).decode()


def entry(account="123456789012"):
    return {
        "authorizationToken": token(f"AWS:{FAKE_TOKEN_PASSWORD}"),
        "proxyEndpoint": f"https://{account}.dkr.ecr.ap-south-1.amazonaws.com",
        "expiresAt": EXPIRES,
    }


def test_token_splits_at_the_first_colon():
    assert ecr_login.decode_token(token("AWS:pa:ss")) == ("AWS", "pa:ss")


@pytest.mark.parametrize("bad", ["not base64!", token("no-separator"), token(":nouser"), token("AWS:")])
def test_bad_tokens_are_refused(bad):
    with pytest.raises(ecr_login.TokenError):
        ecr_login.decode_token(bad)


def test_registry_is_the_proxy_endpoint_host():
    host = "1.dkr.ecr.ap-south-1.amazonaws.com"
    assert ecr_login.registry_host(f"https://{host}/") == host
    assert ecr_login.registry_host("127.0.0.1:5000") == "127.0.0.1:5000"


def test_login_result():
    result = ecr_login.login_result([entry(), entry("210987654321")])
    assert result == {
        "registry": "123456789012.dkr.ecr.ap-south-1.amazonaws.com",
        "proxy_endpoint": "https://123456789012.dkr.ecr.ap-south-1.amazonaws.com",
        "registries": [
            "123456789012.dkr.ecr.ap-south-1.amazonaws.com",
            "210987654321.dkr.ecr.ap-south-1.amazonaws.com",
        ],
        "username": "AWS",
        "password": FAKE_TOKEN_PASSWORD,
        "expires_at": "2026-11-22T12:00:00+00:00",
    }


def test_no_authorization_data_is_an_error():
    with pytest.raises(ecr_login.TokenError):
        ecr_login.login_result([])


def run_main(client, **params):
    module = fake_module({"registry_ids": None, **params})
    module.client.return_value = client
    return main_outcome(ecr_login, module)


def test_main_reads_only_and_passes_registry_ids():
    client = MagicMock()
    client.get_authorization_token.return_value = {"authorizationData": [entry("210987654321")]}
    outcome = run_main(client, registry_ids=["210987654321"])
    assert not outcome.failed
    assert outcome.result["changed"] is False
    assert outcome.result["registry"] == "210987654321.dkr.ecr.ap-south-1.amazonaws.com"
    client.get_authorization_token.assert_called_once_with(aws_retry=True, registryIds=["210987654321"])


def test_main_without_registry_ids_asks_for_the_account_registry():
    client = MagicMock()
    client.get_authorization_token.return_value = {"authorizationData": [entry()]}
    run_main(client)
    client.get_authorization_token.assert_called_once_with(aws_retry=True)


def test_main_reports_api_errors():
    client = MagicMock()
    client.get_authorization_token.side_effect = client_error("AccessDeniedException", "GetAuthorizationToken", "no")
    outcome = run_main(client)
    assert outcome.failed
    assert outcome.result["msg"] == "Couldn't get an ECR authorization token"
