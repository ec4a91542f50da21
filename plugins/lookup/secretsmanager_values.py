# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: secretsmanager_values
short_description: The current values of several Secrets Manager secrets, read together
version_added: 0.4.0
description:
  - Reads the C(AWSCURRENT) value of each secret named, 20 secrets per Secrets Manager C(BatchGetSecretValue) call,
    where the lookup P(amazon.aws.secretsmanager_secret#lookup) makes one C(GetSecretValue) call per secret.
  - Returns one value per term, in the order given, so that the values can be zipped with the names.
  - Needs C(secretsmanager:BatchGetSecretValue), and C(secretsmanager:GetSecretValue) on each secret.
options:
  _terms:
    description: The names (or ARNs) of the secrets.
    required: true
  on_missing:
    description:
      - What to do for a secret that does not exist or is scheduled for deletion.
      - V(error) fails the lookup; V(empty) returns an empty string in its place.
      - Any other error (access denied, for one) always fails the lookup.
    type: str
    default: error
    choices: [error, empty]
extends_documentation_fragment:
  - amazon.aws.boto3
  - amazon.aws.common.plugins
  - amazon.aws.region.plugins
"""

EXAMPLES = r"""
- name: Keep a generated value from one run to the next (an empty string before the first run)
  ansible.builtin.set_fact:
    current: >-
      {{ dict(names | zip(query('tracetrack.aws.secretsmanager_values', *names, on_missing='empty', **aws_connection))) }}
  vars:
    names: [shop-production/database-master, shop-production/app]
  no_log: true
"""

RETURN = r"""
_raw:
  description: The secrets' values (their C(SecretString)), one per term, in the order given.
  type: list
  elements: str
"""

try:
    import botocore
except ImportError:
    pass  # handled by AWSLookupBase

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.plugin_utils.lookup import AWSLookupBase

from ansible_collections.tracetrack.aws.plugins.module_utils.secretsmanager import ABSENT_ERRORS
from ansible_collections.tracetrack.aws.plugins.module_utils.secretsmanager import batch_secret_values


def values_of(client, terms, on_missing):
    """The terms' values in order (see DOCUMENTATION); client is a Secrets Manager client with aws_retry."""
    if on_missing not in ("error", "empty"):
        raise AnsibleLookupError(f"on_missing must be error or empty, not {on_missing}")
    if not terms:
        return []
    try:
        values, errors = batch_secret_values(client, terms)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        raise AnsibleLookupError(f"Couldn't read the secrets {', '.join(terms)}: {to_native(e)}") from e
    found = []
    for term in terms:
        if term in values:
            found.append(values[term].get("SecretString", ""))
        elif on_missing == "empty" and errors.get(term) in ABSENT_ERRORS:
            found.append("")
        else:
            raise AnsibleLookupError(f"Couldn't read the secret {term}: {errors.get(term) or 'not returned'}")
    return found


class LookupModule(AWSLookupBase):
    def run(self, terms, variables, **kwargs):
        super().run(terms, variables, **kwargs)
        return values_of(self.client("secretsmanager", AWSRetry.jittered_backoff()), terms, self.get_option("on_missing"))
