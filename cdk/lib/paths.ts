import * as path from 'path';

/** The repository root: the CDK app lives one level below it, in cdk/. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The Cargo workspace that builds the four Lambda binaries. */
export const WORKSPACE_MANIFEST = path.join(REPO_ROOT, 'Cargo.toml');

/**
 * The Cargo features that turn on the Lambda entrypoints: the crates' libraries build
 * without them, for the local stack. Every function is built with all of them, so the
 * builds share one set of compiled dependencies.
 */
export const LAMBDA_FEATURES = [
  'jobs-api/lambda',
  'jobs-processor/lambda',
  'jobs-error-handler/lambda',
  'jobs-sweeper/lambda',
];

/** The workflow definition shared with the local stack. */
export const STATE_MACHINE_DEFINITION = path.join(REPO_ROOT, 'statemachine', 'jobs.asl.json');

/** The request model for POST /jobs, shared with the local gateway. */
export const CREATE_JOB_SCHEMA = path.join(REPO_ROOT, 'lambdas', 'api', 'schema', 'create-job.json');
