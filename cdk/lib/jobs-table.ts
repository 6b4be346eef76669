import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** The attribute DynamoDB's TTL reads; idempotency-key records set it so keys expire. */
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * The jobs table. Jobs and idempotency-key records share it, both keyed by `id`;
 * only the key records carry `expiresAt`, so jobs never expire.
 */
export class JobsTable extends Construct {
  readonly table: dynamodb.Table;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    // Jobs hold user parameters and results: a key the account controls (and can audit
    // in CloudTrail) rather than the AWS-owned default. Kept with the table on destroy,
    // since the retained table cannot be read without it.
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the jobs table',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // Job history is data: destroying the stack must not silently drop it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Grants exactly the item actions given (no wildcards) plus the key use DynamoDB
   * needs on the caller's behalf to read and write encrypted items.
   */
  grantItemActions(grantee: iam.IGrantable, ...actions: string[]): void {
    this.table.grant(grantee, ...actions.map((a) => `dynamodb:${a}`));
    this.key.grant(grantee, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
  }
}
