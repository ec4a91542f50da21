#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_repository
short_description: Manage ECR repositories with scanning, tag immutability, a lifecycle policy and tags
version_added: 0.1.0
description:
  - Create, update or delete an Amazon ECR private repository (ECR C(DescribeRepositories), C(CreateRepository),
    C(PutImageTagMutability), C(PutImageScanningConfiguration), C(GetLifecyclePolicy), C(PutLifecyclePolicy),
    C(DeleteLifecyclePolicy), C(ListTagsForResource), C(TagResource), C(UntagResource), C(DescribeImages),
    C(DeleteRepository)).
  - Unlike M(community.aws.ecs_ecr), it manages the repository's tags and reports how many images it holds.
  - Only the options that are set are compared and changed; the others are left as they are. The encryption settings
    can only be chosen when the repository is created.
  - A repository that still holds images is deleted only with O(force_delete=true); otherwise the module fails and says
    how many images are left.
options:
  state:
    description: Whether the repository should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The repository's name, for example V(tracetrack/production).
    type: str
    required: true
  image_tag_mutability:
    description: Whether an image tag, once pushed, may be pushed again for another image.
    type: str
    choices: [mutable, immutable]
  scan_on_push:
    description: Scan every pushed image for vulnerabilities.
    type: bool
  lifecycle_policy:
    description:
      - The lifecycle policy (a dict, or its JSON text) that expires old images.
      - An empty dict removes the policy; when not set, the policy is left alone.
    type: json
  encryption_type:
    description: How images are encrypted at rest; only used when the repository is created.
    type: str
    choices: [AES256, KMS]
    default: AES256
  kms_key:
    description: The KMS key for O(encryption_type=KMS); only used when the repository is created.
    type: str
  force_delete:
    description: With O(state=absent), delete the repository together with the images it holds.
    type: bool
    default: false
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Repository of the production images, keeping the last 30
  tracetrack.aws.ecr_repository:
    name: tracetrack/production
    image_tag_mutability: immutable
    scan_on_push: true
    lifecycle_policy:
      rules:
        - rulePriority: 1
          description: Expire untagged images after 7 days
          selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 7}
          action: {type: expire}
        - rulePriority: 2
          description: Keep the last 30 images
          selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 30}
          action: {type: expire}
    tags:
      Project: tracetrack
  register: repository

- name: Delete a repository and its images
  tracetrack.aws.ecr_repository:
    name: tracetrack/dev
    state: absent
    force_delete: true
"""

RETURN = r"""
repository:
  description: The repository, as ECR C(DescribeRepositories) describes it. Empty after a deletion.
  returned: always
  type: dict
  contains:
    repository_name:
      description: The repository's name.
      type: str
      sample: tracetrack/production
    repository_arn:
      description: The repository's ARN.
      type: str
      sample: arn:aws:ecr:ap-south-1:123456789012:repository/tracetrack/production
    repository_uri:
      description: The URI images are pushed to and pulled from.
      type: str
      sample: 123456789012.dkr.ecr.ap-south-1.amazonaws.com/tracetrack/production
    image_tag_mutability:
      description: V(MUTABLE) or V(IMMUTABLE).
      type: str
    image_scanning_configuration:
      description: The scanning configuration.
      type: dict
    lifecycle_policy:
      description: The lifecycle policy, or an empty dict.
      type: dict
    image_count:
      description: How many images the repository holds.
      type: int
    tags:
      description: The repository's tags.
      type: dict
"""

import json

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.tracetrack.aws.plugins.module_utils.tags import ECR_TAGGING
from ansible_collections.tracetrack.aws.plugins.module_utils.tags import tag_changes
from ansible_collections.tracetrack.aws.plugins.module_utils.tags import tag_resource


def describe_repository(client, module, name):
    try:
        return client.describe_repositories(aws_retry=True, repositoryNames=[name])["repositories"][0]
    except is_boto3_error_code("RepositoryNotFoundException"):
        return None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Couldn't describe ECR repository {name}")


def get_lifecycle_policy(client, module, name):
    try:
        text = client.get_lifecycle_policy(aws_retry=True, repositoryName=name)["lifecyclePolicyText"]
    except is_boto3_error_code("LifecyclePolicyNotFoundException"):
        return {}
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Couldn't read the lifecycle policy of ECR repository {name}")
    return json.loads(text)


def get_tags(client, module, arn):
    try:
        return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(aws_retry=True, resourceArn=arn)["tags"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't list the tags of ECR repository {arn}")


def count_images(client, module, name):
    try:
        paginator = client.get_paginator("list_images")
        return len(paginator.paginate(repositoryName=name).build_full_result()["imageIds"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't list the images of ECR repository {name}")


def wanted_lifecycle_policy(params):
    policy = params["lifecycle_policy"]
    if policy is None:
        return None
    return json.loads(policy) if isinstance(policy, str) else policy


def view(repository, lifecycle_policy, tags):
    if not repository:
        return {}
    return {
        "image_tag_mutability": repository.get("imageTagMutability"),
        "scan_on_push": (repository.get("imageScanningConfiguration") or {}).get("scanOnPush", False),
        "lifecycle_policy": lifecycle_policy,
        "tags": tags,
    }


def format_repository(repository, lifecycle_policy, tags, image_count):
    if not repository:
        return {}
    result = camel_dict_to_snake_dict(repository)
    result.update(lifecycle_policy=lifecycle_policy or {}, tags=tags or {}, image_count=image_count)
    return result


def create_repository(client, module, params):
    request = {
        "repositoryName": params["name"],
        "encryptionConfiguration": {"encryptionType": params["encryption_type"]},
    }
    if params["encryption_type"] == "KMS" and params["kms_key"]:
        request["encryptionConfiguration"]["kmsKey"] = params["kms_key"]
    if params["image_tag_mutability"]:
        request["imageTagMutability"] = params["image_tag_mutability"].upper()
    if params["scan_on_push"] is not None:
        request["imageScanningConfiguration"] = {"scanOnPush": params["scan_on_push"]}
    if params["tags"]:
        request["tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
    try:
        return client.create_repository(aws_retry=True, **request)["repository"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't create ECR repository {params['name']}")


def put_lifecycle_policy(client, module, name, policy):
    try:
        if policy:
            client.put_lifecycle_policy(aws_retry=True, repositoryName=name, lifecyclePolicyText=json.dumps(policy, sort_keys=True))
        else:
            client.delete_lifecycle_policy(aws_retry=True, repositoryName=name)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't set the lifecycle policy of ECR repository {name}")


def ensure_present(client, module):
    params = module.params
    name = params["name"]
    policy = wanted_lifecycle_policy(params)
    repository = describe_repository(client, module, name)
    if repository is None:
        planned = {
            "repositoryName": name,
            "imageTagMutability": (params["image_tag_mutability"] or "mutable").upper(),
            "imageScanningConfiguration": {"scanOnPush": bool(params["scan_on_push"])},
        }
        if module.check_mode:
            module.exit_json(
                changed=True,
                repository=format_repository(planned, policy, params["tags"], 0),
                diff=dict(before={}, after=view(planned, policy or {}, params["tags"] or {})),
            )
        repository = create_repository(client, module, params)
        if policy:
            put_lifecycle_policy(client, module, name, policy)
        tags = get_tags(client, module, repository["repositoryArn"])
        module.exit_json(
            changed=True,
            repository=format_repository(repository, policy, tags, 0),
            diff=dict(before={}, after=view(repository, policy or {}, tags)),
        )

    current_policy = get_lifecycle_policy(client, module, name)
    current_tags = get_tags(client, module, repository["repositoryArn"])
    after = dict(repository)
    changes = []
    mutability = (params["image_tag_mutability"] or "").upper()
    if mutability and repository.get("imageTagMutability") != mutability:
        changes.append("image_tag_mutability")
        after["imageTagMutability"] = mutability
    scan = params["scan_on_push"]
    if scan is not None and (repository.get("imageScanningConfiguration") or {}).get("scanOnPush", False) != scan:
        changes.append("scan_on_push")
        after["imageScanningConfiguration"] = {"scanOnPush": scan}
    policy_after = current_policy
    if policy is not None and policy != current_policy:
        changes.append("lifecycle_policy")
        policy_after = policy
    to_set, to_remove, tags_after = tag_changes(current_tags, params)
    if to_set or to_remove:
        changes.append("tags")

    if changes and not module.check_mode:
        try:
            if "image_tag_mutability" in changes:
                client.put_image_tag_mutability(aws_retry=True, repositoryName=name, imageTagMutability=mutability)
            if "scan_on_push" in changes:
                client.put_image_scanning_configuration(aws_retry=True, repositoryName=name, imageScanningConfiguration={"scanOnPush": scan})
            tag_resource(client, repository["repositoryArn"], to_set, to_remove, ECR_TAGGING)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't update ECR repository {name}")
        if "lifecycle_policy" in changes:
            put_lifecycle_policy(client, module, name, policy)
    module.exit_json(
        changed=bool(changes),
        repository=format_repository(after, policy_after, tags_after, count_images(client, module, name)),
        diff=dict(before=view(repository, current_policy, current_tags), after=view(after, policy_after, tags_after)),
    )


def ensure_absent(client, module):
    params = module.params
    name = params["name"]
    repository = describe_repository(client, module, name)
    if repository is None:
        module.exit_json(changed=False, repository={})
    images = count_images(client, module, name)
    if images and not params["force_delete"]:
        module.fail_json(
            msg=f"ECR repository {name} still holds {images} image(s): it was not deleted. Delete the images first, or set force_delete to delete them with it."
        )
    if not module.check_mode:
        try:
            client.delete_repository(aws_retry=True, repositoryName=name, force=params["force_delete"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't delete ECR repository {name}")
    module.exit_json(changed=True, repository={}, deleted_images=images if params["force_delete"] else 0)


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True),
        image_tag_mutability=dict(type="str", choices=["mutable", "immutable"]),
        scan_on_push=dict(type="bool"),
        lifecycle_policy=dict(type="json"),
        encryption_type=dict(type="str", choices=["AES256", "KMS"], default="AES256"),
        kms_key=dict(type="str", no_log=False),
        force_delete=dict(type="bool", default=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params["lifecycle_policy"] is not None:
        try:
            wanted_lifecycle_policy(module.params)
        except ValueError as e:
            module.fail_json(msg=f"lifecycle_policy is not valid JSON: {e}")
    client = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())
    if module.params["state"] == "present":
        ensure_present(client, module)
    else:
        ensure_absent(client, module)


if __name__ == "__main__":
    main()
