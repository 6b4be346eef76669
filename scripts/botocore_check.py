"""Calls a running jobs API the way a Python user of botocore would: a header-signed
POST (SigV4Auth) and a presigned GET (SigV4QueryAuth), then checks that a tampered or
expired presigned URL is refused. An independent signer, so the gateway is not only
checked against the signer of its own repository.

    python scripts/botocore_check.py http://127.0.0.1:3000

Credentials and region: JOBS_LOCAL_ACCESS_KEY_ID / JOBS_LOCAL_SECRET_ACCESS_KEY /
JOBS_LOCAL_REGION, else the local stack's defaults. Exits non-zero on the first failure.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SERVICE = "execute-api"
REGION = os.environ.get("JOBS_LOCAL_REGION", "us-east-1")
CREDENTIALS = Credentials(
    os.environ.get("JOBS_LOCAL_ACCESS_KEY_ID", "AKIDLOCALJOBS0000000"),
    os.environ.get("JOBS_LOCAL_SECRET_ACCESS_KEY", "local-jobs-secret-do-not-use-in-production"),
)


def send(method: str, url: str, headers: dict[str, str], body: bytes | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def header_signed(method: str, url: str, body: bytes) -> tuple[int, object]:
    request = AWSRequest(method=method, url=url, data=body,
                         headers={"content-type": "application/json"})
    SigV4Auth(CREDENTIALS, SERVICE, REGION).add_auth(request)
    return send(method, url, dict(request.headers.items()), body)


def presigned_url(url: str, expires: int) -> str:
    request = AWSRequest(method="GET", url=url)
    SigV4QueryAuth(CREDENTIALS, SERVICE, REGION, expires=expires).add_auth(request)
    return request.url


def expect(what: str, got: int, want: int, body: object) -> None:
    if got != want:
        sys.exit(f"botocore check failed: {what}: got {got} {body}, want {want}")
    print(f"ok  {what}: {got}")


def main() -> None:
    base = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:3000").rstrip("/")

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "lambdas/api/schema/create-job.bodies.json")) as f:
        example = json.dumps(json.load(f)["example"]).encode()
    status, body = header_signed("POST", f"{base}/jobs", example)
    expect("POST /jobs signed by SigV4Auth", status, 202, body)
    job_id = body["id"]

    url = presigned_url(f"{base}/jobs/{job_id}", expires=300)
    status, body = send("GET", url, {})
    expect("GET /jobs/{id} presigned by SigV4QueryAuth", status, 200, body)
    if body.get("id") != job_id:
        sys.exit(f"botocore check failed: the presigned GET read {body}, not job {job_id}")

    other = "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f"
    status, body = send("GET", url.replace(job_id, other), {})
    expect("the same presigned URL for another job", status, 403, body)

    status, body = send("GET", f"{base}/jobs/{job_id}", {})
    expect("the same GET unsigned", status, 403, body)

    short = presigned_url(f"{base}/jobs/{job_id}", expires=1)
    time.sleep(2.5)
    status, body = send("GET", short, {})
    expect("a presigned URL past its X-Amz-Expires", status, 403, body)
    if "expired" not in json.dumps(body).lower():
        sys.exit(f"botocore check failed: an expired URL should say so, got {body}")


if __name__ == "__main__":
    main()
