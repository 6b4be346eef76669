import * as fs from 'fs';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { STATE_MACHINE_DEFINITION } from './paths';

/** Express workflows are stopped by the service at 5 minutes. */
export const EXPRESS_LIMIT_SECONDS = 300;

export interface JobsWorkflowProps {
  readonly processor: lambda.IFunction;
  readonly errorHandler: lambda.IFunction;
  readonly failedJobsBus: events.IEventBus;
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** Defaults to statemachine/jobs.asl.json; tests point it at broken copies. */
  readonly definitionFile?: string;
}

/**
 * Reads the ASL file and checks what the service would only reject at deploy (or, for
 * the timeout, silently cut at run time): every `${...}` has a value, and the whole
 * run is bounded below the Express limit.
 */
export function loadDefinition(file: string, substitutions: Record<string, string>): string {
  const text = fs.readFileSync(file, 'utf8');
  const asl = JSON.parse(text) as { TimeoutSeconds?: number };
  const placeholders = new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]));
  const missing = [...placeholders].filter((p) => !(p in substitutions));
  if (missing.length > 0) {
    throw new Error(`${file}: no value for substitution(s) ${missing.join(', ')}`);
  }
  const unused = Object.keys(substitutions).filter((k) => !placeholders.has(k));
  if (unused.length > 0) {
    throw new Error(`${file}: substitution(s) ${unused.join(', ')} not used by the definition`);
  }
  if (asl.TimeoutSeconds === undefined || asl.TimeoutSeconds >= EXPRESS_LIMIT_SECONDS) {
    throw new Error(`${file}: TimeoutSeconds must be set below ${EXPRESS_LIMIT_SECONDS} for an Express workflow`);
  }
  return text;
}

/**
 * The workflow's TimeoutSeconds, read from the definition the state machine is built
 * from: no execution runs longer, and the sweeper's bound is derived from it.
 */
export function workflowTimeoutSeconds(file: string = STATE_MACHINE_DEFINITION): number {
  const asl = JSON.parse(fs.readFileSync(file, 'utf8')) as { TimeoutSeconds?: unknown };
  if (typeof asl.TimeoutSeconds !== 'number' || !Number.isInteger(asl.TimeoutSeconds)) {
    throw new Error(`${file}: TimeoutSeconds must be a whole number of seconds`);
  }
  return asl.TimeoutSeconds;
}

/** The EXPRESS state machine built from statemachine/jobs.asl.json. */
export class JobsWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: JobsWorkflowProps) {
    super(scope, id);

    const substitutions = {
      ProcessorFunctionArn: props.processor.functionArn,
      ErrorHandlerFunctionArn: props.errorHandler.functionArn,
      FailedJobsEventBusName: props.failedJobsBus.eventBusName,
    };
    const definition = loadDefinition(props.definitionFile ?? STATE_MACHINE_DEFINITION, substitutions);

    // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's
    // CloudWatch Logs resource policy with one entry per log group.
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-jobs`,
      retention: props.logRetention,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Inline definition (not an S3 asset): the template carries the workflow, so tests
    // can read it and a deploy never depends on a second upload.
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.EXPRESS,
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions: substitutions,
      logs: {
        destination: this.logGroup,
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
      tracingEnabled: true,
      comment: 'Runs one job of the jobs API',
    });

    // grantInvoke covers the function and its versions/aliases (`:*`), which is what
    // lambda:invoke resolves to when a qualified ARN is used.
    props.processor.grantInvoke(this.stateMachine);
    props.errorHandler.grantInvoke(this.stateMachine);
    props.failedJobsBus.grantPutEventsTo(this.stateMachine);
  }
}
