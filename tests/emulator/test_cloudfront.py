"""CloudFront distributions, invalidations and origin access controls, as the AWS CloudFront API reference describes them."""

import copy

import botocore.exceptions
import pytest

from tests.support.clients import emulator_client

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"


@pytest.fixture
def cloudfront(clean_emulator):
    return emulator_client(clean_emulator, "cloudfront", region="us-east-1")


def error_of(call, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def origin_access_control(cloudfront, name="site"):
    return cloudfront.create_origin_access_control(
        OriginAccessControlConfig={
            "Name": name,
            "Description": "",
            "SigningProtocol": "sigv4",
            "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3",
        }
    )["OriginAccessControl"]["Id"]


def behaviour(origin, **members):
    return {
        "TargetOriginId": origin,
        "ViewerProtocolPolicy": "redirect-to-https",
        "Compress": True,
        "CachePolicyId": CACHING_OPTIMIZED,
        **members,
    }


def config(oac_id, reference="stack-cdn", **overrides):
    sent = {
        "CallerReference": reference,
        "Comment": "stack CDN",
        "Enabled": True,
        "Origins": {
            "Quantity": 2,
            "Items": [
                {
                    "Id": "alb",
                    "DomainName": "stack-alb-1.ap-south-1.elb.amazonaws.com",
                    "CustomHeaders": {"Quantity": 1, "Items": [{"HeaderName": "X-Origin-Verify", "HeaderValue": "s3cr3t"}]},
                    "CustomOriginConfig": {
                        "HTTPPort": 80,
                        "HTTPSPort": 443,
                        "OriginProtocolPolicy": "http-only",
                        "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
                    },
                },
                {
                    "Id": "site",
                    "DomainName": "stack-site.s3.ap-south-1.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                    "OriginAccessControlId": oac_id,
                },
            ],
        },
        "DefaultCacheBehavior": behaviour("site"),
        "CacheBehaviors": {
            "Quantity": 1,
            "Items": [
                behaviour(
                    "alb",
                    PathPattern="/api/*",
                    CachePolicyId=CACHING_DISABLED,
                    OriginRequestPolicyId=ALL_VIEWER,
                    AllowedMethods={
                        "Quantity": 7,
                        "Items": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                        "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
                    },
                )
            ],
        },
        "PriceClass": "PriceClass_100",
    }
    sent.update(overrides)
    return sent


def test_configuration_reads_back_as_sent_with_the_documented_defaults(cloudfront):
    oac_id = origin_access_control(cloudfront)
    created = cloudfront.create_distribution(DistributionConfig=config(oac_id))["Distribution"]
    got = cloudfront.get_distribution_config(Id=created["Id"])["DistributionConfig"]

    alb, site = got["Origins"]["Items"]
    assert site["OriginAccessControlId"] == oac_id
    assert site["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert site["CustomHeaders"] == {"Quantity": 0}  # an empty list has no Items
    assert alb["OriginAccessControlId"] == ""
    assert alb["CustomHeaders"]["Items"] == [{"HeaderName": "X-Origin-Verify", "HeaderValue": "s3cr3t"}]
    assert alb["CustomOriginConfig"]["OriginReadTimeout"] == 30
    assert alb["CustomOriginConfig"]["OriginKeepaliveTimeout"] == 5
    assert (alb["ConnectionAttempts"], alb["ConnectionTimeout"], alb["OriginShield"]) == (3, 10, {"Enabled": False})

    default = got["DefaultCacheBehavior"]
    api = got["CacheBehaviors"]["Items"][0]
    for member in ("ForwardedValues", "MinTTL", "DefaultTTL", "MaxTTL", "OriginRequestPolicyId"):
        assert member not in default, f"a behaviour with a cache policy has no {member}"
    assert api["OriginRequestPolicyId"] == ALL_VIEWER and "ForwardedValues" not in api
    assert default["AllowedMethods"] == {
        "Quantity": 2,
        "Items": ["HEAD", "GET"],
        "CachedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]},
    }
    assert default["TrustedSigners"] == {"Enabled": False, "Quantity": 0}
    assert default["TrustedKeyGroups"] == {"Enabled": False, "Quantity": 0}
    assert default["FunctionAssociations"] == {"Quantity": 0}
    assert (default["SmoothStreaming"], default["FieldLevelEncryptionId"]) == (False, "")

    assert got["Aliases"] == {"Quantity": 0}
    assert got["ViewerCertificate"]["CloudFrontDefaultCertificate"] is True
    assert got["Restrictions"] == {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}}
    assert (got["WebACLId"], got["HttpVersion"], got["PriceClass"]) == ("", "http2", "PriceClass_100")

    # GetDistribution and ListDistributions answer with the same configuration.
    assert cloudfront.get_distribution(Id=created["Id"])["Distribution"]["DistributionConfig"] == got
    (summary,) = cloudfront.list_distributions()["DistributionList"]["Items"]
    assert summary["Origins"] == got["Origins"] and summary["DefaultCacheBehavior"] == default


def test_a_configuration_read_back_and_sent_again_is_unchanged(cloudfront):
    created = cloudfront.create_distribution(DistributionConfig=config(origin_access_control(cloudfront)))
    first = cloudfront.get_distribution_config(Id=created["Distribution"]["Id"])
    cloudfront.update_distribution(
        Id=created["Distribution"]["Id"], IfMatch=first["ETag"], DistributionConfig=copy.deepcopy(first["DistributionConfig"])
    )
    second = cloudfront.get_distribution_config(Id=created["Distribution"]["Id"])
    assert second["DistributionConfig"] == first["DistributionConfig"]


def test_legacy_behaviour_takes_the_documented_ttls(cloudfront):
    legacy = {
        "TargetOriginId": "site",
        "ViewerProtocolPolicy": "allow-all",
        "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
    }
    created = cloudfront.create_distribution(
        DistributionConfig=config(origin_access_control(cloudfront), DefaultCacheBehavior=legacy)
    )["Distribution"]
    default = cloudfront.get_distribution_config(Id=created["Id"])["DistributionConfig"]["DefaultCacheBehavior"]
    assert (default["MinTTL"], default["DefaultTTL"], default["MaxTTL"]) == (0, 86400, 31536000)
    assert default["ForwardedValues"]["Headers"] == {"Quantity": 0}
    assert "CachePolicyId" not in default


def test_cache_policy_and_legacy_cache_settings_exclude_each_other(cloudfront):
    oac_id = origin_access_control(cloudfront)
    both = behaviour("site", ForwardedValues={"QueryString": False, "Cookies": {"Forward": "none"}})
    neither = {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all"}
    for default in (both, neither):
        assert error_of(
            cloudfront.create_distribution, DistributionConfig=config(oac_id, DefaultCacheBehavior=default)
        ) == ("InvalidArgument", 400)


def test_updates_need_the_current_etag_and_keep_the_caller_reference(cloudfront):
    created = cloudfront.create_distribution(DistributionConfig=config(origin_access_control(cloudfront)))
    dist_id, etag = created["Distribution"]["Id"], created["ETag"]
    current = cloudfront.get_distribution_config(Id=dist_id)["DistributionConfig"]

    assert error_of(cloudfront.update_distribution, Id=dist_id, IfMatch="STALE", DistributionConfig=current) == (
        "PreconditionFailed",
        412,
    )
    renamed = dict(current, CallerReference="other")
    assert error_of(cloudfront.update_distribution, Id=dist_id, IfMatch=etag, DistributionConfig=renamed) == (
        "IllegalUpdate",
        400,
    )
    updated = cloudfront.update_distribution(Id=dist_id, IfMatch=etag, DistributionConfig=dict(current, Comment="new"))
    assert updated["ETag"] != etag
    assert cloudfront.get_distribution(Id=dist_id)["ETag"] == updated["ETag"]
    assert cloudfront.get_distribution_config(Id=dist_id)["DistributionConfig"]["Comment"] == "new"


def test_only_a_disabled_distribution_can_be_deleted(cloudfront):
    created = cloudfront.create_distribution(DistributionConfig=config(origin_access_control(cloudfront)))
    dist_id = created["Distribution"]["Id"]
    assert error_of(cloudfront.delete_distribution, Id=dist_id, IfMatch=created["ETag"]) == ("DistributionNotDisabled", 409)

    current = cloudfront.get_distribution_config(Id=dist_id)
    disabled = cloudfront.update_distribution(
        Id=dist_id, IfMatch=current["ETag"], DistributionConfig=dict(current["DistributionConfig"], Enabled=False)
    )
    assert error_of(cloudfront.delete_distribution, Id=dist_id, IfMatch=created["ETag"]) == ("PreconditionFailed", 412)
    cloudfront.delete_distribution(Id=dist_id, IfMatch=disabled["ETag"])
    assert cloudfront.list_distributions()["DistributionList"]["Quantity"] == 0


def test_invalidation_caller_reference_is_idempotent(cloudfront):
    dist_id = cloudfront.create_distribution(DistributionConfig=config(origin_access_control(cloudfront)))["Distribution"]["Id"]
    batch = {"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": "deploy-1"}
    first = cloudfront.create_invalidation(DistributionId=dist_id, InvalidationBatch=batch)["Invalidation"]
    again = cloudfront.create_invalidation(DistributionId=dist_id, InvalidationBatch=batch)["Invalidation"]
    assert again["Id"] == first["Id"]
    assert len(cloudfront.list_invalidations(DistributionId=dist_id)["InvalidationList"]["Items"]) == 1

    other_paths = {"Paths": {"Quantity": 1, "Items": ["/index.html"]}, "CallerReference": "deploy-1"}
    code, _status = error_of(cloudfront.create_invalidation, DistributionId=dist_id, InvalidationBatch=other_paths)
    assert code == "InvalidationBatchAlreadyExists"


def test_origin_access_controls_have_unique_names_and_stay_while_in_use(cloudfront):
    oac_id = origin_access_control(cloudfront)
    assert error_of(
        cloudfront.create_origin_access_control,
        OriginAccessControlConfig={
            "Name": "site",
            "SigningProtocol": "sigv4",
            "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3",
        },
    ) == ("OriginAccessControlAlreadyExists", 409)
    got = cloudfront.get_origin_access_control_config(Id=oac_id)
    assert got["OriginAccessControlConfig"]["Name"] == "site"

    created = cloudfront.create_distribution(DistributionConfig=config(oac_id))
    assert error_of(cloudfront.delete_origin_access_control, Id=oac_id, IfMatch=got["ETag"]) == (
        "OriginAccessControlInUse",
        409,
    )
    dist_id = created["Distribution"]["Id"]
    current = cloudfront.get_distribution_config(Id=dist_id)
    disabled = cloudfront.update_distribution(
        Id=dist_id, IfMatch=current["ETag"], DistributionConfig=dict(current["DistributionConfig"], Enabled=False)
    )
    cloudfront.delete_distribution(Id=dist_id, IfMatch=disabled["ETag"])
    cloudfront.delete_origin_access_control(Id=oac_id, IfMatch=got["ETag"])
    assert cloudfront.list_origin_access_controls()["OriginAccessControlList"]["Quantity"] == 0
