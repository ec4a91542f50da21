"""The realistic profile (EMULATOR_PROFILE=realistic, extension profile_realistic): AWS on a bad day.

Each test names the AWS behaviour it follows. Durations are scaled to 1/100 of AWS's here (an RDS instance: 7 s),
so that a test sees every state of a sequence. With the profile off, the other tests in tests/emulator are the proof
that nothing changes.
"""

import json
import time
import urllib.request

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from tests.conftest import REPO_ROOT
from tests.support.clients import REGION, emulator_client
from tracetrack_emulator.control import Emulator, free_loopback_port

SCALE = 100  # AWS seconds per emulated second
PROPAGATION = 5  # seconds IAM takes to reach ECS here
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)
CONTAINERS = [{"name": "web", "image": "public.ecr.aws/nginx/nginx:latest", "memory": 512, "essential": True}]


def start(**settings) -> Emulator:
    environment = {"EMULATOR_PROFILE": "realistic", "EMULATOR_TIME_SCALE": f"1/{SCALE}", "EMULATOR_THROTTLE_RATE": "0"}
    environment.update(settings)
    instance = Emulator(port=free_loopback_port(), state_dir=str(REPO_ROOT / ".local" / "test-emulator"), environment=environment)
    instance.start()
    return instance


@pytest.fixture(scope="module")
def realistic():
    instance = start(EMULATOR_IAM_PROPAGATION_SECONDS=str(PROPAGATION))
    yield instance
    instance.stop()


@pytest.fixture
def aws(realistic):
    realistic.reset()
    return lambda service: emulator_client(realistic, service)


def states_until(read, final, timeout=15.0) -> list[str]:
    """Every distinct state `read()` reports until it reports `final`."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = read()
        if not seen or seen[-1] != state:
            seen.append(state)
        if state == final:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"still {seen[-1]!r} after {timeout} s (seen {seen})")


def profile(emulator) -> dict:
    with urllib.request.urlopen(f"{emulator.url}/moto-api/tracetrack/profile", timeout=10) as response:
        return json.loads(response.read())


def network(aws):
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.88.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.88.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    return ec2, vpc, subnet, group


def test_rds_instance_creating_backing_up_available_and_deleting(aws, realistic):
    """CreateDBInstance: DBInstanceStatus creating, backing-up, available (~10 min); a read replica creating,
    available; ModifyDBInstance MultiAZ: modifying; DeleteDBInstance: deleting, then DBInstanceNotFound."""
    rds = aws("rds")
    rds.create_db_instance(
        DBInstanceIdentifier="db", Engine="postgres", DBInstanceClass="db.t4g.micro", AllocatedStorage=20,
        MasterUsername="app", MasterUserPassword="password-123",
    )  # fmt: skip

    def status(name="db"):
        return rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]["DBInstanceStatus"]

    started = time.monotonic()
    assert states_until(status, "available") == ["creating", "backing-up", "available"]
    assert time.monotonic() - started >= 600 / SCALE - 0.5

    rds.create_db_instance_read_replica(DBInstanceIdentifier="db-replica", SourceDBInstanceIdentifier="db")
    assert states_until(lambda: status("db-replica"), "available") == ["creating", "available"]

    rds.modify_db_instance(DBInstanceIdentifier="db", MultiAZ=True, ApplyImmediately=True)
    assert states_until(status, "available") == ["modifying", "available"]

    rds.delete_db_instance(DBInstanceIdentifier="db-replica", SkipFinalSnapshot=True)
    assert status("db-replica") == "deleting"
    with pytest.raises(ClientError) as gone:
        states_until(lambda: status("db-replica"), "never")
    assert gone.value.response["Error"]["Code"] == "DBInstanceNotFound"
    kinds = [entry["kind"] for entry in profile(realistic)["timeline"]]
    assert kinds[:2] == ["rds.instance", "rds.replica"] and "rds.delete" in kinds


def test_elasticache_replication_group_creating_then_available_and_deleting(aws):
    """CreateReplicationGroup: Status creating (~8 min), then available; DeleteReplicationGroup: deleting, then
    ReplicationGroupNotFoundFault."""
    cache = aws("elasticache")
    cache.create_replication_group(
        ReplicationGroupId="redis", ReplicationGroupDescription="redis", Engine="redis", CacheNodeType="cache.t4g.micro",
        NumCacheClusters=2,
    )  # fmt: skip

    def status():
        return cache.describe_replication_groups(ReplicationGroupId="redis")["ReplicationGroups"][0]["Status"]

    assert states_until(status, "available") == ["creating", "available"]
    cache.delete_replication_group(ReplicationGroupId="redis")
    assert status() == "deleting"
    with pytest.raises(ClientError) as gone:
        states_until(status, "never")
    assert gone.value.response["Error"]["Code"] == "ReplicationGroupNotFoundFault"


def test_cloudfront_distribution_in_progress_then_deployed_and_deleted_only_deployed(aws):
    """CreateDistribution / UpdateDistribution: Status InProgress (~5 min), then Deployed; DeleteDistribution of a
    disabled distribution still InProgress: DistributionNotDisabled."""
    cloudfront = aws("cloudfront")
    config = {
        "CallerReference": "site",
        "Comment": "",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "example.com", "CustomOriginConfig": {
            "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only",
            "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]}}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
    }  # fmt: skip
    created = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]

    def status():
        return cloudfront.get_distribution(Id=created["Id"])["Distribution"]["Status"]

    assert states_until(status, "Deployed") == ["InProgress", "Deployed"]
    current = cloudfront.get_distribution_config(Id=created["Id"])
    updated = cloudfront.update_distribution(Id=created["Id"], IfMatch=current["ETag"], DistributionConfig=dict(current["DistributionConfig"], Enabled=False))
    assert updated["Distribution"]["Status"] == "InProgress"
    with pytest.raises(ClientError) as refused:
        cloudfront.delete_distribution(Id=created["Id"], IfMatch=updated["ETag"])
    assert refused.value.response["Error"]["Code"] == "DistributionNotDisabled"
    states_until(status, "Deployed")
    cloudfront.delete_distribution(Id=created["Id"], IfMatch=cloudfront.get_distribution(Id=created["Id"])["ETag"])


def test_nat_gateway_pending_then_available_and_deleting_then_deleted(aws):
    """CreateNatGateway: State pending (1-2 min), then available; DeleteNatGateway: deleting, then deleted."""
    ec2, _vpc, subnet, _group = network(aws)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    gateway = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]

    def state():
        return ec2.describe_nat_gateways(NatGatewayIds=[gateway])["NatGateways"][0]["State"]

    assert states_until(state, "available") == ["pending", "available"]
    ec2.delete_nat_gateway(NatGatewayId=gateway)
    assert states_until(state, "deleted") == ["deleting", "deleted"]


def test_new_role_not_assumable_by_ecs_for_some_seconds(aws):
    """IAM is eventually consistent: right after CreateRole, RegisterTaskDefinition naming the role answers
    ClientException "ECS was unable to assume the role", CreateService with a task definition using it
    InvalidParameterException; once IAM has propagated, the same calls succeed."""
    role = aws("iam").create_role(RoleName="task", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    ecs = aws("ecs")
    ecs.create_cluster(clusterName="web")
    with pytest.raises(ClientError) as refused:
        ecs.register_task_definition(family="web", containerDefinitions=CONTAINERS, taskRoleArn=role)
    assert refused.value.response["Error"]["Code"] == "ClientException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert f"ECS was unable to assume the role '{role}'" in refused.value.response["Error"]["Message"]
    time.sleep(PROPAGATION + 0.3)
    ecs.register_task_definition(family="web", containerDefinitions=CONTAINERS, taskRoleArn=role)

    later_role = aws("iam").create_role(RoleName="execution", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    with pytest.raises(ClientError) as refused:
        ecs.register_task_definition(family="web", containerDefinitions=CONTAINERS, executionRoleArn=later_role)
    assert refused.value.response["Error"]["Code"] == "ClientException"
    time.sleep(PROPAGATION + 0.3)
    ecs.register_task_definition(family="other", containerDefinitions=CONTAINERS, executionRoleArn=later_role)
    ecs.create_service(cluster="web", serviceName="web", taskDefinition="other", desiredCount=0)

    newest = aws("iam").create_role(RoleName="newest", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    time.sleep(PROPAGATION + 0.3)
    ecs.register_task_definition(family="third", containerDefinitions=CONTAINERS, taskRoleArn=newest)
    # A role older than the propagation time is assumable at once: no refusal for these.
    ecs.create_service(cluster="web", serviceName="third", taskDefinition="third", desiredCount=0)


def test_a_tag_change_shows_in_ec2_describe_calls_after_a_while(aws):
    """Eventual consistency in the Amazon EC2 API: a resource's first tags show at once; a change to them shows in
    DescribeTags, the resource's Tags and tag: filters only after a while (2 s here)."""
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(
        CidrBlock="10.77.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "first"}]}]
    )["Vpc"]["VpcId"]  # fmt: skip

    def name():
        (described,) = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]
        tagged = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc]}])["Tags"]
        found = [v["VpcId"] for v in ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["second"]}])["Vpcs"]]
        return ({t["Key"]: t["Value"] for t in described["Tags"]}["Name"], {t["Key"]: t["Value"] for t in tagged}["Name"], found)

    assert name() == ("first", "first", [])
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "second"}])
    changed = time.monotonic()
    assert name() == ("first", "first", [])
    # Each reader turns once the lag has passed (on a busy machine they may turn one call apart).
    seen = states_until(name, ("second", "second", [vpc]))
    assert time.monotonic() - changed >= 1.5
    assert seen[0] == ("first", "first", []) and seen[-1] == ("second", "second", [vpc])


def test_an_ecs_deployment_is_in_progress_for_minutes(aws, realistic):
    """UpdateService: the new primary deployment's rolloutState is IN_PROGRESS while tasks start, pass their health
    checks and the old ones drain (~5 min), then COMPLETED."""
    ecs = aws("ecs")
    ecs.create_cluster(clusterName="web")
    ecs.register_task_definition(family="web", containerDefinitions=CONTAINERS)
    ecs.create_service(cluster="web", serviceName="web", taskDefinition="web", desiredCount=1)
    revision = ecs.register_task_definition(family="web", containerDefinitions=CONTAINERS)["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster="web", service="web", taskDefinition=revision)
    started = time.monotonic()

    def rollout():
        (service,) = ecs.describe_services(cluster="web", services=["web"])["services"]
        return service["deployments"][0]["rolloutState"]

    assert states_until(rollout, "COMPLETED") == ["IN_PROGRESS", "COMPLETED"]
    assert time.monotonic() - started >= 300 / SCALE - 0.5
    assert any(entry["kind"] == "ecs.deployment" and entry["id"] == "web" for entry in profile(realistic)["timeline"])


def test_create_service_with_a_new_role_in_its_task_definition_is_refused(aws, realistic):
    """CreateService whose task definition names a role IAM has not propagated: InvalidParameterException
    "Unable to assume role"."""
    ecs = aws("ecs")
    ecs.create_cluster(clusterName="web")
    role = aws("iam").create_role(RoleName="task", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    time.sleep(PROPAGATION + 0.3)
    ecs.register_task_definition(family="web", containerDefinitions=CONTAINERS, taskRoleArn=role)
    # The same role name created again is a new role: IAM has to propagate it again.
    aws("iam").delete_role(RoleName="task")
    aws("iam").create_role(RoleName="task", AssumeRolePolicyDocument=TRUST)
    with pytest.raises(ClientError) as refused:
        ecs.create_service(cluster="web", serviceName="web", taskDefinition="web", desiredCount=0)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "Unable to assume role" in refused.value.response["Error"]["Message"]


def test_network_interfaces_outlive_a_deleted_service(aws):
    """DeleteService: the tasks drain and their network interfaces stay for a while (~2 min), so that
    DeleteSecurityGroup and DeleteSubnet first answer DependencyViolation, then succeed once they are gone."""
    ec2, vpc, subnet, group = network(aws)
    ecs = aws("ecs")
    ecs.create_cluster(clusterName="web")
    ecs.register_task_definition(family="web", containerDefinitions=CONTAINERS, networkMode="awsvpc")
    awsvpc = {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}}
    ecs.create_service(cluster="web", serviceName="web", taskDefinition="web", desiredCount=2, networkConfiguration=awsvpc)
    ecs.delete_service(cluster="web", service="web", force=True)

    interfaces = ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkInterfaces"]
    assert len(interfaces) == 2
    assert all(eni["Description"].startswith(f"arn:aws:ecs:{REGION}:") for eni in interfaces)
    for delete in (lambda: ec2.delete_security_group(GroupId=group), lambda: ec2.delete_subnet(SubnetId=subnet)):
        with pytest.raises(ClientError) as refused:
            delete()
        assert refused.value.response["Error"]["Code"] == "DependencyViolation"
    time.sleep(120 / SCALE + 0.3)
    assert ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkInterfaces"] == []
    ec2.delete_security_group(GroupId=group)
    ec2.delete_subnet(SubnetId=subnet)


@pytest.fixture(scope="module")
def throttling():
    instance = start(EMULATOR_THROTTLE_RATE="0.5", EMULATOR_THROTTLE_SEED="19")
    yield instance
    instance.stop()


@pytest.mark.parametrize(
    "service, call, code, status",
    [
        ("ec2", lambda c: c.describe_vpcs(), "RequestLimitExceeded", 503),
        ("iam", lambda c: c.list_roles(), "Throttling", 400),
        ("elbv2", lambda c: c.describe_load_balancers(), "Throttling", 400),
        ("ecs", lambda c: c.list_clusters(), "ThrottlingException", 400),
        ("secretsmanager", lambda c: c.list_secrets(), "ThrottlingException", 400),
        ("cloudfront", lambda c: c.list_distributions(), "Throttling", 400),
        ("cloudwatch", lambda c: c.list_dashboards(), "Throttling", 400),
        ("xray", lambda c: c.get_groups(), "ThrottledException", 429),
        ("s3", lambda c: c.list_buckets(), "SlowDown", 503),
    ],
)
def test_a_share_of_calls_is_throttled_with_the_services_own_error(throttling, service, call, code, status):
    """Each API's documented throttling error and HTTP status; the SDK's standard retry mode retries it."""
    once = boto3.client(
        service, endpoint_url=throttling.url, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing",
        config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 1}),
    )  # fmt: skip
    errors = []
    for _attempt in range(16):
        try:
            call(once)
        except ClientError as error:
            errors.append((error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]))
    assert 2 <= len(errors) <= 14 and set(errors) == {(code, status)}
    retried = boto3.client(
        service, endpoint_url=throttling.url, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing",
        config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 10}),
    )  # fmt: skip
    for _attempt in range(4):
        call(retried)
    signing_name = {"elbv2": "elasticloadbalancing", "cloudwatch": "monitoring"}.get(service, service)
    assert profile(throttling)["throttled"][signing_name] >= len(errors)


def test_the_first_call_of_every_operation_is_throttled(throttling):
    """Every operation's first call gets the throttling error, whatever the rate's chance: each module retries once."""
    once = boto3.client(
        "ec2", endpoint_url=throttling.url, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing",
        config=botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )  # fmt: skip
    for call in (once.describe_key_pairs, once.describe_regions, once.describe_prefix_lists):
        with pytest.raises(ClientError) as raised:
            call()
        assert raised.value.response["Error"]["Code"] == "RequestLimitExceeded"
    assert profile(throttling)["throttle_first_calls"] is True


def test_throttled_answers_are_recorded(throttling):
    """The recorder lists throttled answers with "throttled": true, beside the calls that went through."""
    base = f"{throttling.url}/moto-api/recorder"
    for action in ("reset-recording", "start-recording"):
        urllib.request.urlopen(urllib.request.Request(f"{base}/{action}", method="POST", data=b""), timeout=10).close()
    sts = boto3.client(
        "sts", endpoint_url=throttling.url, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing",
        config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 10}),
    )  # fmt: skip
    for _attempt in range(8):
        sts.get_caller_identity()
    with urllib.request.urlopen(f"{base}/download-recording", timeout=10) as response:
        entries = [json.loads(line) for line in response.read().decode().splitlines()]
    done = [entry for entry in entries if not entry.get("throttled")]
    assert len(done) == 8 and {entry["operation"] for entry in done} == {"GetCallerIdentity"}
    assert [entry for entry in entries if entry.get("throttled")]
