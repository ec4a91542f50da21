# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Secrets Manager: a secret's metadata as DescribeSecret answers it, and as the modules return it."""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict


def describe_secret(client, module, name):
    """DescribeSecret of a name or ARN; None when there is no such secret."""
    try:
        return client.describe_secret(aws_retry=True, SecretId=name)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Couldn't describe secret {name}")


def format_secret(secret):
    """The metadata snake_cased, tags as a dict, version ids kept as Secrets Manager chose them."""
    secret = {k: v for k, v in secret.items() if k != "ResponseMetadata"}
    result = camel_dict_to_snake_dict({k: v for k, v in secret.items() if k not in ("Tags", "VersionIdsToStages")})
    result["tags"] = boto3_tag_list_to_ansible_dict(secret.get("Tags") or [])
    result["version_ids_to_stages"] = secret.get("VersionIdsToStages") or {}
    return result


def current_version(secret):
    """The version id labelled AWSCURRENT, or an empty string."""
    return next((version for version, stages in (secret.get("VersionIdsToStages") or {}).items() if "AWSCURRENT" in stages), "")
