#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_login
short_description: Get a login for an ECR registry
version_added: 0.1.0
description:
  - Gets a temporary login for Amazon ECR (ECR C(GetAuthorizationToken)), to push or pull images with podman,
    docker or skopeo, for example with C(containers.podman.podman_login).
  - The login is valid for 12 hours. The module only reads; it never reports a change, and behaves the same in
    check mode.
  - B(The result holds a password.) Ansible cannot hide a value that a module returns, so every task that uses
    this module, and every task that uses its RV(password), must set C(no_log) to V(true); otherwise the password is
    shown with C(-v) and written to any log or callback that records task results.
options:
  registry_ids:
    description:
      - The AWS account ids of the registries to log in to.
      - When not set, the registry of the account the credentials belong to.
      - AWS has deprecated this parameter; the token of any registry gives access to every registry the credentials
        may use.
    type: list
    elements: str
notes:
  - The IAM permission needed is C(ecr:GetAuthorizationToken).
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Get a login for the account's registry
  tracetrack.aws.ecr_login:
  register: ecr_registry_login
  no_log: true

- name: Log podman in to the registry
  containers.podman.podman_login:
    registry: "{{ ecr_registry_login.registry }}"
    username: "{{ ecr_registry_login.username }}"
    password: "{{ ecr_registry_login.password }}"
  no_log: true

- name: Show where images go (the password is not part of this message)
  ansible.builtin.debug:
    msg: "Pushing to {{ ecr_registry_login.registry }} until {{ ecr_registry_login.expires_at }}"
"""

RETURN = r"""
registry:
  description: The registry's host name, as image references and C(podman login) use it.
  returned: success
  type: str
  sample: 123456789012.dkr.ecr.ap-south-1.amazonaws.com
proxy_endpoint:
  description: The registry's URL, as ECR returns it.
  returned: success
  type: str
  sample: https://123456789012.dkr.ecr.ap-south-1.amazonaws.com
registries:
  description: The host names of every registry asked for with O(registry_ids), in the order ECR returned them.
  returned: success
  type: list
  elements: str
  sample: ["123456789012.dkr.ecr.ap-south-1.amazonaws.com"]
username:
  description: The user name to log in with; always V(AWS).
  returned: success
  type: str
  sample: AWS
password:
  description:
    - The password to log in with, valid until RV(expires_at).
    - B(Secret.) Set C(no_log) to V(true) on the task that runs this module and on every task that uses this value.
  returned: success
  type: str
expires_at:
  description: When the login expires (ISO 8601, UTC).
  returned: success
  type: str
  sample: "2026-11-22T12:00:00+00:00"
"""

import base64
import binascii

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


class TokenError(ValueError):
    pass


def decode_token(token):
    """ECR's authorization token is base64 of `user:password`."""
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, TypeError):
        raise TokenError("ECR returned an authorization token that is not base64") from None
    username, separator, password = decoded.partition(":")
    if not separator or not username or not password:
        raise TokenError("ECR returned an authorization token that is not user:password")
    return username, password


def registry_host(proxy_endpoint):
    host = proxy_endpoint
    for scheme in ("https://", "http://"):
        if host.startswith(scheme):
            host = host[len(scheme) :]
    return host.rstrip("/")


def format_expiry(expires_at):
    if hasattr(expires_at, "isoformat"):
        return expires_at.isoformat()
    return str(expires_at) if expires_at is not None else None


def login_result(authorization_data):
    """The module's result from the authorizationData list of GetAuthorizationToken."""
    if not authorization_data:
        raise TokenError("ECR returned no authorization data")
    first = authorization_data[0]
    username, password = decode_token(first["authorizationToken"])
    return dict(
        registry=registry_host(first["proxyEndpoint"]),
        proxy_endpoint=first["proxyEndpoint"],
        registries=[registry_host(entry["proxyEndpoint"]) for entry in authorization_data],
        username=username,
        password=password,
        expires_at=format_expiry(first.get("expiresAt")),
    )


def main():
    argument_spec = dict(
        registry_ids=dict(type="list", elements="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())

    request = {}
    if module.params["registry_ids"]:
        request["registryIds"] = module.params["registry_ids"]
    try:
        response = client.get_authorization_token(aws_retry=True, **request)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Couldn't get an ECR authorization token")

    try:
        result = login_result(response.get("authorizationData", []))
    except TokenError as e:
        module.fail_json(msg=f"Couldn't read the ECR authorization token: {e}")
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
