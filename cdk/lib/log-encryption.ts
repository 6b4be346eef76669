import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * One KMS key for every log group of the stack. Logs carry job parameters and, at
 * level ALL, whole workflow inputs and outputs, so they get the same protection as
 * the table.
 */
export class LogEncryption extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the jobs API log groups',
      enableKeyRotation: true,
      // The key goes with the log groups it protects (they are destroyed with the stack).
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // CloudWatch Logs encrypts with the key on the log group's behalf; the condition
    // limits that use to this account's log groups in this region.
    const region = Stack.of(this).region;
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsForThisAccountsLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${region}:${Aws.ACCOUNT_ID}:log-group:*`,
          },
        },
      }),
    );
  }
}
