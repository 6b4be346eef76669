import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** The attribute DynamoDB's TTL reads; idempotency-key records set it so keys expire. */
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * The sparse index of unfinished jobs the sweeper queries (lambdas/aws/src/dynamodb/sweep.rs):
 * only jobs still Queued or Running carry its partition key, one hex digit of the id, so
 * the index stays small and its writes spread over 16 partitions.
 */
export const UNFINISHED_INDEX = 'unfinished';
export const UNFINISHED_SHARD_ATTRIBUTE = 'unfinishedShard';

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
    this.table.addGlobalSecondaryIndex({
      indexName: UNFINISHED_INDEX,
      partitionKey: { name: UNFINISHED_SHARD_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'updatedAt', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  /** Grants a Query of the index of unfinished jobs, and nothing else on it. */
  grantQueryUnfinished(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [`${this.table.tableArn}/index/${UNFINISHED_INDEX}`],
    });
    this.key.grant(grantee, 'kms:Decrypt');
  }

  /**
   * Grants exactly the item actions given (no wildcards) plus the key use DynamoDB
   * needs on the caller's behalf to read and write encrypted items.
   */
  grantItemActions(grantee: iam.IGrantable, ...actions: string[]): void {
    // On the table alone: `table.grant` would add every index too.
    iam.Grant.addToPrincipal({
      grantee,
      actions: actions.map((a) => `dynamodb:${a}`),
      resourceArns: [this.table.tableArn],
    });
    this.key.grant(grantee, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
  }
}
