"""Deny statements with a condition, following the IAM policy evaluation logic (IAM User Guide, "Policy
evaluation logic" and "IAM JSON policy elements: Condition").

A statement applies to a request only when its Condition block matches the request's context. moto evaluates
the StringEquals operator only, and only against the few context keys it supplies; it skips every other
condition as if it matched. For an Allow statement that leans towards permitting, which is what an emulator
should do; for a Deny statement it refuses every request. An S3 bucket policy that denies requests made
without TLS ({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}, the usual
"TLS only" statement) then makes the bucket unusable, S3 PutObject and GetObject included.

Here a Deny statement applies only when moto can evaluate all of its conditions and they match: a condition
with an operator moto does not implement, or on a context key the request does not carry (moto supplies no
aws:SecureTransport, aws:SourceArn...), does not make the statement deny. Deny statements without a
condition, and Allow statements, are evaluated as before.
"""

from moto.iam import access_control
from moto.iam.policy_conditions import CONDITION_OPERATIONS, TrustRelationShipConditions


def conditions_match(conditions, incoming_condition_values) -> bool:
    """Whether every condition can be evaluated against the request's context, and matches."""
    values = incoming_condition_values or {}
    for condition in TrustRelationShipConditions(conditions):
        operation = CONDITION_OPERATIONS.get(condition._condition)
        if operation is None:
            return False
        for key, expected in zip(condition.context_keys, condition._expected_value, strict=True):
            if key not in values or not operation(expected, values[key]):
                return False
    return True


def _wrap_is_action_permitted(original):
    def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
        result = original(self, action, resource, principal, incoming_condition_values)
        statement = self._statement
        if (
            result == access_control.PermissionResult.DENIED
            and statement.get("Effect") == "Deny"
            and statement.get("Condition")
            and not conditions_match(statement["Condition"], incoming_condition_values)
        ):
            return access_control.PermissionResult.NEUTRAL
        return result

    is_action_permitted._tracetrack_patched = True
    return is_action_permitted


def apply() -> None:
    statement = access_control.IAMPolicyStatement
    if not getattr(statement.is_action_permitted, "_tracetrack_patched", False):
        statement.is_action_permitted = _wrap_is_action_permitted(statement.is_action_permitted)
