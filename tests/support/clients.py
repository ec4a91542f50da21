"""boto3 clients for the emulator (its fixed test credentials, the project's region)."""

import boto3

REGION = "ap-south-1"


def emulator_client(emulator, service: str, region: str = REGION):
    return boto3.client(
        service,
        endpoint_url=emulator.url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
