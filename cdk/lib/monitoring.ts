import { Duration, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

const PERIOD = Duration.minutes(5);

export interface MonitoringProps {
  readonly api: apigateway.RestApi;
  readonly functions: Record<string, lambda.IFunction>;
  readonly stateMachine: sfn.IStateMachine;
  readonly failedJobsBus: events.IEventBus;
  readonly archiveName: string;
  readonly replayRule: events.IRule;
  readonly replayDeadLetterQueue: sqs.IQueue;
  /** What the sweeper did: jobs re-driven, jobs given up, re-drives not started. */
  readonly sweeper: { redriven: cloudwatch.IMetric; lost: cloudwatch.IMetric; startFailures: cloudwatch.IMetric };
}

/** Alarms on every way a job can go wrong, and one dashboard for the whole path. */
export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const sum = { period: PERIOD, statistic: cloudwatch.Stats.SUM };
    const stage = props.api.deploymentStage;

    const apiRequests = stage.metricCount(sum);
    const api4xx = stage.metricClientError(sum);
    const api5xx = stage.metricServerError(sum);
    const apiLatency = stage.metricLatency({ period: PERIOD, statistic: cloudwatch.Stats.percentile(99) });

    const started = props.stateMachine.metricStarted(sum);
    const succeeded = props.stateMachine.metricSucceeded(sum);
    const failed = props.stateMachine.metricFailed(sum);
    const timedOut = props.stateMachine.metricTimedOut(sum);

    // EventBridge runs an archive through a managed rule named after it; its matches
    // are the failed jobs that reached the archive.
    const archived = new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'MatchedEvents',
      dimensionsMap: {
        EventBusName: props.failedJobsBus.eventBusName,
        RuleName: `Events-Archive-${props.archiveName}`,
      },
      ...sum,
    });
    const replayFailedInvocations = new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'FailedInvocations',
      dimensionsMap: { EventBusName: props.failedJobsBus.eventBusName, RuleName: props.replayRule.ruleName },
      ...sum,
    });
    const dlqVisible = props.replayDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: PERIOD,
      statistic: cloudwatch.Stats.MAXIMUM,
    });

    // Any occurrence is worth a look: each of these is a job that did not end in Success
    // or a request the API could not serve.
    this.alarm('WorkflowFailedAlarm', failed, 'Job executions failed');
    this.alarm('WorkflowTimedOutAlarm', timedOut, 'Job executions timed out');
    this.alarm('FailedJobsArchivedAlarm', archived, 'Failed jobs reached the archive: their failure could not be recorded; replay them');
    this.alarm('ReplayFailedInvocationsAlarm', replayFailedInvocations, 'Replayed failed jobs could not start the workflow');
    this.alarm('Api5xxAlarm', api5xx, 'The jobs API answered 5xx');
    this.alarm('ReplayDeadLetterAlarm', dlqVisible, 'Replayed failed jobs are waiting in the dead-letter queue');
    const { redriven, lost, startFailures } = props.sweeper;
    this.alarm('JobsRedrivenAlarm', redriven, 'The sweeper re-drove jobs whose execution was lost; see its logs for their ids');
    this.alarm('JobsLostAlarm', lost, 'The sweeper gave jobs up (Failure, ExecutionLost): their executions were lost every time');
    this.alarm('RedriveStartFailuresAlarm', startFailures, 'The sweeper could not start the workflow for jobs it re-drove');

    const functionWidgets: cloudwatch.IWidget[] = [];
    for (const [name, fn] of Object.entries(props.functions)) {
      const errors = fn.metricErrors(sum);
      const throttles = fn.metricThrottles(sum);
      this.alarm(`${name}ErrorsAlarm`, errors, `The ${name} Lambda reported errors`);
      this.alarm(`${name}ThrottlesAlarm`, throttles, `The ${name} Lambda was throttled`);
      functionWidgets.push(
        new cloudwatch.GraphWidget({
          title: `${name} Lambda`,
          left: [fn.metricInvocations(sum), errors, throttles],
          right: [fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.percentile(99) })],
          width: 8,
        }),
      );
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: Stack.of(this).stackName,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({ title: 'API requests', left: [apiRequests, api4xx, api5xx], width: 12 }),
          new cloudwatch.GraphWidget({ title: 'API latency p99', left: [apiLatency], width: 12 }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Job executions',
            left: [started, succeeded, failed, timedOut],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Failed jobs: archive and replay',
            left: [
              archived.with({ label: 'Failed jobs archived' }),
              replayFailedInvocations.with({ label: 'Replays not started' }),
              dlqVisible.with({ label: 'Replays in the dead-letter queue' }),
            ],
            width: 12,
          }),
        ],
        functionWidgets,
        [
          new cloudwatch.GraphWidget({
            title: 'Sweeper: no job left behind',
            left: [redriven, lost, startFailures],
            width: 24,
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
      ],
    });
  }

  private alarm(id: string, metric: cloudwatch.IMetric, description: string): void {
    this.alarms.push(
      new cloudwatch.Alarm(this, id, {
        // Named so that the docs and an on-call page can point at them.
        alarmName: `${Stack.of(this).stackName}-${id}`,
        metric,
        alarmDescription: description,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}
