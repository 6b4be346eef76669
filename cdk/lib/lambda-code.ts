import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/**
 * Context key naming a folder of prebuilt bootstraps, one `<binary>/bootstrap` per
 * function (`cdk deploy -c prebuiltLambdas=DIR`). Unset, cargo-lambda builds them.
 */
export const PREBUILT_LAMBDAS_CONTEXT = 'prebuiltLambdas';

/** Context key for the functions' architecture: `arm64` (the default) or `x86_64`. */
export const LAMBDA_ARCHITECTURE_CONTEXT = 'lambdaArchitecture';

/**
 * What a synth without bundling (`synth:offline`, the unit tests) packages for each
 * function: a few bytes that say so when run, instead of the repository root that
 * cargo-lambda's asset would otherwise point at (a deploy of that cloud assembly would
 * zip the whole tree, `target/` included).
 */
export const OFFLINE_PLACEHOLDER_DIR = path.join(__dirname, '..', 'assets', 'offline-placeholder');

/** Where the functions' code comes from. */
export type LambdaCodeSource =
  | { readonly kind: 'cargo-lambda' }
  | { readonly kind: 'prebuilt'; readonly dir: string }
  | { readonly kind: 'offline-placeholder' };

const ARCHITECTURES: Record<string, lambda.Architecture> = {
  arm64: lambda.Architecture.ARM_64,
  x86_64: lambda.Architecture.X86_64,
};

/** The functions' architecture, from the `lambdaArchitecture` context (arm64 unless set). */
export function lambdaArchitecture(scope: Construct): lambda.Architecture {
  const raw = scope.node.tryGetContext(LAMBDA_ARCHITECTURE_CONTEXT);
  if (raw === undefined || raw === '') {
    return lambda.Architecture.ARM_64;
  }
  const architecture = ARCHITECTURES[String(raw)];
  if (!architecture) {
    throw new Error(
      `context ${LAMBDA_ARCHITECTURE_CONTEXT}=${raw} is not an architecture Lambda runs: use arm64 or x86_64`,
    );
  }
  return architecture;
}

/**
 * Prebuilt bootstraps win when given; otherwise cargo-lambda builds, unless the CDK CLI
 * skips bundling for this stack (then nothing of this synth is deployed, and a
 * placeholder keeps the repository out of the cloud assembly).
 */
export function lambdaCodeSource(scope: Construct): LambdaCodeSource {
  const prebuilt = scope.node.tryGetContext(PREBUILT_LAMBDAS_CONTEXT);
  if (prebuilt !== undefined && prebuilt !== '') {
    return { kind: 'prebuilt', dir: path.resolve(String(prebuilt)) };
  }
  return Stack.of(scope).bundlingRequired ? { kind: 'cargo-lambda' } : { kind: 'offline-placeholder' };
}

/**
 * The asset of one prebuilt bootstrap: `<dir>/<binary>/bootstrap`, checked here so that
 * a missing build fails the synth with what to do, not the deploy.
 */
export function prebuiltCode(dir: string, binaryName: string): lambda.Code {
  const folder = path.join(dir, binaryName);
  const bootstrap = path.join(folder, 'bootstrap');
  let mode: number;
  try {
    mode = fs.statSync(bootstrap).mode;
  } catch {
    throw new Error(
      `context ${PREBUILT_LAMBDAS_CONTEXT}=${dir}: no ${bootstrap}. Put each function's binary there as ` +
        `<binary>/bootstrap (docs/deploy.md, "Prebuilt Lambda binaries"), or leave ${PREBUILT_LAMBDAS_CONTEXT} ` +
        'unset to let cargo-lambda build them',
    );
  }
  if ((mode & 0o111) === 0) {
    throw new Error(`${bootstrap} is not executable: chmod +x it (Lambda runs it as the function)`);
  }
  const extra = fs.readdirSync(folder).filter((f) => f !== 'bootstrap');
  if (extra.length > 0) {
    // The folder is zipped whole: anything else in it would ship with the function.
    throw new Error(`${folder} holds more than the bootstrap (${extra.join(', ')}): leave only the bootstrap there`);
  }
  return lambda.Code.fromAsset(folder);
}

/** The placeholder asset of a synth without bundling. */
export function offlinePlaceholderCode(): lambda.Code {
  return lambda.Code.fromAsset(OFFLINE_PLACEHOLDER_DIR);
}
