"""Deny statements apply only when their conditions match (IAM policy evaluation logic)."""

import json

import botocore.exceptions
import pytest

from tests.support.clients import REGION, emulator_client
from tracetrack_emulator.extensions.iam_policy_conditions import conditions_match

BUCKET = "stack-site"


@pytest.fixture
def s3(clean_emulator):
    client = emulator_client(clean_emulator, "s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def deny_all(**condition):
    statement = {
        "Sid": "Deny",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
    }
    if condition:
        statement["Condition"] = condition
    return statement


def test_a_tls_only_bucket_policy_lets_requests_through(s3):
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(deny_all(Bool={"aws:SecureTransport": "false"})))
    s3.put_object(Bucket=BUCKET, Key="index.html", Body=b"<!doctype html>")
    assert s3.get_object(Bucket=BUCKET, Key="index.html")["Body"].read() == b"<!doctype html>"


def test_a_deny_statement_without_a_condition_still_denies(s3):
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(deny_all()))
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key="index.html", Body=b"x")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


@pytest.mark.parametrize(
    "conditions, context, matches",
    [
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "false"}, False),  # operator not evaluated
        ({"StringEquals": {"aws:SourceAccount": "123456789012"}}, {}, False),  # key absent from the request
        ({"StringEquals": {"aws:SourceAccount": "123456789012"}}, {"aws:SourceAccount": "123456789012"}, True),
        ({"StringEquals": {"aws:SourceAccount": ["1", "2"]}}, {"aws:SourceAccount": "3"}, False),
    ],
)
def test_conditions_match_only_when_evaluated_and_true(conditions, context, matches):
    assert conditions_match(conditions, context) is matches
