import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { RustFunction } from 'cargo-lambda-cdk';
import { Construct } from 'constructs';
import { JobsTable } from './jobs-table';
import { lambdaArchitecture, lambdaCodeSource, offlinePlaceholderCode, prebuiltCode } from './lambda-code';
import { processTaskTimeoutSeconds } from './jobs-workflow';
import { constructIdOf, DeclaredFunction } from './functions-manifest';
import { FUNCTIONS_MANIFEST, LAMBDA_FEATURES, LAMBDA_FUNCTIONS, WORKSPACE_MANIFEST } from './paths';

/** A Lambda function runs for 15 minutes at most. */
export const LAMBDA_LIMIT_SECONDS = 900;

/**
 * The processor's timeout: just under the ProcessJob task's, which `jobs generate`
 * derives from the job's time limit, so the function's own timeout reaches the
 * workflow's Catch as a Lambda error before the task gives up on it.
 */
export function processorTimeoutSeconds(): number {
  const seconds = processTaskTimeoutSeconds() - 5;
  if (seconds > LAMBDA_LIMIT_SECONDS) {
    throw new Error(
      `the job's time limit needs a processor timeout of ${seconds} s, beyond the ${LAMBDA_LIMIT_SECONDS} s a Lambda function may run: ` +
        'shorten LIMITS.time in job/src/lib.rs and run `cargo run -p jobs -- generate`',
    );
  }
  return seconds;
}

export interface JobsFunctionsProps {
  readonly table: JobsTable;
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** Reserved concurrency of the api function; unset, it shares the account's pool. */
  readonly apiReservedConcurrency?: number;
}

/** The functions this construct builds, by their key in lambdas/functions.json. */
export type FunctionKey = 'api' | 'processor' | 'errorHandler' | 'sweeper';
const BUILT: readonly FunctionKey[] = ['api', 'processor', 'errorHandler', 'sweeper'];

/** What the manifest does not say: these belong with the grants and the wiring below. */
interface RustLambdaSpec {
  readonly description: string;
  readonly environment: Record<string, string>;
  readonly reservedConcurrentExecutions?: number;
}

/** A declared timeout as a Duration: `fromJob` follows the job's time limit. */
export function timeoutOf(fn: DeclaredFunction): Duration {
  return Duration.seconds(fn.timeoutSeconds === 'fromJob' ? processorTimeoutSeconds() : fn.timeoutSeconds);
}

/**
 * The declared function of each key this construct builds; throws when the manifest
 * lacks one, or declares one nothing here builds (it would never be deployed).
 */
export function declaredFunctions(
  functions: readonly DeclaredFunction[] = LAMBDA_FUNCTIONS,
): Record<FunctionKey, DeclaredFunction> {
  const byKey = new Map(functions.map((fn) => [fn.key, fn]));
  const missing = BUILT.filter((key) => !byKey.has(key));
  if (missing.length > 0) {
    throw new Error(`${FUNCTIONS_MANIFEST} declares no function ${missing.join(', ')}: CDK builds it (cdk/lib/jobs-functions.ts)`);
  }
  const unbuilt = functions.filter((fn) => !(BUILT as readonly string[]).includes(fn.key));
  if (unbuilt.length > 0) {
    throw new Error(
      `${FUNCTIONS_MANIFEST} declares ${unbuilt.map((fn) => fn.key).join(', ')}, which CDK does not build yet: ` +
        'add it to JobsFunctions in cdk/lib/jobs-functions.ts with its description, environment and grants',
    );
  }
  return Object.fromEntries(BUILT.map((key) => [key, byKey.get(key)!])) as Record<FunctionKey, DeclaredFunction>;
}

/**
 * The four Rust Lambdas: one Cargo workspace, one binary each, built by cargo-lambda at
 * synth unless prebuilt ones are given (lambda-code.ts).
 */
export class JobsFunctions extends Construct {
  readonly api: lambda.Function;
  readonly processor: lambda.Function;
  readonly errorHandler: lambda.Function;
  /** Wired to its schedule, the table's index and the workflow by `Sweeper`. */
  readonly sweeper: lambda.Function;
  readonly logGroups: Record<FunctionKey, logs.LogGroup>;

  private readonly props: JobsFunctionsProps;

  constructor(scope: Construct, id: string, props: JobsFunctionsProps) {
    super(scope, id);
    this.props = props;
    const tableName = props.table.table.tableName;
    const declared = declaredFunctions();

    // Memory and timeout of each come from lambdas/functions.json.
    // Thin HTTP handler: a GetItem or a small transaction plus StartExecution. Its
    // larger memory buys more CPU, which shortens cold starts on the request path.
    const api = this.rustLambda(declared.api, {
      description: 'Jobs API: POST /jobs and GET /jobs/{jobId}',
      // lambda_http then hands the Router the path without the stage
      // (`/jobs`, not `/prod/jobs`); the Router reads the stage from the
      // request context only for the `Location` header.
      environment: { JOBS_TABLE_NAME: tableName, AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH: 'true' },
      reservedConcurrentExecutions: props.apiReservedConcurrency,
    });
    // Mostly waits (the sample job sleeps): the smallest size is enough. Its timeout is
    // `fromJob`: processorTimeoutSeconds.
    const processor = this.rustLambda(declared.processor, {
      description: 'Runs one job: Running, the work, then Success',
      environment: { JOBS_TABLE_NAME: tableName },
    });
    const errorHandler = this.rustLambda(declared.errorHandler, {
      description: 'Records Failure and the error on a job',
      environment: { JOBS_TABLE_NAME: tableName },
    });

    // A few queries and conditional writes a minute; its settings come from `Sweeper`.
    const sweeper = this.rustLambda(declared.sweeper, {
      description: 'Re-drives jobs whose execution was lost, then marks them Failure (ExecutionLost)',
      environment: { JOBS_TABLE_NAME: tableName },
    });

    // TransactWriteItems (the job plus its idempotency key) needs the per-item
    // actions, ConditionCheckItem included; there is no TransactWriteItems action.
    props.table.grantItemActions(api.fn, 'GetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem');
    props.table.grantItemActions(processor.fn, 'GetItem', 'UpdateItem');
    props.table.grantItemActions(errorHandler.fn, 'GetItem', 'UpdateItem');

    this.api = api.fn;
    this.processor = processor.fn;
    this.errorHandler = errorHandler.fn;
    this.sweeper = sweeper.fn;
    this.logGroups = {
      api: api.logGroup,
      processor: processor.logGroup,
      errorHandler: errorHandler.logGroup,
      sweeper: sweeper.logGroup,
    };
  }

  /** The API starts one execution per job; it learns the workflow once it exists. */
  allowApiToStart(stateMachine: sfn.IStateMachine): void {
    this.api.addEnvironment('STATE_MACHINE_ARN', stateMachine.stateMachineArn);
    stateMachine.grantStartExecution(this.api);
  }

  private rustLambda(
    declared: DeclaredFunction,
    spec: RustLambdaSpec,
  ): { fn: lambda.Function; logGroup: logs.LogGroup } {
    const id = constructIdOf(declared);
    const logGroup = new logs.LogGroup(this, `${id}LogGroup`, {
      retention: this.props.logRetention,
      encryptionKey: this.props.logsKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An explicit role instead of the default one: the default attaches the managed
    // AWSLambdaBasicExecutionRole (logs on every log group); this one writes to its own.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${declared.bin} Lambda`,
    });
    logGroup.grantWrite(role);

    const architecture = lambdaArchitecture(this);
    const common: Omit<lambda.FunctionProps, 'code' | 'handler' | 'runtime'> = {
      architecture,
      description: spec.description,
      memorySize: declared.memoryMb,
      timeout: timeoutOf(declared),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      environment: spec.environment,
      reservedConcurrentExecutions: spec.reservedConcurrentExecutions,
    };
    const source = lambdaCodeSource(this);
    const fn =
      source.kind === 'cargo-lambda'
        ? new RustFunction(this, id, {
            ...common,
            manifestPath: WORKSPACE_MANIFEST,
            binaryName: declared.bin,
            runtime: 'provided.al2023',
            bundling: {
              architecture,
              cargoLambdaFlags: ['--features', LAMBDA_FEATURES.join(',')],
            },
          })
        : new lambda.Function(this, id, {
            ...common,
            runtime: lambda.Runtime.PROVIDED_AL2023,
            handler: 'bootstrap',
            code: source.kind === 'prebuilt' ? prebuiltCode(source.dir, declared.bin) : offlinePlaceholderCode(),
          });
    return { fn, logGroup };
  }
}
