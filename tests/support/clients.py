"""boto3 clients for the emulator (its fixed test credentials, the project's region)."""

import urllib.error
import urllib.request

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


def edge_get(emulator, domain: str, path: str) -> tuple[int, bytes]:
    """GET `path` from the distribution whose domain is `domain`, as a viewer (the emulator's cloudfront_edge)."""
    request = urllib.request.Request(f"{emulator.url}{path}", headers={"Host": domain})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
