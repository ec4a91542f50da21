"""ECR GetAuthorizationToken: a token that expires 12 hours after it was issued.

AWS API reference, ECR GetAuthorizationToken / AuthorizationData: `expiresAt` is when the token
expires; authorization tokens are valid for 12 hours. moto answers with a fixed date in 2015, so a
client that checks the expiry (to decide whether to log in again) would always find it expired.
"""

from datetime import datetime, timedelta, timezone

from moto.ecr.responses import ECRResponse

TOKEN_LIFETIME = timedelta(hours=12)


def _wrap_get_authorization_token(original):
    def get_authorization_token(self):
        result = original(self)
        expires_at = datetime.now(timezone.utc).replace(microsecond=0) + TOKEN_LIFETIME
        for entry in result.result.get("authorizationData", []):
            entry["expiresAt"] = expires_at
        return result

    get_authorization_token._tracetrack_patched = True
    return get_authorization_token


def apply() -> None:
    if not getattr(ECRResponse.get_authorization_token, "_tracetrack_patched", False):
        ECRResponse.get_authorization_token = _wrap_get_authorization_token(ECRResponse.get_authorization_token)
