import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { JobsTable } from './jobs-table';
import { workflowTimeoutSeconds } from './jobs-workflow';

/** How often the sweeper runs; shorter than the workflow's TimeoutSeconds. */
export const SWEEP_PERIOD = Duration.minutes(1);
/** Re-drives of a lost job before it is marked Failure (ExecutionLost). */
export const MAX_REDRIVES = 2;
/** The most jobs one sweep settles; the next one takes the rest. */
export const SWEEP_BATCH = 100;
/** The namespace the sweeper writes its metrics to (lambdas/sweeper/src/lib.rs). */
export const SWEEPER_NAMESPACE = 'JobsApi/Sweeper';

export interface SweeperProps {
  readonly fn: lambda.Function;
  readonly table: JobsTable;
  readonly stateMachine: sfn.IStateMachine;
}

/**
 * No job left behind: the sweeper function on a schedule, allowed exactly what a sweep
 * does (query the index of unfinished jobs, read and conditionally update a job, start
 * the workflow), with the metrics of what it did.
 */
export class Sweeper extends Construct {
  readonly schedule: events.Rule;
  readonly redriven: cloudwatch.Metric;
  readonly lost: cloudwatch.Metric;
  readonly startFailures: cloudwatch.Metric;
  /** Seconds a job can stay unfinished after its last write: period + timeout x (N + 1). */
  readonly boundSeconds: number;

  constructor(scope: Construct, id: string, props: SweeperProps) {
    super(scope, id);
    const timeout = workflowTimeoutSeconds();
    if (SWEEP_PERIOD.toSeconds() >= timeout) {
      throw new Error(`the sweep period must be shorter than the workflow's TimeoutSeconds (${timeout} s)`);
    }
    this.boundSeconds = SWEEP_PERIOD.toSeconds() + timeout * (MAX_REDRIVES + 1);

    const fn = props.fn;
    fn.addEnvironment('STATE_MACHINE_ARN', props.stateMachine.stateMachineArn);
    fn.addEnvironment('WORKFLOW_TIMEOUT_SECONDS', String(timeout));
    fn.addEnvironment('SWEEP_PERIOD_SECONDS', String(SWEEP_PERIOD.toSeconds()));
    fn.addEnvironment('MAX_REDRIVES', String(MAX_REDRIVES));
    fn.addEnvironment('SWEEP_BATCH', String(SWEEP_BATCH));

    props.table.grantQueryUnfinished(fn);
    props.table.grantItemActions(fn, 'GetItem', 'UpdateItem');
    props.stateMachine.grantStartExecution(fn);

    // A rule rather than EventBridge Scheduler: the function gets the standard
    // "Scheduled Event", and a missed run is simply made up by the next one.
    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the jobs sweeper',
      schedule: events.Schedule.rate(SWEEP_PERIOD),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 0 })],
    });

    // Unlabelled, so an alarm reads the metric itself (a label turns it into a query).
    const sum = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: SWEEPER_NAMESPACE,
        metricName,
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.SUM,
      });
    this.redriven = sum('JobsRedriven');
    this.lost = sum('JobsLost');
    this.startFailures = sum('RedriveStartFailures');
  }
}
