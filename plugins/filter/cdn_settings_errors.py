# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: cdn_settings_errors
short_description: Check the edge (CDN) role's settings before any API call
version_added: 0.3.0
description:
  - Takes the cdn role's settings (its variables, by their names) and returns the problems found, one sentence
    each, starting with the one variable that is wrong, then its value and the rule. An empty list means the
    settings are sound.
  - Runs without any API call; the role's C(validate) entry point (and C(playbooks/site.yml) before the first
    role) refuses the run when the list is not empty.
options:
  _input:
    description:
      - The role's variables by name (C(cdn_name_prefix), C(cdn_alb_name), C(cdn_origin_header_name), the path patterns, the static site...).
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Check the cdn settings
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join('; ') }}"
  vars:
    __problems: >-
      {{ {'cdn_name_prefix': cdn_name_prefix, 'cdn_waf_rate_limit': cdn_waf_rate_limit}
         | tracetrack.aws.cdn_settings_errors }}
"""

RETURN = r"""
_value:
  description: The problems found, each starting with the variable at fault; empty when the settings are sound.
  type: list
  elements: str
"""

import os
import re

from ansible_collections.tracetrack.aws.plugins.plugin_utils.settings import Settings

LOAD_BALANCER = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,30}[a-zA-Z0-9]$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
HEADER = re.compile(r"^(?!(?i:x-amz-|x-edge-))[A-Za-z0-9][A-Za-z0-9-]{0,127}$")
# Headers CloudFront does not allow as origin custom headers (CloudFront developer guide, "Custom headers that
# CloudFront can't add to origin requests").
RESERVED_HEADERS = (
    "cache-control",
    "connection",
    "content-length",
    "cookie",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "max-forwards",
    "pragma",
    "proxy-authorization",
    "proxy-connection",
    "range",
    "request-range",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "x-real-ip",
    "x-forwarded-proto",
    "x-forwarded-for",
)
PATH_PATTERN = re.compile(r"^/[A-Za-z0-9_.*$/~@:+?&=-]{0,254}$")
POLICY_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
OBJECT_KEY = re.compile(r"^[^/\s][^\s]{0,1023}$")
PATTERN_LISTS = ("cdn_cached_path_patterns", "cdn_uncached_path_patterns")
COOKIE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
US_EAST_1_CERTIFICATE = re.compile(r"^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]{36}$")


def _header_problems(settings):
    name = settings["cdn_origin_header_name"]
    if not settings.matches("cdn_origin_header_name", HEADER, "must be a header name of letters and digits joined by hyphens, not X-Amz-* or X-Edge-*"):
        return
    if str(name).lower() in RESERVED_HEADERS:
        settings.problem("cdn_origin_header_name", "is a header CloudFront does not let an origin custom header use")
    settings.number("cdn_origin_header_length", 32, 256)


def _pattern_problems(settings):
    seen = []
    for variable in PATTERN_LISTS:
        for pattern in settings[variable] or []:
            if not PATH_PATTERN.match(str(pattern)):
                settings.problem(variable, f"holds '{pattern}': a path pattern starts with / (255 characters at most)")
            elif pattern in seen:
                settings.problem(variable, f"holds '{pattern}', which is listed already")
            seen.append(pattern)
    if len(seen) > 25:
        settings.problem(PATTERN_LISTS[1], f"brings the path patterns to {len(seen)}: a distribution has at most 25 cache behaviours")


# The 4xx and 5xx codes CloudFront's custom error responses take (CustomErrorResponse.ErrorCode).
ERROR_CODES = ("400", "403", "404", "405", "414", "416", "500", "501", "502", "503", "504")


def _static_site_problems(settings):
    directory = str(settings["cdn_static_site_dir"] or "")
    if not directory or not os.path.isdir(directory):
        settings.problem("cdn_static_site_dir", "must be a directory on the controller (the site's files), since cdn_static_site_enabled is true")
    if settings["cdn_static_site_bucket"]:
        settings.matches("cdn_static_site_bucket", BUCKET, "must be an S3 bucket name (or empty: one is named for you)")
    settings.matches("cdn_static_site_index", OBJECT_KEY, "must be an object key such as index.html")
    codes = settings["cdn_static_site_spa_error_codes"] or []
    if settings.flag("cdn_static_site_spa") and (not codes or any(str(code) not in ERROR_CODES for code in codes)):
        settings.problem("cdn_static_site_spa_error_codes", f"must list status codes CloudFront can replace ({', '.join(ERROR_CODES)})")


def _tls_problems(settings):
    behaviours = (settings["cdn_cached_path_patterns"] or []) + (settings["cdn_uncached_path_patterns"] or [])
    # A pattern list with a problem of its own is that problem; the HTTPS-only patterns are judged against sound lists.
    sound = not any(problem.startswith(PATTERN_LISTS) for problem in settings.problems)
    for pattern in settings["cdn_https_only_path_patterns"] or []:
        if sound and pattern not in behaviours:
            settings.problem("cdn_https_only_path_patterns", f"holds '{pattern}', which is no cache behaviour's path pattern")
    aliases, certificate = settings["cdn_aliases"] or [], str(settings["cdn_certificate_arn"] or "")
    for alias in aliases:
        if not DOMAIN.match(str(alias).removeprefix("*.")):
            settings.problem("cdn_aliases", f"holds '{alias}': an alias is a lower-case DNS name (*. allowed)")
    if certificate and not US_EAST_1_CERTIFICATE.match(certificate):
        settings.problem("cdn_certificate_arn", "must be an ACM certificate ARN in us-east-1 (CloudFront takes its certificates from there)")
    elif aliases and not certificate:
        settings.problem("cdn_certificate_arn", "is empty: the aliases of cdn_aliases need a certificate that covers them")


def cdn_settings_errors(values):
    settings = Settings(values, "cdn_settings_errors")
    present = settings["cdn_state"] != "absent"
    settings.name_prefix("cdn_name_prefix")
    settings.matches("cdn_alb_name", LOAD_BALANCER, "must be 1-32 letters, digits and hyphens (a load balancer's name)")
    if settings["cdn_origin_domain_name"]:
        settings.matches("cdn_origin_domain_name", DOMAIN, "must be a lower-case DNS name (or empty: the load balancer's)")
    settings.number("cdn_origin_read_timeout", 1, 120)
    _header_problems(settings)
    _pattern_problems(settings)
    for variable in ("cdn_cached_cache_policy_id", "cdn_uncached_cache_policy_id", "cdn_uncached_origin_request_policy_id"):
        settings.matches(variable, POLICY_ID, "must be a CloudFront policy id (a UUID)")
    for variable in ("cdn_waf_rate_limit", "cdn_waf_api_key_rate_limit", "cdn_waf_session_rate_limit"):
        if variable in settings:
            settings.number(variable, 10, 2000000000, "must be 10-2000000000 requests per window")
    if "cdn_waf_api_key_header" in settings:
        settings.matches("cdn_waf_api_key_header", HEADER, "must be a header name of letters, digits and hyphens")
    if "cdn_waf_session_cookie" in settings:
        settings.matches("cdn_waf_session_cookie", COOKIE, "must be a cookie name (letters, digits, _ and -)")
    _tls_problems(settings)
    if settings.flag("cdn_static_site_enabled") and present:
        _static_site_problems(settings)
    settings.number("cdn_wait_timeout", 60, None, "must be at least 60 seconds")
    window = settings.number("cdn_secret_recovery_window_days", 7, 30, "must be 0 (delete at once) or 7-30", also=(0,))
    if settings.flag("cdn_strict") and present:
        settings.strict_requires("cdn_waf_enabled", True, "the distribution needs the WAF (cdn_waf_enabled: true)")
        settings.strict_requires("cdn_origin_protocol", lambda protocol: protocol != "http-only", "CloudFront reaches the origin over HTTPS only")
        settings.strict_requires("cdn_origin_domain_name", bool, "HTTPS to the origin needs a name the load balancer's certificate covers")
        if window == 0:
            settings.strict_requires("cdn_secret_recovery_window_days", lambda days: False, "the origin header secret must stay restorable 7-30 days")
    return settings.problems


class FilterModule:
    def filters(self):
        return {"cdn_settings_errors": cdn_settings_errors}
