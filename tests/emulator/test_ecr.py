"""ECR GetAuthorizationToken: a login valid for 12 hours, as AWS issues it."""

import base64
from datetime import datetime, timedelta, timezone

from tests.support.clients import emulator_client


def test_authorization_token_expires_in_twelve_hours(clean_emulator):
    ecr = emulator_client(clean_emulator, "ecr")
    before = datetime.now(timezone.utc)
    (data,) = ecr.get_authorization_token()["authorizationData"]
    assert before + timedelta(hours=11, minutes=59) < data["expiresAt"] <= before + timedelta(hours=12, seconds=5)
    assert data["proxyEndpoint"] == "https://123456789012.dkr.ecr.ap-south-1.amazonaws.com"
    user, _separator, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    assert user == "AWS" and password


def test_every_registry_asked_for_gets_an_entry(clean_emulator):
    ecr = emulator_client(clean_emulator, "ecr")
    data = ecr.get_authorization_token(registryIds=["123456789012", "210987654321"])["authorizationData"]
    assert [d["proxyEndpoint"].split(".")[0] for d in data] == ["https://123456789012", "https://210987654321"]
    assert all(d["expiresAt"] > datetime.now(timezone.utc) for d in data)
