import { CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FailedJobsBus } from './failed-jobs-bus';
import { JobsApi } from './jobs-api';
import { JobsFunctions } from './jobs-functions';
import { JobsTable } from './jobs-table';
import { JobsWorkflow, WorkflowType } from './jobs-workflow';
import { LogEncryption } from './log-encryption';
import { Monitoring } from './monitoring';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { Sweeper } from './sweeper';

export interface JobsStackProps extends StackProps {
  readonly logRetention?: logs.RetentionDays;
  readonly archiveRetention?: Duration;
  /**
   * Reserved concurrency for the api function, so a burst of job work cannot take the
   * concurrency POST and GET need (docs/capacity.md). Opt-in: reserving needs the
   * account's unreserved concurrency to stay at 100 or more, which a new account's
   * quota may not allow.
   */
  readonly apiReservedConcurrency?: number;
  /** The API stage's throttling (requests per second, burst); 50 and 100 unless set. */
  readonly apiThrottling?: { readonly rateLimit: number; readonly burstLimit: number };
  /** EXPRESS (the default) or STANDARD, for a job whose time limit does not fit 5 minutes. */
  readonly workflowType?: WorkflowType;
}

/** The jobs API: table, Lambdas, workflow, REST API, failed-jobs bus and monitoring. */
export class JobsStack extends Stack {
  readonly table: JobsTable;
  readonly functions: JobsFunctions;
  readonly workflow: JobsWorkflow;
  readonly api: JobsApi;
  readonly failedJobs: FailedJobsBus;
  readonly invokeRole: iam.Role;
  readonly monitoring: Monitoring;
  readonly sweeper: Sweeper;

  constructor(scope: Construct, id: string, props: JobsStackProps = {}) {
    super(scope, id, props);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const logsKey = new LogEncryption(this, 'LogEncryption').key;

    this.table = new JobsTable(this, 'Jobs');
    this.functions = new JobsFunctions(this, 'Functions', {
      table: this.table,
      logsKey,
      logRetention,
      apiReservedConcurrency: props.apiReservedConcurrency,
    });
    this.failedJobs = new FailedJobsBus(this, 'FailedJobs', {
      archiveRetention: props.archiveRetention ?? Duration.days(90),
    });
    this.workflow = new JobsWorkflow(this, 'Workflow', {
      processor: this.functions.processor,
      errorHandler: this.functions.errorHandler,
      failedJobsBus: this.failedJobs.bus,
      logsKey,
      logRetention,
      workflowType: props.workflowType,
    });
    const stateMachine = this.workflow.stateMachine;
    this.functions.allowApiToStart(stateMachine);
    this.failedJobs.replayTo(stateMachine);
    this.sweeper = new Sweeper(this, 'Sweeper', { fn: this.functions.sweeper, table: this.table, stateMachine });

    this.api = new JobsApi(this, 'Api', {
      handler: this.functions.api,
      logsKey,
      logRetention,
      throttling: props.apiThrottling,
    });

    // Clients assume this role to sign requests; any principal of the account that is
    // itself allowed sts:AssumeRole on it can.
    this.invokeRole = new iam.Role(this, 'JobsAPIInvokeRole', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Calls the jobs API (POST /jobs, GET /jobs/{jobId})',
    });
    this.api.grantInvoke(this.invokeRole);

    this.monitoring = new Monitoring(this, 'Monitoring', {
      api: this.api.restApi,
      functions: {
        Api: this.functions.api,
        Processor: this.functions.processor,
        ErrorHandler: this.functions.errorHandler,
        Sweeper: this.functions.sweeper,
      },
      stateMachine,
      failedJobsBus: this.failedJobs.bus,
      archiveName: this.failedJobs.archiveName,
      replayRule: this.failedJobs.replayRule,
      replayDeadLetterQueue: this.failedJobs.deadLetterQueue,
      sweeper: this.sweeper,
    });

    acknowledgeNagFindings(this);

    new CfnOutput(this, 'ApiEndpoint', {
      description: 'Base URL of the jobs API (POST jobs, GET jobs/{jobId})',
      value: this.api.restApi.url,
    });
    new CfnOutput(this, 'JobsAPIInvokeRoleArn', {
      description: 'Role to assume to call the API',
      value: this.invokeRole.roleArn,
    });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn });
    new CfnOutput(this, 'StateMachineExecutionsUrl', {
      description: 'Executions of the jobs workflow in the Step Functions console (named with the job id)',
      value: `https://${this.region}.console.aws.amazon.com/states/home?region=${this.region}#/statemachines/view/${stateMachine.stateMachineArn}`,
    });
    new CfnOutput(this, 'StateMachineLogGroupName', {
      description: 'Log group of the workflow: every event of every execution (jobs history reads it)',
      value: this.workflow.logGroup.logGroupName,
    });
    new CfnOutput(this, 'FailedJobsArchiveName', { value: this.failedJobs.archiveName });
    new CfnOutput(this, 'UnfinishedJobBoundSeconds', {
      description: 'Longest a job stays Queued or Running: sweep period + TimeoutSeconds x (re-drives + 1)',
      value: String(this.sweeper.boundSeconds),
    });
    // What `jobs --stack <name> replay` passes to StartReplay.
    new CfnOutput(this, 'FailedJobsArchiveArn', {
      description: 'Archive of the failed-jobs bus (the source of a replay)',
      value: this.failedJobs.archiveArn,
    });
    new CfnOutput(this, 'FailedJobsBusArn', {
      description: 'The failed-jobs event bus (the destination of a replay)',
      value: this.failedJobs.bus.eventBusArn,
    });
    new CfnOutput(this, 'ReplayRuleArn', {
      description: 'The rule that starts the workflow again for replayed events (the filter of a replay)',
      value: this.failedJobs.replayRule.ruleArn,
    });
    new CfnOutput(this, 'ReplayCommand', {
      description: 'Replays archived failed jobs; set the time window first',
      value: [
        'aws events start-replay',
        `--replay-name failed-jobs-$(date +%Y%m%d%H%M%S)`,
        `--event-source-arn ${this.failedJobs.archiveArn}`,
        `--destination '{"Arn":"${this.failedJobs.bus.eventBusArn}","FilterArns":["${this.failedJobs.replayRule.ruleArn}"]}'`,
        '--event-start-time <START e.g. 2026-11-25T00:00:00Z>',
        '--event-end-time <END e.g. 2026-11-26T00:00:00Z>',
      ].join(' '),
    });
  }
}
