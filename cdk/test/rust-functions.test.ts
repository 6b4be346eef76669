import * as path from 'path';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { REPO_ROOT } from '../lib/paths';
import { synthJobsStack } from './synth';

// Offline synthesis skips the build, so what cargo-lambda would be asked to build is
// only visible in the props handed to RustFunction: record them.
const mockRecorded: { id: string; props: any }[] = [];
jest.mock('cargo-lambda-cdk', () => {
  const actual = jest.requireActual('cargo-lambda-cdk');
  class RecordingRustFunction extends actual.RustFunction {
    constructor(scope: any, id: string, props: any) {
      super(scope, id, props);
      mockRecorded.push({ id, props });
    }
  }
  return { ...actual, RustFunction: RecordingRustFunction };
});

beforeAll(() => {
  synthJobsStack();
});

test('each Lambda is one binary of the Cargo workspace, built for arm64 on provided.al2023', () => {
  expect(mockRecorded.map((r) => r.props.binaryName).sort()).toEqual(['api', 'error-handler', 'processor']);
  for (const { props } of mockRecorded) {
    expect(props.manifestPath).toBe(path.join(REPO_ROOT, 'Cargo.toml'));
    expect(props.runtime).toBe('provided.al2023');
    expect(props.architecture).toBe(Architecture.ARM_64);
    expect(props.bundling.architecture).toBe(Architecture.ARM_64);
  }
});

test('the manifest is the workspace that lists the three Lambda crates', () => {
  const fs = jest.requireActual('fs') as typeof import('fs');
  const manifest = fs.readFileSync(mockRecorded[0].props.manifestPath, 'utf8');
  expect(manifest).toMatch(/\[workspace\]/);
  for (const member of ['lambdas/api', 'lambdas/processor', 'lambdas/error-handler']) {
    expect(manifest).toContain(`"${member}"`);
  }
});
