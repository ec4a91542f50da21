"""boto3 clients for the emulator (its fixed test credentials, the project's region)."""

import urllib.error
import urllib.request

import boto3
import botocore.config

REGION = "ap-south-1"


# The tests read state with the retries the collection's modules use (botocore standard mode, 10 attempts): under the
# emulator's realistic profile every operation's first call, and one in ten, is throttled.
RETRIES = botocore.config.Config(retries={"mode": "standard", "max_attempts": 10})


def emulator_client(emulator, service: str, region: str = REGION):
    return boto3.client(
        service,
        endpoint_url=emulator.url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=RETRIES,
    )


def every(client, operation: str, key: str, **params) -> list:
    """All of a listing's items, page after page: a listing's first page (10 scaling policies, 10 SSM parameters)
    holds only some of what a region has once several environments share it."""
    pages = client.get_paginator(operation).paginate(**params) if client.can_paginate(operation) else [getattr(client, operation)(**params)]
    return [item for page in pages for item in _at(page, key)]


def _at(page: dict, key: str) -> list:
    """`key` in a page, a dotted path where the items are nested (CloudFront's `DistributionList.Items`)."""
    for part in key.split("."):
        page = page.get(part, {})
    return page or []


def edge_get(emulator, domain: str, path: str) -> tuple[int, bytes]:
    """GET `path` from the distribution whose domain is `domain`, as a viewer (the emulator's cloudfront_edge)."""
    request = urllib.request.Request(f"{emulator.url}{path}", headers={"Host": domain})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def put_5xx_alarm(cloudwatch, name: str) -> None:
    """A deployment alarm as the monitoring role makes one (a target group's 5xx answers), for tests that set its state."""
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName="HTTPCode_Target_5XX_Count",
        Namespace="AWS/ApplicationELB",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=2,
        Threshold=10,
        ComparisonOperator="GreaterThanThreshold",
    )
