"""A viewer's GET at a distribution's domain, answered as CloudFront's edge does from S3 origins (cloudfront_edge)."""

import pytest

from tests.emulator.test_cloudfront import config, origin_access_control
from tests.support.clients import edge_get, emulator_client

INDEX = b"<!doctype html><title>site</title>"


@pytest.fixture
def site(clean_emulator):
    s3 = emulator_client(clean_emulator, "s3", region="ap-south-1")
    s3.create_bucket(Bucket="stack-site", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    s3.put_object(Bucket="stack-site", Key="index.html", Body=INDEX, ContentType="text/html")
    s3.put_object(Bucket="stack-site", Key="assets/app.js", Body=b"console.log(1)", ContentType="application/javascript")
    return emulator_client(clean_emulator, "cloudfront", region="us-east-1")


def distribution(cloudfront, reference, **overrides):
    sent = config(origin_access_control(cloudfront, reference), reference=reference, DefaultRootObject="index.html", **overrides)
    return cloudfront.create_distribution(DistributionConfig=sent)["Distribution"]["DomainName"]


def test_objects_and_the_root_object_are_served_from_the_s3_origin(site, clean_emulator):
    domain = distribution(site, "plain")
    assert edge_get(clean_emulator, domain, "/") == (200, INDEX)
    assert edge_get(clean_emulator, domain, "/assets/app.js") == (200, b"console.log(1)")
    # Without a custom error response, a path with no object is the bucket's 403 (origin access control, no ListBucket).
    assert edge_get(clean_emulator, domain, "/tasks/42")[0] == 403
    # The /api/* behaviour names the load balancer, a custom origin the emulator's edge does not reach.
    assert edge_get(clean_emulator, domain, "/api/tasks")[0] == 502


def test_a_custom_error_response_answers_a_deep_link_with_the_index_page(site, clean_emulator):
    errors = {"Quantity": 1, "Items": [{"ErrorCode": 403, "ResponsePagePath": "/index.html", "ResponseCode": "200", "ErrorCachingMinTTL": 10}]}
    domain = distribution(site, "spa", CustomErrorResponses=errors)
    assert edge_get(clean_emulator, domain, "/tasks/42") == (200, INDEX)
    assert edge_get(clean_emulator, domain, "/assets/app.js") == (200, b"console.log(1)")


def test_a_disabled_distribution_answers_403(site, clean_emulator):
    domain = distribution(site, "off", Enabled=False)
    assert edge_get(clean_emulator, domain, "/")[0] == 403
