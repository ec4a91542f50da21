# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: secret_arn_of
short_description: Whether an ARN is the ARN of the Secrets Manager secret of a given name
version_added: 0.4.0
description:
  - True when the value is a Secrets Manager secret ARN whose name is the one given, followed by the six characters
    Secrets Manager adds to every secret's ARN (C(arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-Ab12Cd)).
  - Lets a role take a secret ARN another role published, after checking it names the secret this role expects
    (another environment's prefix, or nothing published, is false).
options:
  _input:
    description: The ARN (anything else, an empty string included, is false).
    type: raw
    required: true
  name:
    description: The secret's name.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Use the published ARN when it is this environment's secret
  ansible.builtin.set_fact:
    app_secret_arn: "{{ secrets_app_secret_arn if secrets_app_secret_arn | default('') is tracetrack.aws.secret_arn_of('shop-production/app') else '' }}"
"""

RETURN = r"""
_value:
  description: Whether the ARN names that secret.
  type: bool
"""

import re

ARN = re.compile(r"^arn:[a-z0-9-]+:secretsmanager:[a-z0-9-]*:\d*:secret:(?P<name>.+)-[A-Za-z0-9]{6}$")


def secret_arn_of(arn, name):
    found = ARN.match(arn) if isinstance(arn, str) else None
    return bool(found) and found.group("name") == name


class TestModule:
    def tests(self):
        return {"secret_arn_of": secret_arn_of}
