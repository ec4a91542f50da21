#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: secretsmanager_secret_info
short_description: Describe Secrets Manager secrets without reading their values
version_added: 0.1.0
description:
  - Returns a secret's metadata - full ARN, KMS key, tags, versions - found by name or ARN (Secrets Manager
    C(DescribeSecret)). The secret's value is never read.
  - With O(names), describes several secrets in one task (one C(DescribeSecret) call each), reported in RV(secrets) in
    the order they were named.
  - A secret that does not exist, or is scheduled for deletion unless O(include_deleted=true), is reported with
    RV(exists=false) rather than as a failure.
  - The full ARN (with the six characters Secrets Manager appends to the name) is what ECS task definitions and IAM
    policies name a secret by; the M(amazon.aws.secretsmanager_secret) lookup only returns values.
options:
  name:
    description:
      - The secret's name or ARN.
      - Exactly one of O(name) and O(names) is required.
    type: str
    aliases: [secret_id]
  names:
    description:
      - Names or ARNs of several secrets, described in one task.
      - Exactly one of O(name) and O(names) is required.
    type: list
    elements: str
    version_added: 0.2.0
  include_deleted:
    description: Report a secret scheduled for deletion as existing.
    type: bool
    default: false
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find the application secret's ARN
  tracetrack.aws.secretsmanager_secret_info:
    name: tracetrack-production/app
  register: app_secret

- name: Use it
  ansible.builtin.debug:
    msg: "{{ app_secret.secret.arn }}"
  when: app_secret.exists

- name: Find two secrets' ARNs in one task
  tracetrack.aws.secretsmanager_secret_info:
    names:
      - tracetrack-production/database-master
      - tracetrack-production/database-users
  register: database_secrets

- name: Their ARNs, in the order they were named (empty for a secret that does not exist)
  ansible.builtin.debug:
    msg: "{{ database_secrets.secrets | map(attribute='secret.arn', default='') | list }}"
"""

RETURN = r"""
exists:
  description: Whether the secret exists (and, unless O(include_deleted=true), is not scheduled for deletion).
  returned: when O(name) is given
  type: bool
  sample: true
secrets:
  description:
    - One entry per secret of O(names), in the same order - C(name) as it was given, C(exists) and C(secret) as
      RV(exists) and RV(secret) describe them.
  returned: when O(names) is given
  type: list
  elements: dict
  version_added: 0.2.0
  sample: [{"name": "tracetrack-production/database-master", "exists": false, "secret": {}}]
secret:
  description: The secret's metadata, as C(DescribeSecret) describes it (empty when it does not exist).
  returned: when O(name) is given
  type: dict
  contains:
    arn:
      description: The secret's full ARN.
      type: str
      sample: arn:aws:secretsmanager:ap-south-1:123456789012:secret:tracetrack-production/app-AbCdEf
    name:
      description: The secret's name.
      type: str
      sample: tracetrack-production/app
    kms_key_id:
      description: The customer-managed KMS key that encrypts the secret; missing for the AWS managed key.
      type: str
    deleted_date:
      description: When the secret was scheduled for deletion.
      type: str
    tags:
      description: The secret's tags.
      type: dict
    version_ids_to_stages:
      description: The secret's versions and their staging labels.
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tracetrack.aws.plugins.module_utils.secretsmanager import describe_secret
from ansible_collections.tracetrack.aws.plugins.module_utils.secretsmanager import format_secret


def find_secret(client, module, name):
    """{exists, secret} for one name: a secret scheduled for deletion counts as missing unless include_deleted."""
    secret = describe_secret(client, module, name)
    if secret is None or (secret.get("DeletedDate") and not module.params["include_deleted"]):
        return {"exists": False, "secret": {}}
    return {"exists": True, "secret": format_secret(secret)}


def main():
    argument_spec = dict(
        name=dict(type="str", aliases=["secret_id"]),
        names=dict(type="list", elements="str"),
        include_deleted=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[["name", "names"]],
        required_one_of=[["name", "names"]],
        supports_check_mode=True,
    )
    client = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
    if module.params["names"] is not None:
        found = [dict(name=name, **find_secret(client, module, name)) for name in module.params["names"]]
        module.exit_json(changed=False, secrets=found)
    module.exit_json(changed=False, **find_secret(client, module, module.params["name"]))


if __name__ == "__main__":
    main()
