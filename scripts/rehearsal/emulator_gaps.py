"""Asks the emulator's CloudFormation what it cannot deploy of the synthesized template,
before anything is removed from a copy of it:

    python scripts/rehearsal/emulator_gaps.py --endpoint http://127.0.0.1:PORT \\
        --template cdk.out/JobsApi.template.json TYPE [TYPE...]

- the template sent inline is refused for its size (CloudFormation's TemplateBody limit
  is 51,200 bytes), so it must be uploaded, as `cdk deploy` does;
- uploaded to the CDK bootstrap bucket, ValidateTemplate names exactly the TYPEs as
  unrecognized: a type the emulator learns, or a new one it lacks, fails the rehearsal
  here, so the list of removals (docs/deploy.md, "Rehearsal") is kept true.

AWS credentials and region come from the environment. Exits non-zero on a mismatch.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

INLINE_LIMIT = 51_200


def validation_error(call) -> str:
    try:
        call()
    except ClientError as error:
        return error.response["Error"].get("Message", "")
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--template", required=True)
    parser.add_argument("types", nargs="+")
    args = parser.parse_args()
    region = os.environ.get("AWS_REGION", "us-east-1")
    session = botocore.session.get_session()
    cloudformation = session.create_client("cloudformation", region_name=region, endpoint_url=args.endpoint)
    # Path-style: the emulator is an IP address, which has no bucket subdomains.
    s3 = session.create_client("s3", region_name=region, endpoint_url=args.endpoint,
                               config=Config(s3={"addressing_style": "path"}))

    with open(args.template, "rb") as f:
        body = f.read()
    if len(body) <= INLINE_LIMIT:
        sys.exit(f"the template is {len(body)} bytes, within the inline limit: drop the upload from the docs")
    message = validation_error(lambda: cloudformation.validate_template(TemplateBody=body.decode()))
    if str(INLINE_LIMIT) not in message:
        sys.exit(f"an inline template of {len(body)} bytes was not refused for its size: {message[-300:]!r}")
    print(f"ok  the template ({len(body)} bytes) is refused inline (limit {INLINE_LIMIT})")

    toolkit = cloudformation.describe_stacks(StackName="CDKToolkit")["Stacks"][0]
    bucket = {o["OutputKey"]: o["OutputValue"] for o in toolkit["Outputs"]}["BucketName"]
    key = "rehearsal/synthesized.template.json"
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    url = f"{args.endpoint.rstrip('/')}/{bucket}/{key}"
    message = validation_error(lambda: cloudformation.validate_template(TemplateURL=url))
    found = re.search(r"Unrecognized resource types: \[([^\]]*)\]", message)
    missing = sorted(t.strip() for t in found.group(1).split(",")) if found else []
    if missing != sorted(args.types):
        sys.exit(f"the emulator lacks {missing or 'nothing'} of the template ({message!r}), but the rehearsal "
                 f"removes {sorted(args.types)}: update GAPS in scripts/rehearse-deploy.sh and docs/deploy.md")
    print(f"ok  uploaded, the emulator lacks exactly {', '.join(missing)}")


if __name__ == "__main__":
    main()
