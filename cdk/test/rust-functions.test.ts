import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { cargoFeatureOf, constructIdOf } from '../lib/functions-manifest';
import { processorTimeoutSeconds } from '../lib/jobs-functions';
import { LAMBDA_FEATURES, LAMBDA_FUNCTIONS, REPO_ROOT } from '../lib/paths';
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

let template: Template;
beforeAll(() => {
  // No bundling-stacks context: the stack requires bundling, as in `cdk deploy`.
  template = synthJobsStack({}).template;
});

test('the functions CDK builds are exactly those lambdas/functions.json declares, with its settings', () => {
  expect(mockRecorded.map((r) => r.id).sort()).toEqual(LAMBDA_FUNCTIONS.map(constructIdOf).sort());
  expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(LAMBDA_FUNCTIONS.length);
  for (const declared of LAMBDA_FUNCTIONS) {
    const { props } = mockRecorded.find((r) => r.id === constructIdOf(declared))!;
    expect(props.binaryName).toBe(declared.bin);
    expect(props.memorySize).toBe(declared.memoryMb);
    const seconds = declared.timeoutSeconds === 'fromJob' ? processorTimeoutSeconds() : declared.timeoutSeconds;
    expect(props.timeout.toSeconds()).toBe(seconds);
  }
  // The marker is the processor's: its timeout follows the job's limit.
  expect(LAMBDA_FUNCTIONS.filter((f) => f.timeoutSeconds === 'fromJob').map((f) => f.key)).toEqual(['processor']);
});

test('each Lambda is one binary of the Cargo workspace, built for arm64 on provided.al2023', () => {
  expect(mockRecorded.map((r) => r.props.binaryName).sort()).toEqual(LAMBDA_FUNCTIONS.map((f) => f.bin).sort());
  for (const { props } of mockRecorded) {
    expect(props.manifestPath).toBe(path.join(REPO_ROOT, 'Cargo.toml'));
    expect(props.runtime).toBe('provided.al2023');
    expect(props.architecture).toBe(Architecture.ARM_64);
    expect(props.bundling.architecture).toBe(Architecture.ARM_64);
  }
});

test('each binary is built with the feature its crate requires for it', () => {
  const fs = jest.requireActual('fs') as typeof import('fs');
  expect(LAMBDA_FEATURES).toEqual(LAMBDA_FUNCTIONS.map(cargoFeatureOf));
  for (const { props } of mockRecorded) {
    const flags: string[] = props.bundling.cargoLambdaFlags;
    expect(flags[0]).toBe('--features');
    const features = flags[1].split(',');
    expect(features).toEqual(LAMBDA_FEATURES);
    const declared = LAMBDA_FUNCTIONS.find((f) => f.bin === props.binaryName)!;
    const manifest = fs.readFileSync(path.join(REPO_ROOT, declared.path, 'Cargo.toml'), 'utf8');
    const pkg = /^name = "([^"]+)"/m.exec(manifest)![1];
    expect(pkg).toBe(declared.crate);
    expect(features).toContain(`${pkg}/${declared.feature}`);
    // The binary needs the feature, so a build without it would silently skip the function.
    const bin = new RegExp(
      `\\[\\[bin\\]\\]\\s*name = "${props.binaryName}"[^\\[]*required-features = \\["${declared.feature}"\\]`,
    );
    expect(manifest).toMatch(bin);
    expect(manifest).toMatch(new RegExp(`^\\[features\\]\\s*\\n${declared.feature} = \\[`, 'm'));
  }
});

test('the manifest is the workspace that lists the declared Lambda crates', () => {
  const fs = jest.requireActual('fs') as typeof import('fs');
  const manifest = fs.readFileSync(mockRecorded[0].props.manifestPath, 'utf8');
  expect(manifest).toMatch(/\[workspace\]/);
  for (const { path: member } of LAMBDA_FUNCTIONS) {
    expect(manifest).toContain(`"${member}"`);
  }
});
