#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudfront_origin_access_control
short_description: Manage CloudFront origin access controls
version_added: 0.1.0
description:
  - Create, update or delete a CloudFront origin access control (OAC), which signs CloudFront's requests to an
    origin such as a private S3 bucket (CloudFront C(CreateOriginAccessControl), C(ListOriginAccessControls),
    C(GetOriginAccessControl), C(UpdateOriginAccessControl), C(DeleteOriginAccessControl)).
  - Origin access controls have no tags and are found by O(name), which is unique in the account.
  - Only the options that are set are compared and changed.
  - An origin access control cannot be deleted while a distribution's origin uses it.
  - community.aws has a module for the older origin access identities only.
options:
  state:
    description: Whether the origin access control should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The origin access control's name, 1 to 64 characters, unique in the account.
    type: str
    required: true
  description:
    description: A description, up to 256 characters. V("") when not set on creation.
    type: str
  origin_type:
    description: The kind of origin it signs requests to. V(s3) when not set on creation.
    type: str
    choices: [s3, mediastore, mediapackagev2, lambda]
  signing_behavior:
    description:
      - V(always) signs every request (the usual choice for a private bucket), V(never) none, V(no-override)
        signs unless the viewer's request carries an C(Authorization) header. V(always) when not set on creation.
    type: str
    choices: [always, never, no-override]
  signing_protocol:
    description: How requests are signed. Only V(sigv4) exists.
    type: str
    choices: [sigv4]
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Let the distribution read the private static site bucket
  tracetrack.aws.cloudfront_origin_access_control:
    name: tracetrack-production-site
    description: CloudFront reads s3://tracetrack-production-site-123456789012
    origin_type: s3
    signing_behavior: always

- name: Remove it (after the distribution that uses it)
  tracetrack.aws.cloudfront_origin_access_control:
    name: tracetrack-production-site
    state: absent
"""

RETURN = r"""
origin_access_control:
  description: The origin access control. Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Its id, the value of an origin's C(OriginAccessControlId). Missing in check mode for a new one.
      type: str
      sample: E2QWRUHEXAMPLE
    name:
      description: Its name.
      type: str
      sample: tracetrack-production-site
    description:
      description: Its description.
      type: str
    origin_type:
      description: The kind of origin.
      type: str
      sample: s3
    signing_behavior:
      description: When requests are signed.
      type: str
      sample: always
    signing_protocol:
      description: How requests are signed.
      type: str
      sample: sigv4
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# Module option -> member of OriginAccessControlConfig.
CONFIG_MEMBERS = {
    "name": "Name",
    "description": "Description",
    "origin_type": "OriginAccessControlOriginType",
    "signing_behavior": "SigningBehavior",
    "signing_protocol": "SigningProtocol",
}
CREATE_DEFAULTS = {"description": "", "origin_type": "s3", "signing_behavior": "always", "signing_protocol": "sigv4"}


@AWSRetry.jittered_backoff()
def _list_controls(client):
    controls = []
    marker = None
    while True:
        kwargs = {"Marker": marker} if marker else {}
        page = client.list_origin_access_controls(**kwargs).get("OriginAccessControlList", {})
        controls.extend(page.get("Items") or [])
        marker = page.get("NextMarker")
        if not page.get("IsTruncated") or not marker:
            return controls


def find_control(client, module, name):
    try:
        controls = _list_controls(client)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Couldn't list the CloudFront origin access controls")
    for control in controls:
        if control.get("Name") == name:
            return control
    return None


def config_of(summary):
    """The OriginAccessControlConfig of a list entry (the summary carries every member of the config)."""
    return {member: summary.get(member, "" if member == "Description" else None) for member in CONFIG_MEMBERS.values()}


def wanted_config(current, params):
    """The configuration with the options that are set applied over the current one (or the creation defaults)."""
    if current is None:
        config = {CONFIG_MEMBERS[o]: v for o, v in CREATE_DEFAULTS.items()}
        config["Name"] = params["name"]
    else:
        config = dict(current)
    for option, member in CONFIG_MEMBERS.items():
        if params.get(option) is not None:
            config[member] = params[option]
    return config


def format_control(control_id, config):
    result = {option: config.get(member) for option, member in CONFIG_MEMBERS.items()}
    if control_id:
        result["id"] = control_id
    return result


def get_etag(client, module, control_id):
    try:
        return client.get_origin_access_control(aws_retry=True, Id=control_id)["ETag"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't get origin access control {control_id}")


def ensure_present(client, module, params):
    summary = find_control(client, module, params["name"])
    if summary is None:
        config = wanted_config(None, params)
        if module.check_mode:
            module.exit_json(changed=True, origin_access_control=format_control(None, config))
        try:
            created = client.create_origin_access_control(aws_retry=True, OriginAccessControlConfig=config)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't create origin access control {params['name']}")
        control = created["OriginAccessControl"]
        module.exit_json(changed=True, origin_access_control=format_control(control["Id"], config))

    current = config_of(summary)
    config = wanted_config(current, params)
    if config == current:
        module.exit_json(changed=False, origin_access_control=format_control(summary["Id"], current))
    diff = {"before": format_control(summary["Id"], current), "after": format_control(summary["Id"], config)}
    if not module.check_mode:
        try:
            client.update_origin_access_control(
                aws_retry=True,
                Id=summary["Id"],
                IfMatch=get_etag(client, module, summary["Id"]),
                OriginAccessControlConfig=config,
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't update origin access control {params['name']}")
    module.exit_json(changed=True, diff=diff, origin_access_control=format_control(summary["Id"], config))


def ensure_absent(client, module, params):
    summary = find_control(client, module, params["name"])
    if summary is None:
        module.exit_json(changed=False, origin_access_control={})
    if not module.check_mode:
        try:
            client.delete_origin_access_control(aws_retry=True, Id=summary["Id"], IfMatch=get_etag(client, module, summary["Id"]))
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't delete origin access control {params['name']} (a distribution may still use it)")
    module.exit_json(changed=True, origin_access_control={})


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True),
        description=dict(type="str"),
        origin_type=dict(type="str", choices=["s3", "mediastore", "mediapackagev2", "lambda"]),
        signing_behavior=dict(type="str", choices=["always", "never", "no-override"]),
        signing_protocol=dict(type="str", choices=["sigv4"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if not 1 <= len(params["name"]) <= 64:
        module.fail_json(msg="name must be 1 to 64 characters")
    if params["description"] is not None and len(params["description"]) > 256:
        module.fail_json(msg="description must be at most 256 characters")

    client = module.client("cloudfront", retry_decorator=AWSRetry.jittered_backoff())
    if params["state"] == "present":
        ensure_present(client, module, params)
    else:
        ensure_absent(client, module, params)


if __name__ == "__main__":
    main()
