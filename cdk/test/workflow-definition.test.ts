import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXPRESS_LIMIT_SECONDS, loadDefinition } from '../lib/jobs-workflow';
import { STATE_MACHINE_DEFINITION } from '../lib/paths';

const SUBSTITUTIONS = {
  ProcessorFunctionArn: 'arn:processor',
  ErrorHandlerFunctionArn: 'arn:error-handler',
  FailedJobsEventBusName: 'failed-jobs',
};

function writeVariant(mutate: (asl: any) => void): string {
  const asl = JSON.parse(fs.readFileSync(STATE_MACHINE_DEFINITION, 'utf8'));
  mutate(asl);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'asl-')), 'jobs.asl.json');
  fs.writeFileSync(file, JSON.stringify(asl));
  return file;
}

describe('loadDefinition', () => {
  test('accepts the shared definition with the three substitutions', () => {
    const text = loadDefinition(STATE_MACHINE_DEFINITION, SUBSTITUTIONS);
    expect(JSON.parse(text).StartAt).toBe('ProcessJob');
  });

  test('refuses a definition that needs a substitution nobody provides', () => {
    const file = writeVariant((asl) => {
      asl.States.ProcessJob.Parameters.FunctionName = '${SomethingElse}';
    });
    expect(() => loadDefinition(file, { ...SUBSTITUTIONS, ProcessorFunctionArn: 'x' })).toThrow(/SomethingElse/);
  });

  test('refuses a substitution the definition does not use', () => {
    expect(() => loadDefinition(STATE_MACHINE_DEFINITION, { ...SUBSTITUTIONS, Extra: 'x' })).toThrow(/Extra/);
  });

  test('refuses a run that could reach the Express limit, or is unbounded', () => {
    const atLimit = writeVariant((asl) => {
      asl.TimeoutSeconds = EXPRESS_LIMIT_SECONDS;
    });
    expect(() => loadDefinition(atLimit, SUBSTITUTIONS)).toThrow(/TimeoutSeconds/);
    const unbounded = writeVariant((asl) => {
      delete asl.TimeoutSeconds;
    });
    expect(() => loadDefinition(unbounded, SUBSTITUTIONS)).toThrow(/TimeoutSeconds/);
  });
});
