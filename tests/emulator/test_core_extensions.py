"""The emulator layer's core additions: in-memory request recording and EC2 tag resource types."""

import os
from pathlib import Path

from tests.support.aws_calls import record_calls
from tests.support.clients import emulator_client


def test_recording_splits_reads_and_writes_and_keeps_no_request_body(clean_emulator):
    ec2 = emulator_client(clean_emulator, "ec2")
    secrets = emulator_client(clean_emulator, "secretsmanager")
    with record_calls(clean_emulator.url) as calls:
        ec2.describe_vpcs()
        ec2.create_vpc(CidrBlock="10.99.0.0/16")
        secrets.create_secret(Name="recording-check", SecretString="do-not-keep-me")
        secrets.list_secrets()
    assert calls.writes == ["ec2:CreateVpc", "secretsmanager:CreateSecret"]
    assert calls.reads == ["ec2:DescribeVpcs", "secretsmanager:ListSecrets"]
    assert "do-not-keep-me" not in repr(calls.calls)


def test_recording_writes_nothing_to_disk(clean_emulator, tmp_path):
    secrets = emulator_client(clean_emulator, "secretsmanager")
    with record_calls(clean_emulator.url):
        secrets.create_secret(Name="disk-check", SecretString="never-on-disk-7f3a")
    # moto's own recorder appends to MOTO_RECORDER_FILEPATH (default ./moto_recording).
    candidates = [Path(os.environ.get("MOTO_RECORDER_FILEPATH", "moto_recording")), clean_emulator.state_dir]
    for candidate in candidates:
        files = [candidate] if candidate.is_file() else list(candidate.rglob("*")) if candidate.is_dir() else []
        for path in files:
            if path.is_file():
                assert "never-on-disk-7f3a" not in path.read_text(errors="replace"), path


def test_describe_tags_reports_aws_resource_types(clean_emulator):
    """EC2 DescribeTags: resource-type values are TagSpecification.ResourceType names."""
    ec2 = emulator_client(clean_emulator, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.98.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.98.0.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(
        SubnetId=subnet,
        AllocationId=allocation,
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": [{"Key": "Name", "Value": "n"}]}],
    )["NatGateway"]["NatGatewayId"]
    flow_log = ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogGroupName="/flow",
        DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow",
        TagSpecifications=[{"ResourceType": "vpc-flow-log", "Tags": [{"Key": "Name", "Value": "f"}]}],
    )["FlowLogIds"][0]

    def tags_of_type(resource_type):
        return ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": [resource_type]}])["Tags"]

    assert [(t["ResourceId"], t["ResourceType"]) for t in tags_of_type("natgateway")] == [(nat, "natgateway")]
    assert [(t["ResourceId"], t["ResourceType"]) for t in tags_of_type("vpc-flow-log")] == [(flow_log, "vpc-flow-log")]


def test_rest_protocol_calls_are_named_from_the_api_model(clean_emulator):
    """REST services (X-Ray, CloudFront) carry no operation header: the request path names it."""
    xray = emulator_client(clean_emulator, "xray")
    with record_calls(clean_emulator.url) as calls:
        xray.get_groups()
        xray.create_group(GroupName="recorded", FilterExpression='service("tracetrack")')
        xray.get_group(GroupName="recorded")
    assert calls.reads == ["xray:GetGroups", "xray:GetGroup"]
    assert calls.writes == ["xray:CreateGroup"]


def test_rest_calls_on_one_path_are_told_apart_by_query_and_headers(clean_emulator):
    """S3: GET /{Bucket}?policy is GetBucketPolicy (a read); PUT /{Bucket}/{Key} without a copy source is PutObject."""
    s3 = emulator_client(clean_emulator, "s3")
    s3.create_bucket(Bucket="recorded-bucket", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    s3.put_bucket_policy(
        Bucket="recorded-bucket",
        Policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",'
        '"Resource":"arn:aws:s3:::recorded-bucket/*"}]}',
    )
    with record_calls(clean_emulator.url) as calls:
        s3.get_bucket_policy(Bucket="recorded-bucket")
        s3.put_object(Bucket="recorded-bucket", Key="index.html", Body=b"<html></html>")
        s3.copy_object(Bucket="recorded-bucket", Key="copy.html", CopySource="recorded-bucket/index.html")
    assert calls.reads == ["s3:GetBucketPolicy"]
    assert calls.writes == ["s3:PutObject", "s3:CopyObject"]
