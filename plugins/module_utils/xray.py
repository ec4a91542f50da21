# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tags of X-Ray resources (groups, sampling rules): ListTagsForResource, TagResource, UntagResource."""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags


@AWSRetry.jittered_backoff()
def _list_tags(client, arn):
    return client.get_paginator("list_tags_for_resource").paginate(ResourceARN=arn).build_full_result().get("Tags", [])


def get_tags(client, module, arn):
    try:
        return boto3_tag_list_to_ansible_dict(_list_tags(client, arn))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't list the tags of X-Ray resource {arn}")


def expected_tags(current_tags, params):
    """The tags the resource will carry once O(tags)/O(purge_tags) are applied."""
    if params.get("tags") is None:
        return current_tags
    if params["purge_tags"]:
        return dict(params["tags"])
    return {**current_tags, **params["tags"]}


def update_tags(client, module, arn, current_tags, params, description):
    """Apply O(tags)/O(purge_tags); True when something changed (or would, in check mode)."""
    if params.get("tags") is None:
        return False
    to_set, to_remove = compare_aws_tags(current_tags, params["tags"], purge_tags=params["purge_tags"])
    if not (to_set or to_remove):
        return False
    if module.check_mode:
        return True
    try:
        if to_remove:
            client.untag_resource(aws_retry=True, ResourceARN=arn, TagKeys=to_remove)
        if to_set:
            client.tag_resource(aws_retry=True, ResourceARN=arn, Tags=ansible_dict_to_boto3_tag_list(to_set))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't update the tags of {description}")
    return True
