"""tracetrack.aws.cloudfront_origin_access_control: finding by name, partial updates, check mode, deletion."""

from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import cloudfront_origin_access_control as oac
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of

SUMMARY = {
    "Id": "E2EXAMPLE",
    "Name": "site",
    "Description": "reads the site",
    "SigningProtocol": "sigv4",
    "SigningBehavior": "always",
    "OriginAccessControlOriginType": "s3",
}


def params(**overrides):
    base = dict(state="present", name="site", description=None, origin_type=None, signing_behavior=None, signing_protocol=None)
    base.update(overrides)
    return base


def client_with(*summaries, pages=None):
    client = MagicMock()
    if pages is None:
        pages = [{"OriginAccessControlList": {"Items": list(summaries), "IsTruncated": False}}]
    client.list_origin_access_controls.side_effect = pages
    client.get_origin_access_control.return_value = {"ETag": "ETAG1", "OriginAccessControl": {"Id": "E2EXAMPLE"}}
    client.create_origin_access_control.return_value = {"OriginAccessControl": {"Id": "ENEW"}, "ETag": "ETAG0"}
    return client


def test_found_on_a_later_page():
    other = dict(SUMMARY, Id="EOTHER", Name="other")
    client = client_with(
        pages=[
            {"OriginAccessControlList": {"Items": [other], "IsTruncated": True, "NextMarker": "m1"}},
            {"OriginAccessControlList": {"Items": [SUMMARY], "IsTruncated": False}},
        ]
    )
    assert oac.find_control(client, fake_module(), "site") == SUMMARY
    assert client.list_origin_access_controls.call_args_list[1].kwargs == {"Marker": "m1"}


def test_new_control_takes_the_creation_defaults():
    client = client_with()
    outcome = outcome_of(oac.ensure_present, client, fake_module(), params())
    assert outcome.result["changed"] is True
    config = client.create_origin_access_control.call_args.kwargs["OriginAccessControlConfig"]
    assert config == {"Name": "site", "Description": "", "OriginAccessControlOriginType": "s3", "SigningBehavior": "always", "SigningProtocol": "sigv4"}
    assert outcome.result["origin_access_control"]["id"] == "ENEW"


def test_new_control_in_check_mode_is_not_created():
    client = client_with()
    outcome = outcome_of(oac.ensure_present, client, fake_module(check_mode=True), params(signing_behavior="no-override"))
    assert outcome.result["changed"] is True
    assert "id" not in outcome.result["origin_access_control"]
    assert outcome.result["origin_access_control"]["signing_behavior"] == "no-override"
    client.create_origin_access_control.assert_not_called()


def test_unset_options_are_left_alone():
    client = client_with(SUMMARY)
    outcome = outcome_of(oac.ensure_present, client, fake_module(), params(signing_behavior="always"))
    assert outcome.result["changed"] is False
    assert outcome.result["origin_access_control"]["description"] == "reads the site"
    client.update_origin_access_control.assert_not_called()


def test_changed_option_updates_with_the_current_etag():
    client = client_with(SUMMARY)
    outcome = outcome_of(oac.ensure_present, client, fake_module(), params(signing_behavior="no-override"))
    assert outcome.result["changed"] is True
    kwargs = client.update_origin_access_control.call_args.kwargs
    assert kwargs["Id"] == "E2EXAMPLE" and kwargs["IfMatch"] == "ETAG1"
    assert kwargs["OriginAccessControlConfig"]["SigningBehavior"] == "no-override"
    assert kwargs["OriginAccessControlConfig"]["Description"] == "reads the site"
    assert outcome.result["diff"]["before"]["signing_behavior"] == "always"


def test_check_mode_update_writes_nothing():
    client = client_with(SUMMARY)
    outcome = outcome_of(oac.ensure_present, client, fake_module(check_mode=True), params(description="new"))
    assert outcome.result["changed"] is True
    client.update_origin_access_control.assert_not_called()


def test_absent_deletes_with_the_etag_and_only_when_it_exists():
    client = client_with(SUMMARY)
    outcome = outcome_of(oac.ensure_absent, client, fake_module(), params(state="absent"))
    assert outcome.result["changed"] is True
    client.delete_origin_access_control.assert_called_once_with(aws_retry=True, Id="E2EXAMPLE", IfMatch="ETAG1")

    missing = client_with()
    outcome = outcome_of(oac.ensure_absent, missing, fake_module(), params(state="absent"))
    assert outcome.result["changed"] is False
    missing.delete_origin_access_control.assert_not_called()
