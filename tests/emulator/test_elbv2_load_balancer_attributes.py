"""ELBv2 DescribeLoadBalancerAttributes: an Application Load Balancer reports its attributes with their defaults."""

from tests.support.clients import emulator_client


def make_alb(emulator, name="attrs"):
    ec2 = emulator_client(emulator, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.78.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for i, zone in enumerate(["ap-south-1a", "ap-south-1b"])
    ]
    elbv2 = emulator_client(emulator, "elbv2")
    arn = elbv2.create_load_balancer(Name=name, Subnets=subnets, Type="application")["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    return elbv2, arn


def attributes(elbv2, arn):
    return {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]}


def test_defaults_are_reported_until_modified(clean_emulator):
    elbv2, arn = make_alb(clean_emulator)
    found = attributes(elbv2, arn)
    assert found["idle_timeout.timeout_seconds"] == "60"
    assert found["routing.http2.enabled"] == "true"
    assert found["routing.http.drop_invalid_header_fields.enabled"] == "false"
    assert found["deletion_protection.enabled"] == "false"

    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=arn,
        Attributes=[
            {"Key": "idle_timeout.timeout_seconds", "Value": "120"},
            {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
        ],
    )
    found = attributes(elbv2, arn)
    assert found["idle_timeout.timeout_seconds"] == "120"
    assert found["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert found["routing.http2.enabled"] == "true"
