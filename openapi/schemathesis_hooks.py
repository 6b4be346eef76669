"""Schemathesis hooks for the jobs API: SigV4 on every request, and checks that the signing works.

Loaded by scripts/schemathesis.sh through SCHEMATHESIS_HOOKS. Credentials come from
JOBS_LOCAL_ACCESS_KEY_ID / JOBS_LOCAL_SECRET_ACCESS_KEY (else the local stack's defaults),
with AWS_SESSION_TOKEN when set; the region from JOBS_LOCAL_REGION (default us-east-1).
"""

from __future__ import annotations

import os
import re

import requests
import schemathesis
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SERVICE = "execute-api"
REGION = os.environ.get("JOBS_LOCAL_REGION", "us-east-1")
CREDENTIALS = Credentials(
    os.environ.get("JOBS_LOCAL_ACCESS_KEY_ID", "AKIDLOCALJOBS0000000"),
    os.environ.get("JOBS_LOCAL_SECRET_ACCESS_KEY", "local-jobs-secret-do-not-use-in-production"),
    os.environ.get("AWS_SESSION_TOKEN"),
)
# The routes the gateway serves; as on API Gateway, any other method or path gets
# 403 "Missing Authentication Token", signed or not.
KNOWN_ROUTES = {"POST": re.compile(r"^/jobs$"), "GET": re.compile(r"^/jobs/[^/]+$")}


class SigV4(requests.auth.AuthBase):
    """Signs the request exactly as `requests` will send it: final URL, headers and body bytes.

    A requests auth runs after the body is serialized, which a schemathesis auth provider
    (called on the test case, before serialization) cannot see.
    """

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        body = prepared.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        # SigV4 hashes the canonical request as UTF-8, while `requests` would send a str header
        # as Latin-1: send non-ASCII values as UTF-8 so the bytes on the wire are the bytes signed.
        for name, value in list(prepared.headers.items()):
            if isinstance(value, str) and not value.isascii():
                prepared.headers[name] = value.encode("utf-8")
        # Sign only what the client controls; hop-by-hop headers may change on the way.
        signed = {
            name: value.decode("utf-8") if isinstance(value, bytes) else value
            for name, value in prepared.headers.items()
            if name.lower() not in ("connection", "user-agent", "accept-encoding", "content-length")
        }
        aws = AWSRequest(method=prepared.method, url=prepared.url, data=body, headers=signed)
        SigV4Auth(CREDENTIALS, SERVICE, REGION).add_auth(aws)
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            if name in aws.headers:
                prepared.headers[name] = aws.headers[name]
        return prepared


SIGNER = SigV4()


@schemathesis.hook
def before_call(context, case, kwargs):
    kwargs["auth"] = SIGNER


@schemathesis.check
def signed_requests_are_authorized(ctx, response, case):
    """Every request is signed with valid credentials, so no 403 may come back on a known route.

    Without this, a signer and a verifier that disagree (path encoding, header canonicalization)
    would turn every answer into a documented 403 and the run would pass while testing nothing.
    """
    if response.status_code != 403:
        return None
    path = requests.utils.urlparse(response.request.url).path
    message = _message(response)
    method = response.request.method
    route = KNOWN_ROUTES.get(method)
    if message == "Missing Authentication Token" and not (route and route.match(path)):
        return None
    raise AssertionError(f"signed {method} {path} refused with 403: {message!r}")


@schemathesis.check
class EveryOperationSucceededOnce:
    """The run only proves something if each operation was reached past the gateway at least once."""

    def __init__(self):
        self.succeeded: set[str] = set()
        self.tested: set[str] = set()

    def after_response(self, ctx, response, case):
        label = case.operation.label
        self.tested.add(label)
        if 200 <= response.status_code < 300:
            self.succeeded.add(label)

    def after_run(self, ctx):
        never = sorted(self.tested - self.succeeded)
        if never:
            raise AssertionError(f"never answered 2xx: {', '.join(never)}")


def _message(response) -> str | None:
    try:
        return response.json().get("message")
    except Exception:  # a non-JSON body is itself reported by the content-type check
        return None
