#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: rds_backup_replication
short_description: Replicate an RDS DB instance's automated backups to another Region
version_added: 0.4.0
description:
  - Starts, changes or stops the cross-Region replication of a DB instance's automated backups (RDS
    C(StartDBInstanceAutomatedBackupsReplication), C(DescribeDBInstanceAutomatedBackups),
    C(StopDBInstanceAutomatedBackupsReplication), all called in the destination Region). The destination then holds
    the instance's automated backups and transaction logs, so that the instance can be restored there to a point in
    time within O(backup_retention_period) - a copy that survives the loss of the source Region.
  - RDS cannot change a running replication's retention or key, so a difference stops the replication and starts it
    again (the replicated backups taken so far are kept by RDS as retained backups).
  - amazon.aws and community.aws have no module for it.
options:
  state:
    description: Whether the backups should be replicated.
    type: str
    choices: [present, absent]
    default: present
  source_db_instance_arn:
    description: The DB instance whose automated backups are replicated (its ARN, in the Region given by O(region)).
    type: str
    required: true
  destination_region:
    description: The Region the backups are replicated to; must differ from the source's.
    type: str
    required: true
  backup_retention_period:
    description: Days the replicated backups are kept (1-35).
    type: int
    default: 7
  kms_key_id:
    description:
      - The KMS key, of the destination Region, that encrypts the replicated backups (its ARN). Required for an
        encrypted source.
    type: str
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Replicate the primary's backups to Singapore, 7 days, with a key of that Region
  tracetrack.aws.rds_backup_replication:
    source_db_instance_arn: arn:aws:rds:ap-south-1:123456789012:db:tracetrack-production-db
    destination_region: ap-southeast-1
    backup_retention_period: 7
    kms_key_id: arn:aws:kms:ap-southeast-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab
"""

RETURN = r"""
replication:
  description: The replicated automated backup in the destination Region, as DescribeDBInstanceAutomatedBackups
    describes it (empty when the backups are not replicated).
  returned: always
  type: dict
  contains:
    db_instance_automated_backups_arn:
      description: The replicated backup's ARN in the destination Region.
      type: str
    status:
      description: C(replicating) while the replication runs.
      type: str
    backup_retention_period:
      description: Days the replicated backups are kept.
      type: int
    kms_key_id:
      description: The destination Region's key that encrypts them.
      type: str
diff:
  description: The replication's settings before and after (with C(--diff)).
  returned: when changed
  type: dict
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

COMPARED = ("BackupRetentionPeriod", "KmsKeyId")


def find_replication(client, module, source_arn):
    """The replicated backup of the source in the destination Region that is still replicating, or None."""
    try:
        paginator = client.get_paginator("describe_db_instance_automated_backups")
        backups = paginator.paginate().build_full_result()["DBInstanceAutomatedBackups"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Couldn't list the automated backups of the destination Region")
    found = [b for b in backups if b.get("DBInstanceArn") == source_arn and b.get("Status") in ("replicating", "pending")]
    return found[0] if found else None


def wanted(params):
    return {"BackupRetentionPeriod": params["backup_retention_period"], "KmsKeyId": params.get("kms_key_id")}


def view(replication):
    return {k: replication.get(k) for k in COMPARED} if replication else {}


def start(client, module, params):
    request = {"SourceDBInstanceArn": params["source_db_instance_arn"], "BackupRetentionPeriod": params["backup_retention_period"]}
    if params.get("kms_key_id"):
        request["KmsKeyId"] = params["kms_key_id"]
    try:
        return client.start_db_instance_automated_backups_replication(aws_retry=True, **request)["DBInstanceAutomatedBackup"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't replicate the backups of {params['source_db_instance_arn']} to {params['destination_region']}")


def stop(client, module, params):
    try:
        client.stop_db_instance_automated_backups_replication(aws_retry=True, SourceDBInstanceArn=params["source_db_instance_arn"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't stop replicating the backups of {params['source_db_instance_arn']}")


def ensure_absent(client, module, params):
    current = find_replication(client, module, params["source_db_instance_arn"])
    if current is None:
        module.exit_json(changed=False, replication={})
    if not module.check_mode:
        stop(client, module, params)
    module.exit_json(changed=True, replication={}, diff={"before": view(current), "after": {}})


def ensure_present(client, module, params):
    current = find_replication(client, module, params["source_db_instance_arn"])
    before, after = view(current), wanted(params)
    if current is not None and before == after:
        module.exit_json(changed=False, replication=camel_dict_to_snake_dict(current))
    if module.check_mode:
        module.exit_json(changed=True, replication=camel_dict_to_snake_dict(dict(current or {}, **after)), diff={"before": before, "after": after})
    if current is not None:
        stop(client, module, params)
    replication = start(client, module, params)
    module.exit_json(changed=True, replication=camel_dict_to_snake_dict(replication), diff={"before": before, "after": after})


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        source_db_instance_arn=dict(type="str", required=True),
        destination_region=dict(type="str", required=True),
        backup_retention_period=dict(type="int", default=7),
        kms_key_id=dict(type="str", no_log=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if not 1 <= params["backup_retention_period"] <= 35:
        module.fail_json(msg="backup_retention_period must be 1-35 days")
    client = module.client("rds", retry_decorator=AWSRetry.jittered_backoff(), region=params["destination_region"])
    if params["state"] == "present":
        ensure_present(client, module, params)
    else:
        ensure_absent(client, module, params)


if __name__ == "__main__":
    main()
