"""Keeps openapi/jobs-api.yaml honest against the sources it describes.

- The spec is valid OpenAPI 3.0.
- The POST /jobs body schema is lambdas/api/schema/create-job.json (the model API Gateway and
  the local gateway load) without its `$schema` key and with `"type": [T, "null"]` said as
  OpenAPI 3.0's `nullable`, and the job's `parameters` use it too; the request example is a
  body the model accepts. (`jobs generate` writes both from the job crate; this checks the
  file as it stands.)
- The status enum is the domain's `JobStatus` variants, in order.
- Every request is covered by the SigV4 scheme.

Run: python openapi/check.py  (needs PyYAML and openapi-spec-validator; scripts/schemathesis.sh
installs both and runs this first).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml
from jsonschema import Draft4Validator
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "jobs-api.yaml"
MODEL = ROOT / "lambdas" / "api" / "schema" / "create-job.json"
STATUS_RS = ROOT / "domain" / "src" / "status.rs"


def resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        target = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def openapi_dialect(schema):
    """The draft-04 model as an OpenAPI 3.0 schema object says it (see `jobs generate`)."""
    if isinstance(schema, list):
        return [openapi_dialect(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: openapi_dialect(v) for k, v in schema.items()}
    types = out.get("type")
    if isinstance(types, list) and "null" in types and len(types) == 2:
        out["type"] = next(t for t in types if t != "null")
        out["nullable"] = True
    return out


def main() -> int:
    spec = yaml.safe_load(SPEC.read_text())
    failures: list[str] = []

    try:
        validate(spec)
    except Exception as e:  # the validator raises several error types; any one is a failure
        failures.append(f"not valid OpenAPI: {e}")

    draft04 = json.loads(MODEL.read_text())
    model = openapi_dialect(draft04)
    model.pop("$schema", None)
    post = spec["paths"]["/jobs"]["post"]
    body = resolve(spec, post["requestBody"]["content"]["application/json"]["schema"])
    if body != model:
        failures.append(
            "POST /jobs body schema differs from lambdas/api/schema/create-job.json:\n"
            f"  openapi: {json.dumps(body, sort_keys=True)}\n"
            f"  model:   {json.dumps(model, sort_keys=True)}"
        )
    example = post["requestBody"]["content"]["application/json"].get("example")
    problems = [e.message for e in Draft4Validator(draft04).iter_errors(example)]
    if example is None or problems:
        failures.append(f"the POST /jobs example {example!r} is not a body the model accepts: {problems}")
    if not post["requestBody"].get("required"):
        failures.append("POST /jobs request body must be required")

    job = resolve(spec, spec["components"]["schemas"]["Job"])
    if resolve(spec, job["properties"]["parameters"]) != model:
        failures.append("Job.parameters is not the create-job model")

    enum_body = re.search(r"pub enum JobStatus \{(.*?)\}", STATUS_RS.read_text(), re.S)
    variants = re.findall(r"^\s*(\w+),", enum_body.group(1), re.M) if enum_body else []
    status = resolve(spec, job["properties"]["status"])["enum"]
    if status != variants:
        failures.append(f"status enum {status} != JobStatus variants {variants}")

    schemes = spec["components"]["securitySchemes"]
    sigv4 = schemes.get("sigv4", {})
    if (sigv4.get("type"), sigv4.get("in"), sigv4.get("name")) != ("apiKey", "header", "Authorization") or sigv4.get(
        "x-amazon-apigateway-authtype"
    ) != "awsSigv4":
        failures.append("the sigv4 scheme must be an apiKey Authorization header with awsSigv4 authtype")
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            security = operation.get("security", spec.get("security"))
            if security != [{"sigv4": []}]:
                failures.append(f"{method.upper()} {path} is not covered by sigv4 alone")
            if "403" not in operation["responses"]:
                failures.append(f"{method.upper()} {path} does not document 403")

    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    if failures:
        return 1
    print(f"ok: {SPEC.relative_to(ROOT)} matches {MODEL.relative_to(ROOT)} and the domain")
    return 0


if __name__ == "__main__":
    sys.exit(main())
