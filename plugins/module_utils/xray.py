# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tags of X-Ray resources (groups, sampling rules): ListTagsForResource (paginated).

TagResource and UntagResource are made by module_utils/tags.py (PascalCase parameters).
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict


@AWSRetry.jittered_backoff()
def _list_tags(client, arn):
    return client.get_paginator("list_tags_for_resource").paginate(ResourceARN=arn).build_full_result().get("Tags", [])


def get_tags(client, module, arn):
    try:
        return boto3_tag_list_to_ansible_dict(_list_tags(client, arn))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't list the tags of X-Ray resource {arn}")
