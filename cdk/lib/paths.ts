import * as path from 'path';
import { cargoFeatureOf, DeclaredFunction, readFunctionsManifest } from './functions-manifest';

/** The repository root: the CDK app lives one level below it, in cdk/. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The Cargo workspace that builds the four Lambda binaries. */
export const WORKSPACE_MANIFEST = path.join(REPO_ROOT, 'Cargo.toml');

/** The one declaration of the Lambda functions (lambdas/functions.schema.json says its fields). */
export const FUNCTIONS_MANIFEST = path.join(REPO_ROOT, 'lambdas', 'functions.json');

/** The Lambda functions, in the manifest's order. */
export const LAMBDA_FUNCTIONS: readonly DeclaredFunction[] = readFunctionsManifest(FUNCTIONS_MANIFEST);

/**
 * The Cargo features that turn on the Lambda entrypoints: the crates' libraries build
 * without them, for the local stack. Every function is built with all of them, so the
 * builds share one set of compiled dependencies.
 */
export const LAMBDA_FEATURES: readonly string[] = LAMBDA_FUNCTIONS.map(cargoFeatureOf);

/** The workflow definition shared with the local stack. */
export const STATE_MACHINE_DEFINITION = path.join(REPO_ROOT, 'statemachine', 'jobs.asl.json');

/** The request model for POST /jobs, shared with the local gateway. */
export const CREATE_JOB_SCHEMA = path.join(REPO_ROOT, 'lambdas', 'api', 'schema', 'create-job.json');
