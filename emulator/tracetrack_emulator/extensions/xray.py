"""X-Ray groups, sampling rules and their tags, following the AWS X-Ray API reference.

moto serves trace segments only; these operations answer 404 there. Implemented (REST-JSON, POST):
  CreateGroup /CreateGroup, GetGroup /GetGroup, GetGroups /Groups, UpdateGroup /UpdateGroup,
  DeleteGroup /DeleteGroup,
  CreateSamplingRule /CreateSamplingRule, GetSamplingRules /GetSamplingRules,
  UpdateSamplingRule /UpdateSamplingRule, DeleteSamplingRule /DeleteSamplingRule,
  TagResource /TagResource, UntagResource /UntagResource, ListTagsForResource /ListTagsForResource.

As in AWS: the reserved group and sampling rule named `Default` always exist and cannot be deleted;
the `Default` rule only takes a new FixedRate and ReservoirSize; a group ARN ends in a generated id;
an account holds at most 25 sampling rules besides `Default` (RuleLimitExceededException); a resource
takes at most 50 tags (TooManyTagsException); other bad input is an InvalidRequestException (HTTP 400),
an unknown ARN in the tagging operations a ResourceNotFoundException (HTTP 404).
"""

import json
import string
import time

from moto.core.exceptions import JsonRESTError
from moto.moto_api._internal import mock_random
from moto.xray import urls as xray_urls
from moto.xray.responses import XRayResponse

DEFAULT = "Default"
MAX_SAMPLING_RULES = 25
MAX_TAGS = 50
PAGE_SIZE = 100
GROUP_ID_ALPHABET = string.ascii_uppercase + "234567"

SAMPLING_RULE_STRINGS = {
    # member: maximum length (AWS X-Ray API reference, SamplingRule data type)
    "ResourceARN": 500,
    "ServiceName": 64,
    "ServiceType": 64,
    "Host": 64,
    "HTTPMethod": 10,
    "URLPath": 128,
}
SAMPLING_RULE_REQUIRED = ("ResourceARN", "Priority", "FixedRate", "ReservoirSize", "ServiceName", "ServiceType",
                          "Host", "HTTPMethod", "URLPath", "Version")
UPDATABLE_RULE_MEMBERS = ("ResourceARN", "Priority", "FixedRate", "ReservoirSize", "Host", "ServiceName",
                          "ServiceType", "HTTPMethod", "URLPath", "Attributes")


class InvalidRequestException(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("InvalidRequestException", message)


class ResourceNotFoundException(JsonRESTError):
    code = 404

    def __init__(self, message):
        super().__init__("ResourceNotFoundException", message)


class RuleLimitExceededException(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("RuleLimitExceededException", message)


class TooManyTagsException(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("TooManyTagsException", message)


def _check_length(name, value, minimum, maximum):
    if not isinstance(value, str) or not minimum <= len(value) <= maximum:
        raise InvalidRequestException(f"{name} must be a string of {minimum} to {maximum} characters")


def _check_number(name, value, minimum=None, maximum=None, integer=False):
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise InvalidRequestException(f"{name} must be {'an integer' if integer else 'a number'}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InvalidRequestException(f"{name} must be between {minimum} and {maximum}")


def _check_attributes(attributes):
    if not isinstance(attributes, dict) or len(attributes) > 5:
        raise InvalidRequestException("Attributes must be a map of at most 5 entries")
    for key, value in attributes.items():
        _check_length("Attributes key", key, 1, 32)
        _check_length("Attributes value", value, 1, 32)


def _check_tags(tags):
    if not isinstance(tags, list):
        raise InvalidRequestException("Tags must be a list")
    for tag in tags:
        if not isinstance(tag, dict) or "Key" not in tag or "Value" not in tag:
            raise InvalidRequestException("Each tag needs a Key and a Value")
        _check_length("Tag key", tag["Key"], 1, 128)
        _check_length("Tag value", tag["Value"], 0, 256)
        if tag["Key"].lower().startswith("aws:"):
            raise InvalidRequestException("Tag keys starting with aws: are reserved for use by AWS")


def _page(items, next_token):
    start = 0
    if next_token:
        try:
            start = int(next_token)
        except ValueError:
            raise InvalidRequestException("The NextToken is not valid") from None
    page = items[start:start + PAGE_SIZE]
    following = start + PAGE_SIZE
    return page, (str(following) if following < len(items) else None)


class XRayControlPlane:
    """The groups, sampling rules and tags of one account in one region."""

    def __init__(self, account_id, region_name):
        self.account_id = account_id
        self.region_name = region_name
        self.groups = {}
        self.rules = {}
        self.tags = {}  # ARN -> {key: value}
        self.groups[DEFAULT] = {
            "GroupName": DEFAULT,
            "GroupARN": self.arn(f"group/{DEFAULT}"),
            "InsightsConfiguration": {"InsightsEnabled": False, "NotificationsEnabled": False},
        }
        now = time.time()
        self.rules[DEFAULT] = {
            "SamplingRule": {
                "RuleName": DEFAULT,
                "RuleARN": self.arn(f"sampling-rule/{DEFAULT}"),
                "ResourceARN": "*",
                "Priority": 10000,
                "FixedRate": 0.05,
                "ReservoirSize": 1,
                "ServiceName": "*",
                "ServiceType": "*",
                "Host": "*",
                "HTTPMethod": "*",
                "URLPath": "*",
                "Version": 1,
                "Attributes": {},
            },
            "CreatedAt": 0.0,
            "ModifiedAt": now,
        }

    def arn(self, resource):
        return f"arn:aws:xray:{self.region_name}:{self.account_id}:{resource}"

    # --- groups ---

    def find_group(self, name=None, arn=None):
        if not name and not arn:
            raise InvalidRequestException("GroupName or GroupARN is required")
        for group in self.groups.values():
            if (name and group["GroupName"] == name) or (arn and group["GroupARN"] == arn):
                return group
        raise InvalidRequestException("Group not found")

    @staticmethod
    def insights(value, current=None):
        config = dict(current or {"InsightsEnabled": False, "NotificationsEnabled": False})
        if value is None:
            return config
        if not isinstance(value, dict):
            raise InvalidRequestException("InsightsConfiguration must be an object")
        for key in ("InsightsEnabled", "NotificationsEnabled"):
            if key in value:
                if not isinstance(value[key], bool):
                    raise InvalidRequestException(f"{key} must be a boolean")
                config[key] = value[key]
        if config["NotificationsEnabled"] and not config["InsightsEnabled"]:
            raise InvalidRequestException("Notifications can only be enabled on a group with insights enabled")
        return config

    def create_group(self, name, filter_expression, insights_configuration, tags):
        _check_length("GroupName", name, 1, 32)
        if name == DEFAULT:
            raise InvalidRequestException("Default is a reserved group name")
        if name in self.groups:
            raise InvalidRequestException("Group already exists")
        if tags is not None:
            _check_tags(tags)
            if len(tags) > MAX_TAGS:
                raise TooManyTagsException(f"A resource can have at most {MAX_TAGS} tags")
        group_id = "".join(mock_random.choice(GROUP_ID_ALPHABET) for _position in range(32))
        group = {"GroupName": name, "GroupARN": self.arn(f"group/{name}/{group_id}")}
        if filter_expression is not None:
            group["FilterExpression"] = filter_expression
        group["InsightsConfiguration"] = self.insights(insights_configuration)
        self.groups[name] = group
        self.tags[group["GroupARN"]] = {t["Key"]: t["Value"] for t in tags or []}
        return group

    def update_group(self, name, arn, filter_expression, insights_configuration):
        group = self.find_group(name, arn)
        if group["GroupName"] == DEFAULT and filter_expression is not None:
            raise InvalidRequestException("The filter expression of the Default group cannot be changed")
        insights = self.insights(insights_configuration, group.get("InsightsConfiguration"))
        if filter_expression is not None:
            group["FilterExpression"] = filter_expression
        group["InsightsConfiguration"] = insights
        return group

    def delete_group(self, name, arn):
        group = self.find_group(name, arn)
        if group["GroupName"] == DEFAULT:
            raise InvalidRequestException("The Default group cannot be deleted")
        del self.groups[group["GroupName"]]
        self.tags.pop(group["GroupARN"], None)

    # --- sampling rules ---

    def find_rule(self, name=None, arn=None):
        if not name and not arn:
            raise InvalidRequestException("RuleName or RuleARN is required")
        for record in self.rules.values():
            rule = record["SamplingRule"]
            if (name and rule["RuleName"] == name) or (arn and rule["RuleARN"] == arn):
                return record
        raise InvalidRequestException("Sampling rule does not exist")

    @staticmethod
    def check_rule_members(rule, members):
        for member in members:
            if member not in rule:
                continue
            value = rule[member]
            if member in SAMPLING_RULE_STRINGS:
                _check_length(member, value, 0 if member == "ResourceARN" else 1, SAMPLING_RULE_STRINGS[member])
            elif member == "Priority":
                _check_number(member, value, 1, 9999, integer=True)
            elif member == "FixedRate":
                _check_number(member, value, 0, 1)
            elif member == "ReservoirSize":
                _check_number(member, value, 0, integer=True)
            elif member == "Version":
                _check_number(member, value, 1, integer=True)
                if value != 1:
                    raise InvalidRequestException("Version must be 1")
            elif member == "Attributes":
                _check_attributes(value)

    def create_sampling_rule(self, rule, tags):
        if not isinstance(rule, dict):
            raise InvalidRequestException("SamplingRule is required")
        missing = [m for m in SAMPLING_RULE_REQUIRED if m not in rule]
        if missing:
            raise InvalidRequestException(f"SamplingRule is missing {', '.join(missing)}")
        name = rule.get("RuleName")
        if name is None and rule.get("RuleARN"):
            name = rule["RuleARN"].rsplit("/", 1)[-1]
        _check_length("RuleName", name, 1, 32)
        self.check_rule_members(rule, SAMPLING_RULE_REQUIRED + ("Attributes",))
        if name in self.rules:
            raise InvalidRequestException("A sampling rule with this name already exists")
        if len([n for n in self.rules if n != DEFAULT]) >= MAX_SAMPLING_RULES:
            raise RuleLimitExceededException(f"An account can have at most {MAX_SAMPLING_RULES} sampling rules")
        if tags is not None:
            _check_tags(tags)
            if len(tags) > MAX_TAGS:
                raise TooManyTagsException(f"A resource can have at most {MAX_TAGS} tags")
        stored = {member: rule[member] for member in SAMPLING_RULE_REQUIRED}
        stored.update(RuleName=name, RuleARN=self.arn(f"sampling-rule/{name}"))
        stored["Attributes"] = dict(rule.get("Attributes") or {})
        if "SamplingRateBoost" in rule:
            stored["SamplingRateBoost"] = rule["SamplingRateBoost"]
        now = time.time()
        record = {"SamplingRule": stored, "CreatedAt": now, "ModifiedAt": now}
        self.rules[name] = record
        self.tags[stored["RuleARN"]] = {t["Key"]: t["Value"] for t in tags or []}
        return record

    def update_sampling_rule(self, update):
        if not isinstance(update, dict):
            raise InvalidRequestException("SamplingRuleUpdate is required")
        record = self.find_rule(update.get("RuleName"), update.get("RuleARN"))
        rule = record["SamplingRule"]
        changes = {m: update[m] for m in UPDATABLE_RULE_MEMBERS if m in update}
        if rule["RuleName"] == DEFAULT and set(changes) - {"FixedRate", "ReservoirSize"}:
            raise InvalidRequestException("Only FixedRate and ReservoirSize of the Default rule can be updated")
        self.check_rule_members(changes, UPDATABLE_RULE_MEMBERS)
        if "Attributes" in changes:
            changes["Attributes"] = dict(changes["Attributes"])
        rule.update(changes)
        if "SamplingRateBoost" in update:
            rule["SamplingRateBoost"] = update["SamplingRateBoost"]
        record["ModifiedAt"] = time.time()
        return record

    def delete_sampling_rule(self, name, arn):
        record = self.find_rule(name, arn)
        if record["SamplingRule"]["RuleName"] == DEFAULT:
            raise InvalidRequestException("The Default sampling rule cannot be deleted")
        del self.rules[record["SamplingRule"]["RuleName"]]
        self.tags.pop(record["SamplingRule"]["RuleARN"], None)
        return record

    # --- tags ---

    def tags_of(self, arn):
        if not arn:
            raise InvalidRequestException("ResourceARN is required")
        if arn not in self.tags:
            raise ResourceNotFoundException(f"Resource {arn} not found")
        return self.tags[arn]

    def tag_resource(self, arn, tags):
        current = self.tags_of(arn)
        _check_tags(tags)
        merged = {**current, **{t["Key"]: t["Value"] for t in tags}}
        if len(merged) > MAX_TAGS:
            raise TooManyTagsException(f"A resource can have at most {MAX_TAGS} tags")
        current.clear()
        current.update(merged)

    def untag_resource(self, arn, keys):
        current = self.tags_of(arn)
        if not isinstance(keys, list):
            raise InvalidRequestException("TagKeys must be a list")
        for key in keys:
            current.pop(key, None)


def control_plane(backend) -> XRayControlPlane:
    # Kept on the backend instance, so that POST /moto-api/reset forgets it with everything else.
    if not hasattr(backend, "_tracetrack_control_plane"):
        backend._tracetrack_control_plane = XRayControlPlane(backend.account_id, backend.region_name)
    return backend._tracetrack_control_plane


def _plane(response) -> XRayControlPlane:
    return control_plane(response.xray_backend)


# --- request handlers, added to moto's XRayResponse (one per URL path, named after it) ---


def create_group(self):
    group = _plane(self).create_group(
        self._get_param("GroupName"),
        self._get_param("FilterExpression"),
        self._get_param("InsightsConfiguration"),
        self._get_param("Tags"),
    )
    return json.dumps({"Group": group})


def get_group(self):
    return json.dumps({"Group": _plane(self).find_group(self._get_param("GroupName"), self._get_param("GroupARN"))})


def groups(self):
    page, next_token = _page(list(_plane(self).groups.values()), self._get_param("NextToken"))
    return json.dumps({"Groups": page, **({"NextToken": next_token} if next_token else {})})


def update_group(self):
    group = _plane(self).update_group(
        self._get_param("GroupName"),
        self._get_param("GroupARN"),
        self._get_param("FilterExpression"),
        self._get_param("InsightsConfiguration"),
    )
    return json.dumps({"Group": group})


def delete_group(self):
    _plane(self).delete_group(self._get_param("GroupName"), self._get_param("GroupARN"))
    return "{}"


def create_sampling_rule(self):
    record = _plane(self).create_sampling_rule(self._get_param("SamplingRule"), self._get_param("Tags"))
    return json.dumps({"SamplingRuleRecord": record})


def get_sampling_rules(self):
    records = sorted(
        _plane(self).rules.values(), key=lambda r: (r["SamplingRule"]["Priority"], r["SamplingRule"]["RuleName"])
    )
    page, next_token = _page(records, self._get_param("NextToken"))
    return json.dumps({"SamplingRuleRecords": page, **({"NextToken": next_token} if next_token else {})})


def update_sampling_rule(self):
    return json.dumps({"SamplingRuleRecord": _plane(self).update_sampling_rule(self._get_param("SamplingRuleUpdate"))})


def delete_sampling_rule(self):
    record = _plane(self).delete_sampling_rule(self._get_param("RuleName"), self._get_param("RuleARN"))
    return json.dumps({"SamplingRuleRecord": record})


def tag_resource(self):
    _plane(self).tag_resource(self._get_param("ResourceARN"), self._get_param("Tags"))
    return "{}"


def untag_resource(self):
    _plane(self).untag_resource(self._get_param("ResourceARN"), self._get_param("TagKeys"))
    return "{}"


def list_tags_for_resource(self):
    tags = [{"Key": k, "Value": v} for k, v in sorted(_plane(self).tags_of(self._get_param("ResourceARN")).items())]
    page, next_token = _page(tags, self._get_param("NextToken"))
    return json.dumps({"Tags": page, **({"NextToken": next_token} if next_token else {})})


HANDLERS = {
    "CreateGroup": create_group,
    "GetGroup": get_group,
    "Groups": groups,
    "UpdateGroup": update_group,
    "DeleteGroup": delete_group,
    "CreateSamplingRule": create_sampling_rule,
    "GetSamplingRules": get_sampling_rules,
    "UpdateSamplingRule": update_sampling_rule,
    "DeleteSamplingRule": delete_sampling_rule,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}


def apply() -> None:
    for path, handler in HANDLERS.items():
        # moto's server builds the X-Ray URL map from this dict; XRayResponse dispatches /Path to path().
        xray_urls.url_paths[f"{{0}}/{path}$"] = XRayResponse.dispatch
        setattr(XRayResponse, handler.__name__, handler)
