import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { JobsStack } from './jobs-stack';

const XRAY_REASON =
  'X-Ray PutTraceSegments/PutTelemetryRecords (and the sampling reads) support no resource-level permissions: ' +
  'the only valid resource is "*" (AWS X-Ray service authorization reference).';

/**
 * The AwsSolutions findings this stack accepts, each on the narrowest construct and
 * with the reason. Anything not listed here fails the synth and the tests.
 */
export function acknowledgeNagFindings(stack: JobsStack): void {
  const fns = stack.functions;
  for (const fn of [fns.api, fns.processor, fns.errorHandler, fns.sweeper]) {
    Validations.of(fn.role as iam.Role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: XRAY_REASON });
  }

  const stateMachineRole = stack.workflow.stateMachine.role;
  Validations.of(stateMachineRole).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        XRAY_REASON +
        ' Step Functions log delivery (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ' +
        'ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) also requires "*" ' +
        '(Step Functions developer guide, IAM policies for logging to CloudWatch Logs).',
    },
    ...[fns.processor, fns.errorHandler].map((fn) => ({
      id: `AwsSolutions-IAM5[Resource::<${logicalId(stack, fn.node.defaultChild)}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the function and on its qualified ARNs (versions and aliases, "<arn>:*"), ' +
        'which lambda:invoke resolves to when a qualifier is used; scoped to this one function.',
    })),
  );

  Validations.of(stack.invokeRole).acknowledge({
    id:
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:' +
      `<${logicalId(stack, stack.api.restApi.node.defaultChild)}>/<${logicalId(stack, stack.api.restApi.deploymentStage.node.defaultChild)}>/GET/jobs/*]`,
    reason:
      'The method ARN of GET /jobs/{jobId}: API Gateway writes a path parameter as "*" in execute-api ARNs. ' +
      'Scoped to this API, this stage, the GET verb and the one resource.',
  });

  Validations.of(stack.api.restApi).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The account-level API Gateway CloudWatch role that stage logging needs; AWS documents this managed policy ' +
        'for it, and API Gateway (not this stack) decides which log groups it writes.',
    },
    {
      id: 'AwsSolutions-COG4',
      reason:
        'The API is for AWS principals, not end users: both methods use IAM (SigV4) authorization, which the ' +
        'contract requires; a Cognito authorizer would replace it.',
    },
    {
      id: 'AwsSolutions-APIG3',
      reason:
        'No WAF web ACL: every request must carry a valid SigV4 signature of an allowed IAM principal, stage ' +
        'throttling caps the rate, and a web ACL costs a fixed monthly fee this sample does not justify. ' +
        'Add one in front of the stage for public-facing deployments.',
    },
  );

  Validations.of(stack.failedJobs.deadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is itself the dead-letter queue of the replay rule target; nothing consumes it automatically.',
  });
}

function logicalId(stack: Stack, resource: unknown): string {
  return stack.getLogicalId(resource as never);
}
