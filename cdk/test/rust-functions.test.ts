import * as path from 'path';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { LAMBDA_FEATURES, REPO_ROOT } from '../lib/paths';
import { synthJobsStack } from './synth';

// The deploy path builds with cargo-lambda at synth, which these tests must not run:
// the mock records the props handed to RustFunction and packages a placeholder instead.
const mockRecorded: { id: string; props: any }[] = [];
jest.mock('cargo-lambda-cdk', () => {
  const actual = jest.requireActual('cargo-lambda-cdk');
  const lambda = jest.requireActual('aws-cdk-lib/aws-lambda');
  const { OFFLINE_PLACEHOLDER_DIR } = jest.requireActual('../lib/lambda-code');
  class RecordingRustFunction extends lambda.Function {
    constructor(scope: any, id: string, props: any) {
      const { manifestPath: _m, binaryName: _b, bundling, ...fnProps } = props;
      super(scope, id, {
        ...fnProps,
        runtime: new lambda.Runtime(props.runtime),
        architecture: bundling.architecture,
        handler: 'bootstrap',
        code: lambda.Code.fromAsset(OFFLINE_PLACEHOLDER_DIR),
      });
      mockRecorded.push({ id, props });
    }
  }
  return { ...actual, RustFunction: RecordingRustFunction };
});

beforeAll(() => {
  // No bundling-stacks context: the stack requires bundling, as in `cdk deploy`.
  synthJobsStack({});
});

test('each Lambda is one binary of the Cargo workspace, built for arm64 on provided.al2023', () => {
  expect(mockRecorded.map((r) => r.props.binaryName).sort()).toEqual(['api', 'error-handler', 'processor', 'sweeper']);
  for (const { props } of mockRecorded) {
    expect(props.manifestPath).toBe(path.join(REPO_ROOT, 'Cargo.toml'));
    expect(props.runtime).toBe('provided.al2023');
    expect(props.architecture).toBe(Architecture.ARM_64);
    expect(props.bundling.architecture).toBe(Architecture.ARM_64);
  }
});

test('each binary is built with the feature its crate requires for it', () => {
  const fs = jest.requireActual('fs') as typeof import('fs');
  const crates: Record<string, string> = {
    api: 'api',
    processor: 'processor',
    'error-handler': 'error-handler',
    sweeper: 'sweeper',
  };
  for (const { props } of mockRecorded) {
    const flags: string[] = props.bundling.cargoLambdaFlags;
    expect(flags[0]).toBe('--features');
    const features = flags[1].split(',');
    expect(features).toEqual(LAMBDA_FEATURES);
    const manifest = fs.readFileSync(path.join(REPO_ROOT, 'lambdas', crates[props.binaryName], 'Cargo.toml'), 'utf8');
    const pkg = /^name = "([^"]+)"/m.exec(manifest)![1];
    expect(features).toContain(`${pkg}/lambda`);
    // The binary needs the feature, so a build without it would silently skip the function.
    const bin = new RegExp(`\\[\\[bin\\]\\]\\s*name = "${props.binaryName}"[^\\[]*required-features = \\["lambda"\\]`);
    expect(manifest).toMatch(bin);
    expect(manifest).toMatch(/^\[features\]\s*\nlambda = \[/m);
  }
});

test('the manifest is the workspace that lists the four Lambda crates', () => {
  const fs = jest.requireActual('fs') as typeof import('fs');
  const manifest = fs.readFileSync(mockRecorded[0].props.manifestPath, 'utf8');
  expect(manifest).toMatch(/\[workspace\]/);
  for (const member of ['lambdas/api', 'lambdas/processor', 'lambdas/error-handler', 'lambdas/sweeper']) {
    expect(manifest).toContain(`"${member}"`);
  }
});
