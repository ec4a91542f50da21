"""KMS key state operations that name the key by its ARN, as the AWS KMS API reference allows.

AWS API reference, AWS Key Management Service: DisableKey, EnableKey, ScheduleKeyDeletion and
CancelKeyDeletion take `KeyId` as a key ID or a key ARN. moto 5.2.5 looks the raw value up among key
IDs, so a key ARN (what amazon.aws.kms_key passes) answers HTTP 500: removing a key, or restoring one
that is pending deletion, fails.
"""

from moto.kms import models

OPERATIONS = ("disable_key", "enable_key", "schedule_key_deletion", "cancel_key_deletion")


def _by_key_id(original):
    def operation(self, key_id, *args, **kwargs):
        return original(self, self.get_key_id(key_id), *args, **kwargs)

    operation.__name__ = original.__name__
    operation.__doc__ = original.__doc__
    return operation


def apply() -> None:
    for name in OPERATIONS:
        setattr(models.KmsBackend, name, _by_key_id(getattr(models.KmsBackend, name)))
