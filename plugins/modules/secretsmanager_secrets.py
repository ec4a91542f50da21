#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: secretsmanager_secrets
short_description: Manage a set of Secrets Manager secrets, their values, descriptions, KMS keys and tags, in one task
version_added: 0.4.0
description:
  - Makes each secret of O(secrets) exist with the given value, description, KMS key and tags (Secrets Manager
    C(BatchGetSecretValue), C(ListSecrets), C(DescribeSecret), C(CreateSecret), C(RestoreSecret), C(UpdateSecret),
    C(TagResource), C(UntagResource)).
  - A value is compared with the stored one as a string and written only when it differs (a new version, labelled
    C(AWSCURRENT)), so that an unchanged secret gets no write; write JSON with sorted keys to compare JSON values.
  - A secret scheduled for deletion is restored first.
  - One module run for the set, where M(community.aws.secretsmanager_secret) takes one per secret, and two reads when
    nothing changes - the values with C(BatchGetSecretValue), the descriptions, keys and tags with C(ListSecrets) (20
    and 10 secrets per call). C(ListSecrets) is eventually consistent - a secret it does not list, lists with another
    current version than the value read, or lists as different from what is wanted, is described (C(DescribeSecret))
    before anything is decided, so that an earlier answer never causes a write. The values are never returned.
  - Needs C(secretsmanager:BatchGetSecretValue), C(secretsmanager:ListSecrets), and C(DescribeSecret) and
    C(GetSecretValue) on each secret.
  - Supports C(--check); RV(changed_secrets) names what changed, or would.
options:
  secrets:
    description: The secrets that should exist.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The secret's name.
        type: str
        required: true
      secret_string:
        description: The value, as Secrets Manager stores it (JSON text for a JSON secret).
        type: str
        required: true
      description:
        description: The secret's description.
        type: str
        default: ""
      kms_key_id:
        description:
          - The KMS key (its ARN) that encrypts the secret; not set or empty, the account's C(aws/secretsmanager) key.
          - An existing secret is moved to another key by the next value written (Secrets Manager C(UpdateSecret)).
        type: str
      tags:
        description: The secret's tags; with O(purge_tags) the only ones it keeps.
        type: dict
  purge_tags:
    description: Remove the tags a secret carries that its O(secrets[].tags) does not list.
    type: bool
    default: true
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Two secrets, written only when their values change
  tracetrack.aws.secretsmanager_secrets:
    secrets:
      - name: shop-production/database-master
        description: PostgreSQL master user
        secret_string: "{{ {'username': 'shop', 'password': database_password} | to_json(sort_keys=true) }}"
        tags: {Project: shop}
      - name: shop-production/app
        description: Application settings
        secret_string: "{{ {'SECRET_KEY': secret_key} | to_json(sort_keys=true) }}"
        tags: {Project: shop}
  register: written
  no_log: true

- name: The ARNs, in the order listed
  ansible.builtin.debug:
    msg: "{{ written.secrets | map(attribute='arn') | list }}"
"""

RETURN = r"""
secrets:
  description:
    - The secrets of O(secrets), in the order listed, as C(DescribeSecret) describes them (never their values).
    - In check mode a secret that would be created has an empty RV(secrets[].arn) and no versions.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The secret's name.
      type: str
    arn:
      description: The secret's full ARN.
      type: str
    version_ids_to_stages:
      description: The secret's versions and their staging labels.
      type: dict
    current_version_id:
      description: The version labelled C(AWSCURRENT) - it changes whenever the value does; empty before the secret exists.
      type: str
    kms_key_id:
      description: The KMS key, when not the default one.
      type: str
    tags:
      description: The secret's tags.
      type: dict
changed_secrets:
  description: Each secret that was created or changed, or would be in check mode, and what changes (never its value).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The secret's name.
      type: str
    action:
      description: V(created) or V(updated).
      type: str
    changes:
      description: What changes, among V(create), V(restore), V(update) (value, description or key), V(tag), V(untag).
      type: list
      elements: str
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.tracetrack.aws.plugins.module_utils.secretsmanager import batch_secret_values
from ansible_collections.tracetrack.aws.plugins.module_utils.secretsmanager import current_version
from ansible_collections.tracetrack.aws.plugins.module_utils.secretsmanager import describe_secret
from ansible_collections.tracetrack.aws.plugins.module_utils.secretsmanager import format_secret
from ansible_collections.tracetrack.aws.plugins.module_utils.secretsmanager import list_secrets_named


def plan(spec, existing, value, purge_tags):
    """What to do for one secret: a dict of the calls to make (empty: nothing)."""
    if existing is None:
        return {"create": True}
    step = {}
    if existing.get("DeletedDate"):
        step["restore"] = True
    update = {}
    if existing.get("Description", "") != spec["description"]:
        update["Description"] = spec["description"]
    if spec.get("kms_key_id") and existing.get("KmsKeyId", "") != spec["kms_key_id"]:
        update["KmsKeyId"] = spec["kms_key_id"]
    if update or value != spec["secret_string"]:
        # A new key encrypts the next value: UpdateSecret writes both at once.
        step["update"] = dict(update, SecretString=spec["secret_string"]) if value != spec["secret_string"] or "KmsKeyId" in update else update
    if spec.get("tags") is not None:
        to_set, to_remove = compare_aws_tags(boto3_tag_list_to_ansible_dict(existing.get("Tags") or []), spec["tags"], purge_tags=purge_tags)
        if to_set:
            step["tag"] = to_set
        if to_remove:
            step["untag"] = to_remove
    return step


def apply(client, module, spec, step):
    name = spec["name"]
    try:
        if step.get("create"):
            request = {"Name": name, "Description": spec["description"], "SecretString": spec["secret_string"]}
            if spec.get("kms_key_id"):
                request["KmsKeyId"] = spec["kms_key_id"]
            if spec.get("tags"):
                request["Tags"] = ansible_dict_to_boto3_tag_list(spec["tags"])
            client.create_secret(aws_retry=True, **request)
            return
        if step.get("restore"):
            client.restore_secret(aws_retry=True, SecretId=name)
        if step.get("update"):
            client.update_secret(aws_retry=True, SecretId=name, **step["update"])
        if step.get("untag"):
            client.untag_resource(aws_retry=True, SecretId=name, TagKeys=step["untag"])
        if step.get("tag"):
            client.tag_resource(aws_retry=True, SecretId=name, Tags=ansible_dict_to_boto3_tag_list(step["tag"]))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't {'create' if step.get('create') else 'update'} secret {name}")


def result_of(spec, secret):
    result = format_secret(secret) if secret else {"arn": "", "version_ids_to_stages": {}, "tags": dict(spec.get("tags") or {})}
    result["name"] = spec["name"]
    result["current_version_id"] = current_version(secret) if secret else ""
    return result


def read_secrets(client, module, names):
    """({name: metadata or None}, {name: stored value or None}, the names described) with two reads for the set.

    The values with BatchGetSecretValue; the metadata with ListSecrets, which is eventually consistent: a secret whose
    listing is not there, or names another AWSCURRENT version than the value read, is described (DescribeSecret).
    """
    try:
        values, _errors = batch_secret_values(client, names)
        listed = list_secrets_named(client, names)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't read the secrets {', '.join(names)}")
    existing, stored, described = {}, {}, set()
    for name in names:
        entry = listed.get(name)
        read = values.get(name)
        if entry is None or read is None or entry.get("DeletedDate") or current_version(entry) != read.get("VersionId"):
            entry = describe_secret(client, module, name)
            described.add(name)
        existing[name] = entry
        stored[name] = read.get("SecretString", "") if read is not None and entry is not None and not entry.get("DeletedDate") else None
    return existing, stored, described


def ensure_secrets(client, module, params):
    names = [spec["name"] for spec in params["secrets"]]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        module.fail_json(msg=f"secrets lists {', '.join(repeated)} more than once")
    existing, stored, described = read_secrets(client, module, names)
    steps = []
    for spec in params["secrets"]:
        secret = existing[spec["name"]]
        step = plan(spec, secret, stored[spec["name"]], params["purge_tags"])
        if step and spec["name"] not in described:
            # Listed, not described: a difference is confirmed with DescribeSecret before anything is written.
            secret = describe_secret(client, module, spec["name"])
            step = plan(spec, secret, stored[spec["name"]], params["purge_tags"])
        steps.append((spec, secret, step))
    # Named with the calls they need, never with their values.
    changed = [
        {"name": spec["name"], "action": "created" if step.get("create") else "updated", "changes": sorted(step)} for spec, _existing, step in steps if step
    ]
    if module.check_mode or not changed:
        module.exit_json(changed=bool(changed), secrets=[result_of(spec, secret) for spec, secret, _step in steps], changed_secrets=changed)
    results = []
    for spec, secret, step in steps:
        if step:
            apply(client, module, spec, step)
            secret = describe_secret(client, module, spec["name"])
        results.append(result_of(spec, secret))
    module.exit_json(changed=True, secrets=results, changed_secrets=changed)


def main():
    argument_spec = dict(
        # A list of secrets, not one: each one's value (secret_string) is the no_log part.
        secrets=dict(
            type="list",
            elements="dict",
            required=True,
            no_log=False,
            options=dict(
                name=dict(type="str", required=True),
                secret_string=dict(type="str", required=True, no_log=True),
                description=dict(type="str", default=""),
                kms_key_id=dict(type="str", no_log=False),
                tags=dict(type="dict"),
            ),
        ),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
    ensure_secrets(client, module, module.params)


if __name__ == "__main__":
    main()
