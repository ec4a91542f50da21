"""ELBv2 DescribeLoadBalancerAttributes: an Application Load Balancer's attributes with their defaults.

AWS API reference, Elastic Load Balancing v2 DescribeLoadBalancerAttributes / LoadBalancerAttribute: an
Application Load Balancer reports every attribute that applies to it, each with its default until it is
modified - among them `idle_timeout.timeout_seconds` (60), `routing.http2.enabled` (true),
`routing.http.drop_invalid_header_fields.enabled` (false), `routing.http.desync_mitigation_mode`
(defensive) and `client_keep_alive.seconds` (3600).

moto reports only the few attributes it sets at creation and those modified since, so a client that
compares one of the others with the value it wants (amazon.aws.elb_application_lb with idle_timeout or
http_drop_invalid_header_fields) finds no current value and fails.
"""

from moto.elbv2 import models as elbv2_models

APPLICATION_DEFAULTS = {
    "access_logs.s3.enabled": "false",
    "access_logs.s3.bucket": "",
    "access_logs.s3.prefix": "",
    "connection_logs.s3.enabled": "false",
    "connection_logs.s3.bucket": "",
    "connection_logs.s3.prefix": "",
    "client_keep_alive.seconds": "3600",
    "deletion_protection.enabled": "false",
    "idle_timeout.timeout_seconds": "60",
    "routing.http.desync_mitigation_mode": "defensive",
    "routing.http.drop_invalid_header_fields.enabled": "false",
    "routing.http.preserve_host_header.enabled": "false",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
    "routing.http.xff_client_port.enabled": "false",
    "routing.http.xff_header_processing.mode": "append",
    "routing.http2.enabled": "true",
    "waf.fail_open.enabled": "false",
    "zonal_shift.config.enabled": "false",
}


def _wrap_describe_load_balancer_attributes(original):
    def describe_load_balancer_attributes(self, arn):
        attributes = original(self, arn)
        balancer = self.load_balancers.get(arn)
        if balancer is None or balancer.type != "application":
            return attributes
        return {**APPLICATION_DEFAULTS, **attributes}

    describe_load_balancer_attributes._tracetrack_patched = True
    return describe_load_balancer_attributes


def apply() -> None:
    backend = elbv2_models.ELBv2Backend
    if not getattr(backend.describe_load_balancer_attributes, "_tracetrack_patched", False):
        backend.describe_load_balancer_attributes = _wrap_describe_load_balancer_attributes(
            backend.describe_load_balancer_attributes
        )
