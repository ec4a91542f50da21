"""secret_arn_of: a published secret ARN is taken only when it names the secret expected."""

import pytest

from ansible_collections.tracetrack.aws.plugins.test.secret_arn_of import secret_arn_of

ARN = "arn:aws:secretsmanager:ap-south-1:123456789012:secret:{}-Ab12Cd"


@pytest.mark.parametrize(
    "arn, name, expected",
    [
        (ARN.format("tracetrack-prod/app"), "tracetrack-prod/app", True),
        ("arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x/app-Zz9900", "x/app", True),
        (ARN.format("tracetrack-prod/app"), "tracetrack-staging/app", False),
        (ARN.format("other-tracetrack-prod/app"), "tracetrack-prod/app", False),
        (ARN.format("tracetrack-prod/app-admin"), "tracetrack-prod/app", False),
        ("arn:aws:secretsmanager:ap-south-1:123456789012:secret:tracetrack-prod/app", "tracetrack-prod/app", False),
        ("", "tracetrack-prod/app", False),
        (None, "tracetrack-prod/app", False),
    ],
)
def test_only_the_arn_of_that_secret(arn, name, expected):
    assert secret_arn_of(arn, name) is expected
