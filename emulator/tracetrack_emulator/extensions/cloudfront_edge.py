"""CloudFront's edge for the emulated distributions: what a viewer gets from `https://<id>.cloudfront.net/<path>`.

A GET or HEAD request to the emulator whose Host header is a distribution's DomainName is answered as CloudFront's
edge answers a viewer, for origins that are S3 buckets of the emulator, following the CloudFront Developer Guide:
- "Cache behavior settings, Path pattern": the first cache behaviour whose PathPattern matches the path (`*` any
  characters, `?` one), in order, else the default cache behaviour, names the origin (TargetOriginId);
- "Specifying a default root object": a request for `/` asks the origin for DefaultRootObject;
- an S3 origin (`<bucket>.s3.<region>.amazonaws.com`, with an origin access control) answers the object at OriginPath
  + path; an object that does not exist is S3's 403 AccessDenied (S3 answers 403, not 404, to a caller without
  s3:ListBucket, as CloudFront's origin access control is);
- "Generating custom error responses": an origin's error status listed in CustomErrorResponses is replaced by the
  object at its ResponsePagePath (from the origin that path's behaviour names) with its ResponseCode.
A disabled distribution answers 403, as the edge does. Custom origins (the load balancer) are not reached from here:
they answer 502 (the emulated load balancer is not on the network); the application behind them is tested directly.
Everything else (signed requests, other hosts) goes on to moto.
"""

import fnmatch
import mimetypes

from werkzeug.wrappers import Response

from tracetrack_emulator.extensions import in_front_of_moto

S3_ORIGIN_SUFFIX = ".amazonaws.com"
# S3's answer to CloudFront's origin access control for a key it does not have (no s3:ListBucket).
ACCESS_DENIED = (403, b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>", "application/xml")


def _distribution_for(host: str):
    from moto.cloudfront.models import cloudfront_backends

    if not host.endswith(".cloudfront.net"):
        return None
    for account in list(cloudfront_backends):
        for backend in cloudfront_backends[account].values():
            for distribution in backend.distributions.values():
                if distribution.domain_name == host:
                    return distribution
    return None


def _behaviour(config, path: str) -> dict:
    for behaviour in (config.CacheBehaviors or {}).get("Items") or []:
        pattern = behaviour["PathPattern"]
        if fnmatch.fnmatchcase(path, pattern if pattern.startswith("/") else "/" + pattern):
            return behaviour
    return config.DefaultCacheBehavior


def _origin_object(config, origin_id: str, path: str) -> tuple[int, bytes, str]:
    """(status, body, content type) the origin answers for `path`."""
    from moto.s3.models import s3_backends

    origin = next((o for o in (config.Origins or {}).get("Items") or [] if o["Id"] == origin_id), None)
    if origin is None:
        return 502, b"", "text/plain"
    domain = origin["DomainName"]
    if ".s3." not in domain or not domain.endswith(S3_ORIGIN_SUFFIX):
        return 502, b"", "text/plain"
    bucket = domain.split(".s3.", 1)[0]
    key = ((origin.get("OriginPath") or "").strip("/") + "/" + path.lstrip("/")).lstrip("/")
    for account in list(s3_backends):
        backend = s3_backends[account].get("aws")
        if backend is None or bucket not in backend.buckets:
            continue
        found = backend.get_object(bucket, key)
        if found is None:
            return ACCESS_DENIED
        content_type = (found.metadata or {}).get("Content-Type") or mimetypes.guess_type(key)[0] or "binary/octet-stream"
        return 200, found.value, content_type
    return ACCESS_DENIED


def viewer_response(distribution, path: str) -> Response:
    config = distribution.distribution_config
    if not config.Enabled:
        return Response("", status=403)
    if path == "/" and config.DefaultRootObject:
        path = "/" + config.DefaultRootObject
    status, body, content_type = _origin_object(config, _behaviour(config, path)["TargetOriginId"], path)
    errors = {int(r["ErrorCode"]): r for r in (config.CustomErrorResponses or {}).get("Items") or []}
    if status >= 400 and status in errors and errors[status].get("ResponsePagePath"):
        page = errors[status]["ResponsePagePath"]
        page_status, body, content_type = _origin_object(config, _behaviour(config, page)["TargetOriginId"], page)
        if page_status == 200:
            status = int(errors[status].get("ResponseCode") or status)
    return Response(body, status=status, content_type=content_type, headers={"X-Cache": "Miss from cloudfront"})


def middleware(app):
    def call(environ, start_response):
        # Every request to the emulator passes here: only an unsigned GET or HEAD at a CloudFront domain is looked at.
        host = environ.get("HTTP_HOST", "").split(":")[0]
        if host.endswith(".cloudfront.net") and environ.get("REQUEST_METHOD") in ("GET", "HEAD") and "HTTP_AUTHORIZATION" not in environ:
            distribution = _distribution_for(host)
            if distribution is not None:
                return viewer_response(distribution, environ.get("PATH_INFO") or "/")(environ, start_response)
        return app(environ, start_response)

    return call


def apply() -> None:
    in_front_of_moto(middleware)
