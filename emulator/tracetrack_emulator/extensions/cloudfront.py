"""CloudFront distributions, invalidations and origin access controls, following the AWS CloudFront API reference.

moto rebuilds a distribution's configuration from its own model, so GetDistribution and GetDistributionConfig
do not answer with the configuration that was sent: members the caller set are lost (an origin's
OriginAccessControlId and S3OriginConfig), and members AWS does not return are added (ForwardedValues and TTLs
on a behaviour that uses a cache policy, an empty OriginRequestPolicyId, empty Items lists). A client that
compares the configuration it wants with the one it reads back (community.aws.cloudfront_distribution) then
sends the whole configuration again on every run.

Implemented, as the API reference describes them (data types DistributionConfig, Origin, CustomOriginConfig,
S3OriginConfig, DefaultCacheBehavior, CacheBehavior, ViewerCertificate, Restrictions):
  CreateDistribution, CreateDistributionWithTags, UpdateDistribution: the configuration is kept as sent; an
    optional member that was left out takes the value AWS documents for it, every list's Quantity is its
    number of Items and an empty list has no Items. A behaviour with a CachePolicyId takes no ForwardedValues,
    MinTTL, DefaultTTL or MaxTTL, one without a CachePolicyId needs ForwardedValues (InvalidArgument, 400).
  GetDistribution, GetDistributionConfig, ListDistributions: answer with that configuration.
  UpdateDistribution, DeleteDistribution: IfMatch must be the distribution's current ETag (PreconditionFailed,
    412) and every update gives the distribution a new ETag; an update cannot change the CallerReference
    (IllegalUpdate, 400); only a disabled distribution can be deleted (DistributionNotDisabled, 409).
  CreateInvalidation: a CallerReference already used for the distribution returns the earlier invalidation
    when the paths are the same, and is refused otherwise (InvalidationBatchAlreadyExists, per the InvalidationBatch
    data type).
  CreateOriginAccessControl: names are unique in the account (OriginAccessControlAlreadyExists, 409).
  GetOriginAccessControlConfig (missing in moto).
  DeleteOriginAccessControl: refused while a distribution's origin uses it (OriginAccessControlInUse, 409).
"""

import copy

from moto.cloudfront import models as cloudfront_models
from moto.cloudfront.exceptions import CloudFrontException, NoSuchDistribution
from moto.cloudfront.responses import CloudFrontResponse
from moto.core.responses import ActionResult

ORIGIN_DEFAULTS = {
    "OriginPath": "",
    "ConnectionAttempts": 3,
    "ConnectionTimeout": 10,
    "OriginShield": {"Enabled": False},
    "OriginAccessControlId": "",
}
CUSTOM_ORIGIN_DEFAULTS = {"OriginReadTimeout": 30, "OriginKeepaliveTimeout": 5}
BEHAVIOUR_DEFAULTS = {
    "SmoothStreaming": False,
    "Compress": False,
    "FieldLevelEncryptionId": "",
}
BEHAVIOUR_LISTS = ("LambdaFunctionAssociations", "FunctionAssociations")
BEHAVIOUR_SIGNERS = ("TrustedSigners", "TrustedKeyGroups")
LEGACY_CACHE_MEMBERS = ("ForwardedValues", "MinTTL", "DefaultTTL", "MaxTTL")
LEGACY_TTL_DEFAULTS = {"MinTTL": 0, "DefaultTTL": 86400, "MaxTTL": 31536000}
DEFAULT_METHODS = ["HEAD", "GET"]
DISTRIBUTION_DEFAULTS = {
    "DefaultRootObject": "",
    "Logging": {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""},
    "PriceClass": "PriceClass_All",
    "WebACLId": "",
    "HttpVersion": "http2",
    "IsIPV6Enabled": False,
    "ContinuousDeploymentPolicyId": "",
    "Staging": False,
}
DISTRIBUTION_LISTS = ("Aliases", "OriginGroups", "CacheBehaviors", "CustomErrorResponses")
DEFAULT_VIEWER_CERTIFICATE = {
    "CloudFrontDefaultCertificate": True,
    "SSLSupportMethod": "vip",
    "MinimumProtocolVersion": "TLSv1",
    "CertificateSource": "cloudfront",
}


class InvalidArgument(CloudFrontException):
    def __init__(self, message):
        super().__init__("InvalidArgument", message)


class PreconditionFailed(CloudFrontException):
    def __init__(self):
        super().__init__(
            "PreconditionFailed", "The precondition given in one or more of the request header fields evaluated to false."
        )


class IllegalUpdate(CloudFrontException):
    def __init__(self, message):
        super().__init__("IllegalUpdate", message)


class DistributionNotDisabled(CloudFrontException):
    def __init__(self):
        super().__init__("DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.")


class InvalidationBatchAlreadyExists(CloudFrontException):
    def __init__(self):
        super().__init__(
            "InvalidationBatchAlreadyExists",
            "Your request contains a caller reference that was used for a previous invalidation batch for the same"
            " distribution.",
        )


class OriginAccessControlAlreadyExists(CloudFrontException):
    def __init__(self, name):
        super().__init__("OriginAccessControlAlreadyExists", f"An origin access control named {name} already exists.")


class OriginAccessControlInUse(CloudFrontException):
    def __init__(self):
        super().__init__(
            "OriginAccessControlInUse", "Cannot delete the origin access control because it's in use by a distribution."
        )


# --- the configuration as AWS returns it ---------------------------------------------------------------


def aws_list(value, item=None):
    """A CloudFront list ({Quantity, Items}): Quantity counts the Items, an empty list has no Items."""
    result = dict(value or {})
    items = result.pop("Items", None) or []
    if item is not None:
        items = [item(entry) for entry in items]
    result["Quantity"] = len(items)
    if items:
        result["Items"] = items
    return result


def with_defaults(value, defaults):
    result = copy.deepcopy(defaults)
    result.update(value)
    return result


def aws_origin(origin):
    result = with_defaults(origin, ORIGIN_DEFAULTS)
    result["CustomHeaders"] = aws_list(origin.get("CustomHeaders"))
    if "S3OriginConfig" in origin:
        result["S3OriginConfig"] = with_defaults(origin["S3OriginConfig"] or {}, {"OriginAccessIdentity": ""})
    if "CustomOriginConfig" in origin:
        custom = with_defaults(origin["CustomOriginConfig"], CUSTOM_ORIGIN_DEFAULTS)
        custom["OriginSslProtocols"] = aws_list(custom.get("OriginSslProtocols"))
        result["CustomOriginConfig"] = custom
    return result


def check_behaviour(behaviour, name):
    if behaviour.get("CachePolicyId"):
        legacy = [member for member in LEGACY_CACHE_MEMBERS if member in behaviour]
        if legacy:
            raise InvalidArgument(f"The parameter {legacy[0]} cannot be used when a cache policy is associated to {name}.")
    elif "ForwardedValues" not in behaviour:
        raise InvalidArgument(f"The parameter ForwardedValues is required for {name} when it has no cache policy.")


def aws_forwarded_values(value):
    result = dict(value)
    result["Headers"] = aws_list(value.get("Headers"))
    result["QueryStringCacheKeys"] = aws_list(value.get("QueryStringCacheKeys"))
    cookies = dict(value.get("Cookies") or {"Forward": "none"})
    if "WhitelistedNames" in cookies:
        cookies["WhitelistedNames"] = aws_list(cookies["WhitelistedNames"])
    result["Cookies"] = cookies
    return result


def aws_behaviour(behaviour):
    result = with_defaults(behaviour, BEHAVIOUR_DEFAULTS)
    for member in BEHAVIOUR_LISTS:
        result[member] = aws_list(behaviour.get(member))
    for member in BEHAVIOUR_SIGNERS:
        signers = aws_list(behaviour.get(member))
        signers.setdefault("Enabled", signers["Quantity"] > 0)
        result[member] = signers
    methods = behaviour.get("AllowedMethods") or {"Items": DEFAULT_METHODS}
    allowed = aws_list(methods)
    allowed["CachedMethods"] = aws_list(methods.get("CachedMethods") or {"Items": DEFAULT_METHODS})
    result["AllowedMethods"] = allowed
    if not behaviour.get("CachePolicyId"):
        result["ForwardedValues"] = aws_forwarded_values(behaviour["ForwardedValues"])
        for member, default in LEGACY_TTL_DEFAULTS.items():
            result.setdefault(member, default)
    return result


def aws_distribution_config(sent):
    """The DistributionConfig AWS returns for the one that was sent."""
    check_behaviour(sent.get("DefaultCacheBehavior") or {}, "the default cache behavior")
    for behaviour in (sent.get("CacheBehaviors") or {}).get("Items") or []:
        check_behaviour(behaviour, f"the cache behavior {behaviour.get('PathPattern')}")
    result = with_defaults(sent, DISTRIBUTION_DEFAULTS)
    for member in DISTRIBUTION_LISTS:
        result[member] = aws_list(sent.get(member))
    if result["CacheBehaviors"].get("Items"):
        result["CacheBehaviors"]["Items"] = [aws_behaviour(b) for b in result["CacheBehaviors"]["Items"]]
    result["Origins"] = aws_list(sent.get("Origins"), aws_origin)
    result["DefaultCacheBehavior"] = aws_behaviour(sent["DefaultCacheBehavior"])
    certificate = dict(sent.get("ViewerCertificate") or {})
    if not certificate or certificate.get("CloudFrontDefaultCertificate"):
        certificate = with_defaults(certificate, DEFAULT_VIEWER_CERTIFICATE)
    result["ViewerCertificate"] = certificate
    geo = dict(((sent.get("Restrictions") or {}).get("GeoRestriction")) or {"RestrictionType": "none"})
    result["Restrictions"] = {"GeoRestriction": aws_list(geo)}
    result["Logging"] = with_defaults(sent.get("Logging") or {}, DISTRIBUTION_DEFAULTS["Logging"])
    return result


def origin_access_control_ids(config):
    return {origin.get("OriginAccessControlId") for origin in (config.Origins or {}).get("Items") or []} - {""}


# --- patches --------------------------------------------------------------------------------------------


def _wrap_config_init(original):
    def __init__(self, config):
        sent = copy.deepcopy(config)
        aws_view = aws_distribution_config(sent)
        original(self, config)  # moto's own checks (origins exist, S3 domain names)
        self.__dict__.update(aws_view)

    __init__._tracetrack_patched = True
    return __init__


def _wrap_update(original):
    def update_distribution(self, dist_config, _id, if_match):
        dist = self.distributions.get(_id)
        if dist is None:
            raise NoSuchDistribution
        if if_match and if_match != dist.etag:  # a missing IfMatch is moto's InvalidIfMatchVersion
            raise PreconditionFailed()
        if dist_config and dist_config.get("CallerReference") != dist.distribution_config.caller_reference:
            raise IllegalUpdate("The CallerReference of a distribution cannot be changed.")
        result = original(self, dist_config, _id, if_match)
        dist.etag = cloudfront_models.random_id()
        return dist, result[1], dist.etag

    update_distribution._tracetrack_patched = True
    return update_distribution


def _wrap_delete(original):
    def delete_distribution(self, distribution_id, if_match):
        dist = self.distributions.get(distribution_id)
        if dist is not None and if_match:
            if if_match != dist.etag:
                raise PreconditionFailed()
            if dist.distribution_config.Enabled:
                raise DistributionNotDisabled()
        return original(self, distribution_id, if_match)

    delete_distribution._tracetrack_patched = True
    return delete_distribution


def _wrap_create_invalidation(original):
    def create_invalidation(self, dist_id, paths, caller_ref):
        for earlier in self.invalidations.get(dist_id) or []:
            if earlier.caller_ref == caller_ref:
                if sorted(earlier.paths) != sorted(paths):
                    raise InvalidationBatchAlreadyExists()
                return earlier
        return original(self, dist_id, paths, caller_ref)

    create_invalidation._tracetrack_patched = True
    return create_invalidation


def _wrap_create_oac(original):
    def create_origin_access_control(self, config_dict):
        name = config_dict.get("Name")
        if any(control.name == name for control in self.origin_access_controls.values()):
            raise OriginAccessControlAlreadyExists(name)
        return original(self, config_dict)

    create_origin_access_control._tracetrack_patched = True
    return create_origin_access_control


def _wrap_delete_oac(original):
    def delete_origin_access_control(self, control_id):
        if any(control_id in origin_access_control_ids(d.distribution_config) for d in self.distributions.values()):
            raise OriginAccessControlInUse()
        return original(self, control_id)

    delete_origin_access_control._tracetrack_patched = True
    return delete_origin_access_control


def get_origin_access_control_config(self):
    control = self.backend.get_origin_access_control(self._get_param("Id"))
    return ActionResult({"OriginAccessControlConfig": control, "ETag": control.etag})


def apply() -> None:
    patches = [
        (cloudfront_models.DistributionConfig, "__init__", _wrap_config_init),
        (cloudfront_models.CloudFrontBackend, "update_distribution", _wrap_update),
        (cloudfront_models.CloudFrontBackend, "delete_distribution", _wrap_delete),
        (cloudfront_models.CloudFrontBackend, "create_invalidation", _wrap_create_invalidation),
        (cloudfront_models.CloudFrontBackend, "create_origin_access_control", _wrap_create_oac),
        (cloudfront_models.CloudFrontBackend, "delete_origin_access_control", _wrap_delete_oac),
    ]
    for owner, name, wrap in patches:
        current = getattr(owner, name)
        if not getattr(current, "_tracetrack_patched", False):
            setattr(owner, name, wrap(current))
    CloudFrontResponse.get_origin_access_control_config = get_origin_access_control_config
