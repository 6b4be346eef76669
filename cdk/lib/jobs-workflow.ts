import * as fs from 'fs';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DeclaredFunction } from './functions-manifest';
import { FUNCTIONS_MANIFEST, LAMBDA_FUNCTIONS, STATE_MACHINE_DEFINITION } from './paths';

/** Express workflows are stopped by the service at 5 minutes. */
export const EXPRESS_LIMIT_SECONDS = 300;

/** A Standard execution may run up to a year. */
export const STANDARD_LIMIT_SECONDS = 365 * 24 * 3600;

/**
 * EXPRESS (the default: at-least-once, priced per request and duration, up to 5
 * minutes) or STANDARD (exactly-once, priced per state transition, up to a year),
 * for a job whose time limit does not fit the Express window.
 */
export type WorkflowType = 'EXPRESS' | 'STANDARD';

/** Reads `-c workflowType=...`; EXPRESS unless STANDARD is asked for. */
export function workflowTypeOf(value: unknown): WorkflowType {
  if (value === undefined || value === 'EXPRESS') return 'EXPRESS';
  if (value === 'STANDARD') return 'STANDARD';
  throw new Error(`workflowType must be EXPRESS or STANDARD, not ${JSON.stringify(value)}`);
}

export interface JobsWorkflowProps {
  readonly processor: lambda.IFunction;
  readonly errorHandler: lambda.IFunction;
  readonly failedJobsBus: events.IEventBus;
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** Defaults to statemachine/jobs.asl.json; tests point it at broken copies. */
  readonly definitionFile?: string;
  /** EXPRESS unless set. */
  readonly workflowType?: WorkflowType;
}

/**
 * Reads the ASL file and checks what the service would only reject at deploy (or, for
 * the timeout, silently cut at run time): every `${...}` has a value, and the whole
 * run is bounded below the Express limit.
 */
export function loadDefinition(
  file: string,
  substitutions: Record<string, string>,
  type: WorkflowType = 'EXPRESS',
): string {
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
  if (asl.TimeoutSeconds === undefined) {
    throw new Error(`${file}: TimeoutSeconds must be set, so that no execution runs unbounded`);
  }
  const limit = type === 'EXPRESS' ? EXPRESS_LIMIT_SECONDS : STANDARD_LIMIT_SECONDS;
  if (asl.TimeoutSeconds >= limit) {
    throw new Error(
      type === 'EXPRESS'
        ? `${file}: the workflow may run ${asl.TimeoutSeconds} s (TimeoutSeconds, derived from the job's time limit), ` +
            `but an EXPRESS workflow is stopped at ${EXPRESS_LIMIT_SECONDS} s. Either shorten the job's LIMITS.time ` +
            '(job/src/lib.rs) and run `cargo run -p jobs -- generate`, or deploy a STANDARD workflow: ' +
            '`cdk deploy -c workflowType=STANDARD` (docs/deploy.md)'
        : `${file}: TimeoutSeconds ${asl.TimeoutSeconds} is beyond the one year a STANDARD execution may run`,
    );
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

/**
 * The ProcessJob task's TimeoutSeconds, which `jobs generate` derives from the job's
 * time limit: the processor function's own timeout is set just under it.
 */
export function processTaskTimeoutSeconds(file: string = STATE_MACHINE_DEFINITION): number {
  const asl = JSON.parse(fs.readFileSync(file, 'utf8')) as { States?: { ProcessJob?: { TimeoutSeconds?: unknown } } };
  const t = asl.States?.ProcessJob?.TimeoutSeconds;
  if (typeof t !== 'number' || !Number.isInteger(t)) {
    throw new Error(`${file}: States.ProcessJob.TimeoutSeconds must be a whole number of seconds`);
  }
  return t;
}

/**
 * The functions the workflow invokes, each with the `${...}` that names it
 * (`substitution` in lambdas/functions.json), in the manifest's order. Each declared
 * one must be among `given`, and nothing is given that the manifest does not declare.
 */
export function invokedFunctions<T>(
  given: Record<string, T>,
  functions: readonly DeclaredFunction[] = LAMBDA_FUNCTIONS,
): { substitution: string; fn: T }[] {
  const invoked = functions.filter((f) => f.substitution !== undefined);
  const missing = invoked.filter((f) => !(f.key in given)).map((f) => f.key);
  if (missing.length > 0) {
    throw new Error(
      `${FUNCTIONS_MANIFEST}: the workflow invokes ${missing.join(', ')} (it has a substitution), ` +
        'but JobsWorkflow is not given that function: pass it in cdk/lib/jobs-workflow.ts',
    );
  }
  const undeclared = Object.keys(given).filter((key) => !invoked.some((f) => f.key === key));
  if (undeclared.length > 0) {
    throw new Error(
      `${FUNCTIONS_MANIFEST}: ${undeclared.join(', ')} has no substitution, but JobsWorkflow is given it to invoke: ` +
        'declare its substitution and localName there',
    );
  }
  return invoked.map((f) => ({ substitution: f.substitution!, fn: given[f.key] }));
}

/** The state machine built from statemachine/jobs.asl.json, EXPRESS unless STANDARD is asked for. */
export class JobsWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: JobsWorkflowProps) {
    super(scope, id);

    const invoked = invokedFunctions({ processor: props.processor, errorHandler: props.errorHandler });
    const substitutions: Record<string, string> = {
      ...Object.fromEntries(invoked.map(({ substitution, fn }) => [substitution, fn.functionArn])),
      FailedJobsEventBusName: props.failedJobsBus.eventBusName,
    };
    const type = props.workflowType ?? 'EXPRESS';
    const definition = loadDefinition(props.definitionFile ?? STATE_MACHINE_DEFINITION, substitutions, type);

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
      stateMachineType: type === 'EXPRESS' ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
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
    for (const { fn } of invoked) {
      fn.grantInvoke(this.stateMachine);
    }
    props.failedJobsBus.grantPutEventsTo(this.stateMachine);
  }
}
