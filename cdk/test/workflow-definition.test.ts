import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXPRESS_LIMIT_SECONDS, loadDefinition, workflowTypeOf } from '../lib/jobs-workflow';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { JobsStack } from '../lib/jobs-stack';
import { STATE_MACHINE_DEFINITION } from '../lib/paths';
import { OFFLINE_CONTEXT } from './synth';

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

  test('a run past the Express window says what to change, and synthesizes as STANDARD', () => {
    const long = writeVariant((asl) => {
      asl.TimeoutSeconds = 3700;
      asl.States.ProcessJob.TimeoutSeconds = 3615;
    });
    expect(() => loadDefinition(long, SUBSTITUTIONS)).toThrow(/LIMITS\.time.*jobs -- generate.*workflowType=STANDARD/);
    expect(JSON.parse(loadDefinition(long, SUBSTITUTIONS, 'STANDARD')).TimeoutSeconds).toBe(3700);
    const beyondAYear = writeVariant((asl) => {
      asl.TimeoutSeconds = 366 * 24 * 3600;
    });
    expect(() => loadDefinition(beyondAYear, SUBSTITUTIONS, 'STANDARD')).toThrow(/one year/);
  });
});

describe('workflowTypeOf', () => {
  test('is EXPRESS by default, STANDARD when asked, and refuses anything else', () => {
    expect(workflowTypeOf(undefined)).toBe('EXPRESS');
    expect(workflowTypeOf('STANDARD')).toBe('STANDARD');
    expect(() => workflowTypeOf('standard')).toThrow(/EXPRESS or STANDARD/);
  });
});

describe('the stack option', () => {
  test('workflowType STANDARD builds a STANDARD state machine from the same definition', () => {
    const app = new App({ context: OFFLINE_CONTEXT });
    const stack = new JobsStack(app, 'Standard', { workflowType: 'STANDARD' });
    const machines = Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine');
    const types = Object.values(machines).map((r: any) => r.Properties.StateMachineType);
    expect(types).toEqual(['STANDARD']);
  });
});
