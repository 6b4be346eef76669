"""Creates the jobs table and a state machine on a moto server; prints the state machine ARN.

Run by bench/lambda_startup.py with the bench venv's python (boto3 comes with moto).
  python bench/moto_setup.py ENDPOINT TABLE
"""

import json
import sys

import boto3

endpoint, table = sys.argv[1], sys.argv[2]
session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
session.client("dynamodb", endpoint_url=endpoint).create_table(
    TableName=table,
    BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
)
# moto records executions without running them: the api only needs StartExecution to succeed.
machine = session.client("stepfunctions", endpoint_url=endpoint).create_state_machine(
    name="jobs-workflow",
    type="EXPRESS",
    roleArn="arn:aws:iam::123456789012:role/jobs-workflow",
    definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}),
)
print(machine["stateMachineArn"])
