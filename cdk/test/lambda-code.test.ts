import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { JobsStack } from '../lib/jobs-stack';
import { OFFLINE_PLACEHOLDER_DIR } from '../lib/lambda-code';
import { LAMBDA_FUNCTIONS, REPO_ROOT } from '../lib/paths';
import { OFFLINE_CONTEXT } from './synth';

const BINARIES = LAMBDA_FUNCTIONS.map((f) => f.bin);

const made: string[] = [];
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

type FileAsset = { source: { path: string; packaging?: string }; displayName?: string };

/** Synthesizes a cloud assembly into a temporary folder and reads its asset manifest. */
function assemble(context: Record<string, unknown>): {
  outdir: string;
  assets: Record<string, FileAsset>;
  template: any;
} {
  const outdir = tempDir('jobs-assembly-');
  const app = new App({ outdir, context });
  new JobsStack(app, 'JobsApi');
  app.synth();
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'JobsApi.assets.json'), 'utf8'));
  const template = JSON.parse(fs.readFileSync(path.join(outdir, 'JobsApi.template.json'), 'utf8'));
  return { outdir, assets: manifest.files, template };
}

/** The folder each function's code asset packages (a zip named by the asset's hash). */
function codeFolders(outdir: string, assets: Record<string, FileAsset>, template: any): string[] {
  const functions = Object.values(Template.fromJSON(template).findResources('AWS::Lambda::Function'));
  expect(functions).toHaveLength(BINARIES.length);
  return functions.map((fn) => {
    const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
    const asset = assets[hash];
    expect(asset?.source.packaging).toBe('zip');
    return path.resolve(outdir, asset.source.path);
  });
}

function contains(dir: string, inner: string): boolean {
  const rel = path.relative(dir, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function prebuiltFolder(make: (dir: string, name: string) => void = () => {}): string {
  const dir = tempDir('jobs-prebuilt-');
  for (const name of BINARIES) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'bootstrap'), `#!/bin/sh\necho ${name}\n`, { mode: 0o755 });
    make(dir, name);
  }
  return dir;
}

/** The template with what differs between code sources taken out: asset keys and architectures. */
function withoutCode(template: any): any {
  const copy = JSON.parse(JSON.stringify(template));
  for (const resource of Object.values(copy.Resources) as any[]) {
    if (resource.Type === 'AWS::Lambda::Function') {
      delete resource.Properties.Code;
      delete resource.Properties.Architectures;
      delete resource.Metadata;
    }
  }
  return copy;
}

test('the offline cloud assembly packages a placeholder for each function, never the repository', () => {
  const { outdir, assets, template } = assemble(OFFLINE_CONTEXT);
  expect(Object.keys(assets).length).toBeGreaterThan(0);
  for (const asset of Object.values(assets)) {
    const source = path.resolve(outdir, asset.source.path);
    expect(contains(source, REPO_ROOT)).toBe(false);
  }
  for (const folder of codeFolders(outdir, assets, template)) {
    expect(fs.readdirSync(folder)).toEqual(['bootstrap']);
    expect(fs.readFileSync(path.join(folder, 'bootstrap'))).toEqual(
      fs.readFileSync(path.join(OFFLINE_PLACEHOLDER_DIR, 'bootstrap')),
    );
  }
});

test('prebuilt bootstraps become the functions code, on the architecture the context names', () => {
  const dir = prebuiltFolder();
  const { outdir, assets, template } = assemble({ ...OFFLINE_CONTEXT, prebuiltLambdas: dir, lambdaArchitecture: 'x86_64' });
  const shipped = codeFolders(outdir, assets, template)
    .map((folder) => fs.readFileSync(path.join(folder, 'bootstrap'), 'utf8'))
    .sort();
  expect(shipped).toEqual(BINARIES.map((name) => `#!/bin/sh\necho ${name}\n`).sort());
  const functions = Template.fromJSON(template).findResources('AWS::Lambda::Function');
  expect(Object.keys(functions)).toHaveLength(BINARIES.length);
  for (const fn of Object.values(functions)) {
    expect(fn.Properties.Architectures).toEqual(['x86_64']);
    expect(fn.Properties.Runtime).toBe('provided.al2023');
    expect(fn.Properties.Handler).toBe('bootstrap');
  }
});

test('the prebuilt option changes the functions code and architecture, and nothing else', () => {
  const offline = assemble(OFFLINE_CONTEXT).template;
  const prebuilt = assemble({ prebuiltLambdas: prebuiltFolder(), lambdaArchitecture: 'x86_64' }).template;
  expect(withoutCode(prebuilt)).toEqual(withoutCode(offline));
  expect(prebuilt).not.toEqual(offline);
});

test('a prebuilt folder without a bootstrap fails the synth with the path it looked for', () => {
  const dir = prebuiltFolder((d, name) => {
    if (name === 'sweeper') fs.rmSync(path.join(d, name, 'bootstrap'));
  });
  expect(() => assemble({ prebuiltLambdas: dir })).toThrow(
    `context prebuiltLambdas=${dir}: no ${path.join(dir, 'sweeper', 'bootstrap')}`,
  );
});

test('a bootstrap that is not executable, or company in its folder, fails the synth', () => {
  const notExecutable = prebuiltFolder((d, name) => {
    if (name === 'api') fs.chmodSync(path.join(d, name, 'bootstrap'), 0o644);
  });
  expect(() => assemble({ prebuiltLambdas: notExecutable })).toThrow(/api\/bootstrap is not executable/);
  const extra = prebuiltFolder((d, name) => {
    if (name === 'processor') fs.writeFileSync(path.join(d, name, 'bootstrap.d'), '');
  });
  expect(() => assemble({ prebuiltLambdas: extra })).toThrow(/processor holds more than the bootstrap \(bootstrap.d\)/);
});

test('an architecture Lambda does not run fails the synth', () => {
  expect(() => assemble({ ...OFFLINE_CONTEXT, lambdaArchitecture: 'riscv64' })).toThrow(
    'context lambdaArchitecture=riscv64 is not an architecture Lambda runs: use arm64 or x86_64',
  );
});
