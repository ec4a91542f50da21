"""tracetrack.aws.ecr_repository: what differs, removal of a repository that holds images, check mode."""

import json
from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import ecr_repository
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import client_error
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module_for
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import stub_paginators

ARN = "arn:aws:ecr:ap-south-1:123456789012:repository/tracetrack/local"
REPOSITORY = {
    "repositoryArn": ARN,
    "repositoryName": "tracetrack/local",
    "repositoryUri": "123456789012.dkr.ecr.ap-south-1.amazonaws.com/tracetrack/local",
    "imageTagMutability": "IMMUTABLE",
    "imageScanningConfiguration": {"scanOnPush": True},
}
POLICY = {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20}, "action": {"type": "expire"}}]}


def params(**overrides):
    values = dict(
        state="present",
        name="tracetrack/local",
        image_tag_mutability="immutable",
        scan_on_push=True,
        lifecycle_policy=json.dumps(POLICY),
        encryption_type="AES256",
        kms_key=None,
        force_delete=False,
        tags={"Project": "tracetrack"},
        purge_tags=True,
    )
    values.update(overrides)
    return values


fake_module = fake_module_for(params)


# A missing repository or lifecycle policy is asked for with None; the defaults are the converged ones.
DEFAULT = object()


def fake_client(repository=DEFAULT, policy=DEFAULT, images=0, tags=None):
    repository = REPOSITORY if repository is DEFAULT else repository
    policy = POLICY if policy is DEFAULT else policy
    client = MagicMock()
    if repository:
        client.describe_repositories.return_value = {"repositories": [repository]}
    else:
        client.describe_repositories.side_effect = client_error("RepositoryNotFoundException")
    if policy:
        client.get_lifecycle_policy.return_value = {"lifecyclePolicyText": json.dumps(policy, indent=2)}
    else:
        client.get_lifecycle_policy.side_effect = client_error("LifecyclePolicyNotFoundException")
    client.list_tags_for_resource.return_value = {
        "tags": [{"Key": k, "Value": v} for k, v in (tags if tags is not None else {"Project": "tracetrack"}).items()]
    }
    stub_paginators(client, {"list_images": {"imageIds": [{"imageTag": str(i)} for i in range(images)]}})
    client.create_repository.return_value = {"repository": REPOSITORY}
    return client


def run(client, module, function=ecr_repository.ensure_present):
    return outcome_of(function, client, module).result


def test_matching_repository_makes_no_write():
    client = fake_client(images=3)
    result = run(client, fake_module())
    assert result["changed"] is False
    assert result["repository"]["image_count"] == 3
    client.put_lifecycle_policy.assert_not_called()
    client.put_image_tag_mutability.assert_not_called()


def test_changed_settings_are_applied():
    client = fake_client(repository=dict(REPOSITORY, imageTagMutability="MUTABLE"), policy=None, tags={})
    result = run(client, fake_module())
    assert result["changed"] is True
    client.put_image_tag_mutability.assert_called_once_with(aws_retry=True, repositoryName="tracetrack/local", imageTagMutability="IMMUTABLE")
    client.put_lifecycle_policy.assert_called_once()
    client.tag_resource.assert_called_once()


def test_check_mode_creates_nothing():
    client = fake_client(repository=None)
    result = run(client, fake_module(check_mode=True))
    assert result["changed"] is True
    client.create_repository.assert_not_called()


def test_new_repository_gets_its_settings_and_policy():
    client = fake_client(repository=None)
    run(client, fake_module())
    request = client.create_repository.call_args.kwargs
    assert request["imageTagMutability"] == "IMMUTABLE"
    assert request["imageScanningConfiguration"] == {"scanOnPush": True}
    client.put_lifecycle_policy.assert_called_once()


def test_a_repository_with_images_is_kept_without_force_delete():
    client = fake_client(images=2)
    result = run(client, fake_module(state="absent"), ecr_repository.ensure_absent)
    assert result.get("failed") and "2 image(s)" in result["msg"] and "force_delete" in result["msg"]
    client.delete_repository.assert_not_called()


def test_force_delete_removes_it_with_its_images():
    client = fake_client(images=2)
    result = run(client, fake_module(state="absent", force_delete=True), ecr_repository.ensure_absent)
    assert result["changed"] is True
    client.delete_repository.assert_called_once_with(aws_retry=True, repositoryName="tracetrack/local", force=True)


def test_absent_repository_changes_nothing():
    client = fake_client(repository=None)
    result = run(client, fake_module(state="absent"), ecr_repository.ensure_absent)
    assert result["changed"] is False
