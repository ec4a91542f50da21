# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""O(tags) and O(purge_tags) for resources tagged with TagResource and UntagResource.

The services name the parameters of those calls, and the members of a tag, differently: X-Ray and
CloudWatch take ResourceARN, TagKeys and Tags of Key/Value (PASCAL_CASE); ECS takes resourceArn,
tagKeys and tags of key/value (ECS_TAGGING); ECR the same parameters with tags of Key/Value (ECR_TAGGING).
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

# The parameters of TagResource/UntagResource and the members of a tag.
PASCAL_CASE = {"arn": "ResourceARN", "keys": "TagKeys", "tags": "Tags", "key": "Key", "value": "Value"}
ECS_TAGGING = {"arn": "resourceArn", "keys": "tagKeys", "tags": "tags", "key": "key", "value": "value"}
ECR_TAGGING = dict(ECS_TAGGING, key="Key", value="Value")


def tag_changes(current_tags, params):
    """(to_set, to_remove, tags after) for O(tags)/O(purge_tags); nothing to change when O(tags) is not set."""
    if params.get("tags") is None:
        return {}, [], current_tags
    to_set, to_remove = compare_aws_tags(current_tags, params["tags"], purge_tags=params["purge_tags"])
    after = {k: v for k, v in current_tags.items() if k not in to_remove}
    after.update(to_set)
    return to_set, to_remove, after


def expected_tags(current_tags, params):
    """The tags the resource will carry once O(tags)/O(purge_tags) are applied."""
    if params.get("tags") is None:
        return current_tags
    if params["purge_tags"]:
        return dict(params["tags"])
    return {**current_tags, **params["tags"]}


def tag_resource(client, arn, to_set, to_remove, api=None):
    """UntagResource, then TagResource, as far as there is something to do; botocore errors are the caller's.

    api names the parameters (PASCAL_CASE when not given, ECS_TAGGING, ECR_TAGGING).
    """
    api = api or PASCAL_CASE
    if to_remove:
        client.untag_resource(aws_retry=True, **{api["arn"]: arn, api["keys"]: to_remove})
    if to_set:
        tags = ansible_dict_to_boto3_tag_list(to_set, api["key"], api["value"])
        client.tag_resource(aws_retry=True, **{api["arn"]: arn, api["tags"]: tags})


def update_resource_tags(client, module, arn, current_tags, params, description, api=None):
    """Apply O(tags)/O(purge_tags) (no call in check mode).

    Returns (changed, tags after), the tags after as the comparison predicts them.
    """
    to_set, to_remove, after = tag_changes(current_tags, params)
    if not (to_set or to_remove):
        return False, current_tags
    if not module.check_mode:
        try:
            tag_resource(client, arn, to_set, to_remove, api)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't update the tags of {description}")
    return True, after


def update_and_read_tags(client, module, arn, current_tags, params, description, read_tags):
    """update_resource_tags, then the tags as the result reports them.

    They are read again with ``read_tags(client, module, arn)`` after a change, and predicted by
    expected_tags in check mode. Returns (changed, tags).
    """
    changed, _after = update_resource_tags(client, module, arn, current_tags, params, description)
    if module.check_mode:
        return changed, expected_tags(current_tags, params)
    return changed, read_tags(client, module, arn) if changed else current_tags


def ec2_tag_changes(described_tags, wanted, purge_tags):
    """(to_set, to_remove) for an EC2 resource whose Describe answer carried its tags (a Key/Value list).

    Nothing to change when wanted is None. Unlike amazon.aws's ensure_ec2_tags, no DescribeTags is made.
    """
    if wanted is None:
        return {}, []
    return compare_aws_tags(boto3_tag_list_to_ansible_dict(described_tags or []), wanted, purge_tags=purge_tags)


def write_ec2_tags(client, resource_id, to_set, to_remove):
    """EC2 DeleteTags, then CreateTags, as far as there is something to do; botocore errors are the caller's."""
    if to_remove:
        client.delete_tags(aws_retry=True, Resources=[resource_id], Tags=[{"Key": key} for key in to_remove])
    if to_set:
        client.create_tags(aws_retry=True, Resources=[resource_id], Tags=ansible_dict_to_boto3_tag_list(to_set))


TAGGING_ARN_BATCH = 100  # Resource Groups Tagging API GetResources takes 1 to 100 ARNs in ResourceARNList


@AWSRetry.jittered_backoff()
def _tag_mapping_pages(tagging, arns):
    return tagging.get_paginator("get_resources").paginate(ResourceARNList=arns).build_full_result()


def read_tags_of_arns(tagging, module, arns, description):
    """The tags of many resources in one call per 100 ARNs (Resource Groups Tagging API GetResources): {arn: tags}.

    tagging is a client of the service `resourcegroupstaggingapi`. That API lists a resource that carries, or once
    carried, tags; it is eventually consistent, so a resource it does not list (never tagged, or tagged moments ago)
    is left out of the answer and is the caller's to read with the service's own ListTagsForResource.
    """
    found = {}
    for start in range(0, len(arns), TAGGING_ARN_BATCH):
        batch = arns[start : start + TAGGING_ARN_BATCH]
        try:
            pages = _tag_mapping_pages(tagging, batch)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't read the tags of the {description} (Resource Groups Tagging API GetResources)")
        for mapping in pages.get("ResourceTagMappingList", []):
            found[mapping["ResourceARN"]] = boto3_tag_list_to_ansible_dict(mapping.get("Tags") or [])
    return found
