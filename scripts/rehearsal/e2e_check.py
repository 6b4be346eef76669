"""End-to-end checks of the jobs API deployed on an emulator by scripts/rehearse-deploy.sh:
requests signed with botocore against the DEPLOYED API, the emulator's Step Functions,
DynamoDB and Lambda read back, and the `jobs` CLI through the stack's outputs.

    python scripts/rehearsal/e2e_check.py --endpoint http://127.0.0.1:PORT \\
        --stack JobsApi --template ASSEMBLY/JobsApi.template.json --jobs target/debug/jobs

The AWS credentials and region are the environment's (the rehearsal sets dummy ones and
AWS_ENDPOINT_URL). Exits non-zero on the first failure, saying what was expected.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REGION = os.environ.get("AWS_REGION", "us-east-1")
# The emulator's path form of an execute-api URL: it does not serve the
# `<id>.execute-api.<region>.amazonaws.com` host that the ApiEndpoint output names.
API_ENDPOINT_RE = re.compile(r"^https://([a-z0-9]+)\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/([^/]+)/$")
FINAL = ("Success", "Failure")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Bodies `jobs generate` derives from the job's types: whatever the job, its
# example, another valid body, one of the wrong type, one with an unknown key.
with open(os.path.join(ROOT, "lambdas/api/schema/create-job.bodies.json")) as f:
    BODIES = json.load(f)
# A request the job accepts and then fails, if the job crate names one.
FAILING = os.path.join(ROOT, "job/fixtures/failing.json")


def fail(message: str) -> None:
    sys.exit(f"rehearsal check failed: {message}")


def ok(message: str) -> None:
    print(f"ok  {message}", flush=True)


class Api:
    """The deployed API at the emulator's URL, called with SigV4-signed requests."""

    def __init__(self, base: str, credentials: Credentials):
        self.base = base.rstrip("/")
        self.credentials = credentials

    def call(self, method: str, path: str, body: object | None = None, headers: dict | None = None,
             credentials: Credentials | None = None, signed: bool = True):
        url = f"{self.base}{path}"
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        headers = dict(headers or {})
        if data is not None:
            headers.setdefault("content-type", "application/json")
        request = AWSRequest(method=method, url=url, data=data, headers=headers)
        if signed:
            SigV4Auth(credentials or self.credentials, "execute-api", REGION).add_auth(request)
        prepared = urllib.request.Request(url, data=data, method=method, headers=dict(request.headers.items()))
        try:
            with urllib.request.urlopen(prepared, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null"), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null"), dict(error.headers)

    def expect(self, what: str, want: int, method: str, path: str, **kwargs):
        status, body, headers = self.call(method, path, **kwargs)
        if status != want:
            fail(f"{what}: {method} {path} answered {status} {body}, want {want}")
        ok(f"{what}: {status}")
        return body, headers

    def wait_final(self, job_id: str, timeout: float = 90.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            status, body, _ = self.call("GET", f"/jobs/{job_id}")
            if status != 200:
                fail(f"GET /jobs/{job_id} answered {status} {body} while polling")
            if body.get("status") in FINAL:
                return body
            if time.monotonic() > deadline:
                fail(f"job {job_id} still {body.get('status')} after {timeout:.0f} s")
            time.sleep(0.3)


class Stack:
    """What CloudFormation says the deployed stack is, and clients of the emulated services."""

    def __init__(self, endpoint: str, name: str):
        session = botocore.session.get_session()

        def client(service: str):
            return session.create_client(service, region_name=REGION, endpoint_url=endpoint)

        self.cloudformation = client("cloudformation")
        self.stepfunctions = client("stepfunctions")
        self.dynamodb = client("dynamodb")
        self.lambda_ = client("lambda")
        self.credentials = session.get_credentials()
        described = self.cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        if described["StackStatus"] != "CREATE_COMPLETE":
            fail(f"stack {name} is {described['StackStatus']}, want CREATE_COMPLETE")
        self.outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        resources = self.cloudformation.describe_stack_resources(StackName=name)["StackResources"]
        self.physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}
        self.types = {r["LogicalResourceId"]: r["ResourceType"] for r in resources}

    def one(self, resource_type: str, prefix: str = "") -> str:
        found = [self.physical[i] for i, t in self.types.items() if t == resource_type and i.startswith(prefix)]
        if len(found) != 1:
            fail(f"expected one {resource_type} {prefix}* in the stack, found {found}")
        return found[0]

    def executions(self) -> int:
        arn = self.outputs["StateMachineArn"]
        pages = self.stepfunctions.get_paginator("list_executions").paginate(stateMachineArn=arn)
        return sum(len(page["executions"]) for page in pages)

    def items(self, table: str, index: str | None = None) -> list[dict]:
        kwargs = {"TableName": table, **({"IndexName": index} if index else {})}
        return [i for page in self.dynamodb.get_paginator("scan").paginate(**kwargs) for i in page["Items"]]


def check_stack(stack: Stack, template_path: str) -> str:
    """The outputs are the template's, resolved; returns the API's base URL on the emulator."""
    with open(template_path) as f:
        template = json.load(f)
    if sorted(stack.outputs) != sorted(template.get("Outputs", {})):
        fail(f"outputs {sorted(stack.outputs)}, want the template's {sorted(template['Outputs'])}")
    unresolved = {k: v for k, v in stack.outputs.items() if "Fn::" in v or "${AWS::" in v or "Ref" == v}
    if unresolved:
        fail(f"outputs left unresolved: {unresolved}")
    ok(f"{len(stack.outputs)} outputs, all resolved")
    for resource_type, count in (("AWS::Lambda::Function", 4), ("AWS::StepFunctions::StateMachine", 1)):
        got = sum(1 for t in stack.types.values() if t == resource_type)
        if got != count:
            fail(f"{got} resources of type {resource_type}, want {count}")
    # CDK's version-reporting resource (AWS::CDK::Metadata) is not a resource of the stack:
    # the emulator creates nothing for it.
    wanted = {i for i, r in template["Resources"].items() if r["Type"] != "AWS::CDK::Metadata"}
    if set(stack.types) != wanted:
        fail(f"resources differ from the template: missing {sorted(wanted - set(stack.types))}, "
             f"extra {sorted(set(stack.types) - wanted)}")
    ok(f"every one of the template's {len(wanted)} resources exists")

    definition = stack.stepfunctions.describe_state_machine(
        stateMachineArn=stack.outputs["StateMachineArn"])["definition"]
    for prefix in ("FunctionsProcessor", "FunctionsErrorHandler"):
        name = stack.one("AWS::Lambda::Function", prefix)
        arn = stack.lambda_.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
        if arn not in definition:
            fail(f"the workflow definition does not name {arn} ({prefix})")
    if "${" in definition:
        fail("the workflow definition still holds ${...} substitutions")
    ok("the workflow definition names the processor and error-handler functions by ARN")

    match = API_ENDPOINT_RE.match(stack.outputs["ApiEndpoint"])
    if not match:
        fail(f"ApiEndpoint {stack.outputs['ApiEndpoint']} is not an execute-api URL")
    api_id, region, stage = match.groups()
    if api_id != stack.one("AWS::ApiGateway::RestApi") or region != REGION:
        fail(f"ApiEndpoint names API {api_id} in {region}, not the stack's in {REGION}")
    return f"{os.environ['AWS_ENDPOINT_URL'].rstrip('/')}/_aws/execute-api/{api_id}/{stage}/"


def check_api(stack: Stack, api: Api) -> None:
    table = stack.one("AWS::DynamoDB::Table")

    body, headers = api.expect("signed POST /jobs", 202, "POST", "/jobs", body=BODIES["example"])
    job_id = body["id"]
    uuid.UUID(job_id)
    location = headers.get("Location") or headers.get("location") or ""
    if not location.endswith(f"/jobs/{job_id}"):
        fail(f"Location {location!r} does not point at /jobs/{job_id}")
    job = api.wait_final(job_id)
    if job["status"] != "Success" or job.get("parameters") != BODIES["example"] or not isinstance(job.get("results"), dict):
        fail(f"job {job_id} ended {job}, want Success with its parameters and the processor's results")
    ok(f"job {job_id} polled to Success: {job['results']}")
    item = stack.dynamodb.get_item(TableName=table, Key={"id": {"S": job_id}}).get("Item")
    if not item or item["status"]["S"] != "Success" or "unfinishedShard" in item:
        fail(f"the table holds {item} for {job_id}, want a Success job out of the unfinished index")
    ok("the table holds the job as Success, out of the index of unfinished jobs")

    body, _ = api.expect("another job", 202, "POST", "/jobs", body=BODIES["other"])
    running = body["id"]
    # Read the index first: a job it lacks must then be final in the table.
    in_index = {i["id"]["S"] for i in stack.items(table, "unfinished")}
    item = stack.dynamodb.get_item(TableName=table, Key={"id": {"S": running}}, ConsistentRead=True).get("Item")
    if running not in in_index and item["status"]["S"] not in FINAL:
        fail(f"job {running} is {item['status']['S']} but not in the index of unfinished jobs: {in_index}")
    ok(f"a job just submitted is in the index of unfinished jobs, or already final ({item['status']['S']})")

    key = {"Idempotency-Key": f"rehearsal-{uuid.uuid4()}"}
    first, _ = api.expect("POST with an Idempotency-Key", 202, "POST", "/jobs", body=BODIES["example"], headers=key)
    started = stack.executions()
    again, _ = api.expect("the same key and body again", 202, "POST", "/jobs", body=BODIES["example"], headers=key)
    if again["id"] != first["id"]:
        fail(f"the same Idempotency-Key gave job {again['id']}, then {first['id']}")
    if stack.executions() != started:
        fail("repeating an idempotent POST started another execution")
    ok(f"the same key gives the same job {first['id']} and starts nothing")
    body, _ = api.expect("the same key with another body", 422, "POST", "/jobs", body=BODIES["other"], headers=key)

    items, started = len(stack.items(table)), stack.executions()
    for bad in (BODIES["wrongType"], BODIES["unknownKey"], [BODIES["example"]], b"not json"):
        body, _ = api.expect(f"bad body {bad!r}", 400, "POST", "/jobs", body=bad)
    if stack.executions() != started or len(stack.items(table)) != items:
        fail("a rejected body started an execution or wrote to the table")
    ok("no rejected body started an execution or wrote a job")

    api.expect("an unknown id", 404, "GET", f"/jobs/{uuid.uuid4()}")
    api.expect("an id that cannot be one", 400, "GET", "/jobs/not-a-job-id")

    if os.path.exists(FAILING):
        with open(FAILING) as f:
            failing = json.load(f)
        body, _ = api.expect("a job the job fails", 202, "POST", "/jobs", body=failing["parameters"])
        job = api.wait_final(body["id"])
        if job["status"] != "Failure" or job.get("error", {}).get("error") != failing["error"]:
            fail(f"job {body['id']} ended {job}, want Failure with {failing['error']}")
        ok(f"a job the job fails took the failure path: {job['error']['error']}")
    else:
        ok(f"no {os.path.relpath(FAILING, ROOT)}: the failure path is not exercised")

    check_unsigned(api, job_id)

    api.wait_final(running)
    api.wait_final(first["id"])
    left = stack.items(table, "unfinished")
    if left:
        fail(f"jobs left in the index of unfinished jobs: {[i['id']['S'] for i in left]}")
    check_sweeper(stack)


def check_unsigned(api: Api, job_id: str) -> None:
    """What the emulator does with requests IAM auth would refuse (docs/deploy.md, "Rehearsal")."""
    status, body, _ = api.call("GET", f"/jobs/{job_id}", signed=False)
    if (status, body) != (403, {"message": "Missing Authentication Token"}):
        fail(f"an unsigned GET answered {status} {body}: the emulator's IAM auth changed, update the docs")
    ok("an unsigned GET: 403 Missing Authentication Token")
    wrong = Credentials(api.credentials.access_key, "not-the-secret")
    status, body, _ = api.call("GET", f"/jobs/{job_id}", credentials=wrong)
    if status != 200:
        fail(f"a GET signed with the wrong secret answered {status} {body}; the emulator used to accept it "
             "(it checks only that a signature is there): update the docs")
    ok("a GET signed with the wrong secret: 200 (the emulator does not verify signatures)")


def check_sweeper(stack: Stack) -> None:
    event = {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "000000000000", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": REGION, "resources": [], "detail": {},
    }
    name = stack.one("AWS::Lambda::Function", "FunctionsSweeper")
    response = stack.lambda_.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    summary = json.loads(response["Payload"].read())
    if response.get("FunctionError") or not isinstance(summary, dict):
        fail(f"the sweeper failed: {summary}")
    counts = {k: summary.get(k) for k in ("found", "redriven", "lost", "startFailures")}
    if counts != {"found": 0, "redriven": 0, "lost": 0, "startFailures": 0}:
        fail(f"the sweeper found work left: {summary}")
    ok(f"the sweeper, invoked directly, finds nothing left: {counts}")


def check_cli(jobs: str, stack_name: str, url: str) -> None:
    """`jobs --stack` reads the outputs; the emulator's URL form goes in --url."""
    base = [jobs, "--stack", stack_name, "--url", url]

    def run(*args: str, want: int = 0) -> dict:
        done = subprocess.run([*base, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != want:
            fail(f"jobs {' '.join(args)} exited {done.returncode}, want {want}:\n{done.stdout}{done.stderr}")
        return json.loads(done.stdout)

    job = run("submit", "--params", json.dumps(BODIES["example"]), "--wait")
    if job.get("status") != "Success":
        fail(f"jobs submit --wait ended {job}")
    ok(f"jobs --stack {stack_name} submit --params EXAMPLE --wait: {job['id']} Success")
    got = run("get", job["id"])
    if got != job:
        fail(f"jobs get {job['id']} printed {got}, not the job submit --wait ended with")
    ok("jobs get prints the same job")
    # Without an ARN, --assume-role takes the stack's JobsAPIInvokeRoleArn output.
    got = run("--assume-role", "get", job["id"])
    if got != job:
        fail(f"jobs --assume-role get printed {got}")
    ok("jobs --assume-role get (the invoke role from the outputs, assumed through STS)")
    if os.path.exists(FAILING):
        with open(FAILING) as f:
            failing = json.load(f)
        failed = run("submit", "--params", json.dumps(failing["parameters"]), "--wait", want=1)
        if failed.get("error", {}).get("error") != failing["error"]:
            fail(f"jobs submit --wait of a failing job printed {failed}")
        ok(f"jobs submit --wait of a failing job exits 1 with {failing['error']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--stack", default="JobsApi")
    parser.add_argument("--template", required=True, help="the template that was deployed")
    parser.add_argument("--jobs", required=True, help="the jobs binary, built with the aws feature")
    args = parser.parse_args()
    started = time.monotonic()
    stack = Stack(args.endpoint, args.stack)
    url = check_stack(stack, args.template)
    ok(f"the API on the emulator: {url} (ApiEndpoint {stack.outputs['ApiEndpoint']})")
    check_api(stack, Api(url, stack.credentials.get_frozen_credentials()))
    check_cli(args.jobs, args.stack, url)
    print(f"all end-to-end checks passed in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
