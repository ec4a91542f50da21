"""KMS key state operations accept a key ARN, as the AWS KMS API reference says."""

import pytest

from tests.support.clients import emulator_client


@pytest.fixture
def kms(clean_emulator):
    return emulator_client(clean_emulator, "kms")


def state(kms, key_id):
    return kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]


def test_disable_and_enable_a_key_by_its_arn(kms):
    arn = kms.create_key(Description="by arn")["KeyMetadata"]["Arn"]
    kms.disable_key(KeyId=arn)
    assert state(kms, arn) == "Disabled"
    kms.enable_key(KeyId=arn)
    assert state(kms, arn) == "Enabled"


def test_schedule_and_cancel_a_key_deletion_by_its_arn(kms):
    arn = kms.create_key(Description="by arn")["KeyMetadata"]["Arn"]
    scheduled = kms.schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)
    assert scheduled["KeyId"] == arn
    assert state(kms, arn) == "PendingDeletion"
    kms.cancel_key_deletion(KeyId=arn)
    assert state(kms, arn) == "Disabled", "a key whose deletion is cancelled comes back disabled"


def test_key_ids_still_work(kms):
    key_id = kms.create_key(Description="by id")["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=30)
    assert state(kms, key_id) == "PendingDeletion"
    kms.cancel_key_deletion(KeyId=key_id)
    kms.enable_key(KeyId=key_id)
    assert state(kms, key_id) == "Enabled"
