import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** What the workflow's ArchiveFailedJob state puts on the bus. */
export const FAILED_JOB_SOURCE = 'jobs.workflow';
export const FAILED_JOB_DETAIL_TYPE = 'JobFailed';

export interface FailedJobsBusProps {
  readonly archiveRetention: Duration;
}

/**
 * The failed-jobs bus, its archive, and the rule that turns replayed events back into
 * workflow executions.
 */
export class FailedJobsBus extends Construct {
  readonly bus: events.EventBus;
  readonly archive: events.CfnArchive;
  readonly archiveName: string;
  readonly deadLetterQueue: sqs.Queue;
  private replay?: events.Rule;

  constructor(scope: Construct, id: string, props: FailedJobsBusProps) {
    super(scope, id);

    this.bus = new events.EventBus(this, 'Bus', {
      description: 'Jobs whose failure could not be recorded; archived for replay',
    });

    // Fixed name: EventBridge names the archive's managed rule after it
    // (Events-Archive-<name>), which the alarm on archived events reads.
    this.archiveName = `${Stack.of(this).stackName}-failed-jobs`.slice(0, 48);
    this.archive = new events.CfnArchive(this, 'Archive', {
      archiveName: this.archiveName,
      sourceArn: this.bus.eventBusArn,
      description: 'Failed jobs, kept for replay',
      retentionDays: props.archiveRetention.toDays(),
      // Replayed events carry replay-name; keeping them out of the archive means a
      // replay can never feed the archive it reads from.
      eventPattern: {
        source: [FAILED_JOB_SOURCE],
        'detail-type': [FAILED_JOB_DETAIL_TYPE],
        'replay-name': [{ exists: false }],
      },
    });

    // Where the replay rule puts what it could not deliver to the workflow.
    this.deadLetterQueue = new sqs.Queue(this, 'ReplayDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
  }

  get archiveArn(): string {
    return this.archive.attrArn;
  }

  get replayRule(): events.Rule {
    if (!this.replay) {
      throw new Error('replayTo() has not been called');
    }
    return this.replay;
  }

  /**
   * Starts the workflow again for each replayed failed job. Only replayed events
   * match: the first failure already ran the workflow to its end.
   */
  replayTo(stateMachine: sfn.IStateMachine): events.Rule {
    const rule = new events.Rule(this, 'ReplayRule', {
      eventBus: this.bus,
      description: 'Replayed failed jobs start the jobs workflow again',
      eventPattern: {
        source: [FAILED_JOB_SOURCE],
        detailType: [FAILED_JOB_DETAIL_TYPE],
      },
    });
    // EventPattern has no field for replay-name, so it is set on the L1 resource.
    (rule.node.defaultChild as events.CfnRule).addPropertyOverride('EventPattern.replay-name', [{ exists: true }]);

    rule.addTarget(
      new targets.SfnStateMachine(stateMachine, {
        // The processor reads exactly this shape: the job as the API sent it, plus
        // the replay's name so its logs and status say where the run came from.
        input: events.RuleTargetInput.fromObject({
          id: events.EventField.fromPath('$.detail.id'),
          parameters: events.EventField.fromPath('$.detail.parameters'),
          replay: { name: events.EventField.fromPath('$.replay-name') },
        }),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(6),
      }),
    );
    this.replay = rule;
    return rule;
  }
}
