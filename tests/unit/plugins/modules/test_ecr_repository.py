"""tracetrack.aws.ecr_repository: what differs, removal of a repository that holds images, check mode."""

import json
from unittest.mock import MagicMock

import botocore.exceptions
import pytest

from ansible_collections.tracetrack.aws.plugins.modules import ecr_repository

ARN = "arn:aws:ecr:ap-south-1:123456789012:repository/tracetrack/local"
REPOSITORY = {
    "repositoryArn": ARN,
    "repositoryName": "tracetrack/local",
    "repositoryUri": "123456789012.dkr.ecr.ap-south-1.amazonaws.com/tracetrack/local",
    "imageTagMutability": "IMMUTABLE",
    "imageScanningConfiguration": {"scanOnPush": True},
}
POLICY = {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20}, "action": {"type": "expire"}}]}


class Exit(Exception):
    def __init__(self, kwargs):
        super().__init__(kwargs.get("msg"))
        self.result = kwargs


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


def fake_module(check_mode=False, **overrides):
    module = MagicMock()
    module.check_mode = check_mode
    module.params = params(**overrides)
    module.exit_json.side_effect = lambda **kwargs: (_ for _ in ()).throw(Exit(kwargs))
    module.fail_json.side_effect = lambda **kwargs: (_ for _ in ()).throw(Exit(dict(kwargs, failed=True)))
    module.fail_json_aws.side_effect = lambda e, msg=None, **kwargs: (_ for _ in ()).throw(Exit({"msg": msg, "failed": True}))
    return module


def not_found(code):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": code}}, "Operation")


def fake_client(repository=REPOSITORY, policy=POLICY, images=0, tags=None):
    client = MagicMock()
    if repository:
        client.describe_repositories.return_value = {"repositories": [repository]}
    else:
        client.describe_repositories.side_effect = not_found("RepositoryNotFoundException")
    if policy:
        client.get_lifecycle_policy.return_value = {"lifecyclePolicyText": json.dumps(policy, indent=2)}
    else:
        client.get_lifecycle_policy.side_effect = not_found("LifecyclePolicyNotFoundException")
    client.list_tags_for_resource.return_value = {
        "tags": [{"Key": k, "Value": v} for k, v in (tags if tags is not None else {"Project": "tracetrack"}).items()]
    }
    client.get_paginator.return_value.paginate.return_value.build_full_result.return_value = {
        "imageIds": [{"imageTag": str(i)} for i in range(images)]
    }
    client.create_repository.return_value = {"repository": REPOSITORY}
    return client


def run(client, module, function=ecr_repository.ensure_present):
    with pytest.raises(Exit) as caught:
        function(client, module)
    return caught.value.result


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
    client.put_image_tag_mutability.assert_called_once_with(
        aws_retry=True, repositoryName="tracetrack/local", imageTagMutability="IMMUTABLE"
    )
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
