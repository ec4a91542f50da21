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
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
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


BATCH_GET_LIMIT = 20  # BatchGetSecretValue takes at most 20 ids in SecretIdList
# The errors BatchGetSecretValue reports for a secret that is not there to read: none by that name, or one
# scheduled for deletion.
ABSENT_ERRORS = ("ResourceNotFoundException", "InvalidRequestException")


def batch_secret_values(client, secret_ids):
    """The AWSCURRENT values of several secrets, 20 per Secrets Manager BatchGetSecretValue call.

    Returns ({id: the SecretValueEntry (ARN, Name, VersionId, SecretString...)}, {id: error code}) keyed by the ids as
    given (names or ARNs); a secret that does not exist or is scheduled for deletion is in the second dictionary, with
    ResourceNotFoundException or InvalidRequestException. Needs secretsmanager:BatchGetSecretValue, and
    GetSecretValue on each secret. botocore errors are the caller's.
    """
    values, errors = {}, {}
    ids = list(dict.fromkeys(secret_ids))
    for start in range(0, len(ids), BATCH_GET_LIMIT):
        batch = ids[start : start + BATCH_GET_LIMIT]
        request = {"SecretIdList": batch}
        while True:
            answer = client.batch_get_secret_value(aws_retry=True, **request)
            for entry in answer.get("SecretValues", []):
                key = entry["Name"] if entry["Name"] in batch else entry["ARN"]
                values[key] = entry
            for error in answer.get("Errors", []):
                errors[error["SecretId"]] = error.get("ErrorCode", "")
            if not answer.get("NextToken"):
                break
            request["NextToken"] = answer["NextToken"]
    return values, errors


LIST_NAME_FILTER_LIMIT = 10  # a ListSecrets filter takes at most 10 values


@AWSRetry.jittered_backoff()
def _list_secrets_pages(client, **request):
    """Every page of ListSecrets, under the same retry policy as the other calls (a throttled page is asked again)."""
    return client.get_paginator("list_secrets").paginate(**request).build_full_result()


def list_secrets_named(client, names):
    """{name: SecretListEntry} of the secrets with exactly these names, those scheduled for deletion included.

    One Secrets Manager ListSecrets call per 10 names (its name filter matches prefixes: only exact names are kept). The
    entry carries what DescribeSecret does (ARN, Description, KmsKeyId, Tags, DeletedDate), its versions under
    VersionIdsToStages as DescribeSecret names them. ListSecrets is eventually consistent (it may not show the changes of
    the last minutes): use DescribeSecret before acting on a difference. botocore errors are the caller's.
    """
    ordered = list(dict.fromkeys(names))
    found = {}
    for start in range(0, len(ordered), LIST_NAME_FILTER_LIMIT):
        batch = ordered[start : start + LIST_NAME_FILTER_LIMIT]
        listed = _list_secrets_pages(client, Filters=[{"Key": "name", "Values": batch}], IncludePlannedDeletion=True)
        for secret in listed.get("SecretList", []):
            if secret["Name"] in batch:
                entry = {k: v for k, v in secret.items() if k != "SecretVersionsToStages"}
                entry["VersionIdsToStages"] = secret.get("SecretVersionsToStages") or {}
                found[secret["Name"]] = entry
    return found
