import * as fs from 'fs';
import { DeclaredFunction, parseFunctionsManifest } from '../lib/functions-manifest';
import { declaredFunctions } from '../lib/jobs-functions';
import { invokedFunctions } from '../lib/jobs-workflow';
import { FUNCTIONS_MANIFEST, LAMBDA_FUNCTIONS } from '../lib/paths';
import { resourceByPrefix, synthJobsStack } from './synth';

const FILE = 'functions.json';
const manifestText = fs.readFileSync(FUNCTIONS_MANIFEST, 'utf8');

/** The manifest with its entry `key` changed by `edit`. */
function edited(key: string, edit: (entry: Record<string, unknown>) => void): string {
  const doc = JSON.parse(manifestText);
  edit(doc.functions.find((f: { key: string }) => f.key === key));
  return JSON.stringify(doc);
}

describe('lambdas/functions.json', () => {
  test('declares each function once, the processor and error handler as the ones the workflow invokes', () => {
    expect(LAMBDA_FUNCTIONS.map((f) => f.key)).toEqual(['api', 'processor', 'errorHandler', 'sweeper']);
    expect(LAMBDA_FUNCTIONS.filter((f) => f.substitution).map((f) => [f.key, f.substitution, f.localName])).toEqual([
      ['processor', 'ProcessorFunctionArn', 'jobs-processor'],
      ['errorHandler', 'ErrorHandlerFunctionArn', 'jobs-error-handler'],
    ]);
  });

  test('a bad entry is refused with its place and what is wrong', () => {
    const bad = (text: string) => () => parseFunctionsManifest(text, FILE);
    expect(bad('{')).toThrow(/^functions.json is not JSON/);
    expect(bad('{"functions": []}')).toThrow('functions.json: "functions" is empty');
    expect(bad(edited('sweeper', (e) => delete e.bin))).toThrow('functions.json: functions[3] ("sweeper"): missing bin');
    expect(bad(edited('api', (e) => (e.memory = 256)))).toThrow('functions[0] ("api"): unknown field "memory"');
    expect(bad(edited('processor', (e) => (e.timeoutSeconds = 'fromjob')))).toThrow(
      'functions[1] ("processor"): timeoutSeconds must be whole seconds from 1 to 900, or "fromJob"',
    );
    expect(bad(edited('api', (e) => (e.timeoutSeconds = 901)))).toThrow(/timeoutSeconds must be whole seconds/);
    expect(bad(edited('api', (e) => (e.memoryMb = 64)))).toThrow('memoryMb must be a whole number of MB from 128 to 10240, not 64');
    expect(bad(edited('api', (e) => (e.bin = 'Api')))).toThrow('functions[0] ("api"): bin must match');
    expect(bad(edited('errorHandler', (e) => delete e.localName))).toThrow(
      'functions[2] ("errorHandler"): substitution and localName go together',
    );
    expect(bad(edited('sweeper', (e) => (e.bin = 'api')))).toThrow(
      'functions.json: functions "api" and "sweeper" both have bin "api": each must be unique',
    );
  });
});

describe('what CDK takes from it', () => {
  const only = (keys: string[]): DeclaredFunction[] => LAMBDA_FUNCTIONS.filter((f) => keys.includes(f.key));

  test('a function CDK builds that the manifest lacks, or one it declares that CDK does not build, fails the synth', () => {
    expect(() => declaredFunctions(only(['api', 'processor', 'errorHandler']))).toThrow(
      /declares no function sweeper: CDK builds it/,
    );
    const extra = { ...LAMBDA_FUNCTIONS[0], key: 'reporter', bin: 'reporter' };
    expect(() => declaredFunctions([...LAMBDA_FUNCTIONS, extra])).toThrow(
      /declares reporter, which CDK does not build yet: add it to JobsFunctions/,
    );
    expect(Object.keys(declaredFunctions())).toEqual(['api', 'processor', 'errorHandler', 'sweeper']);
  });

  test('the workflow gets one substitution per invoked function, and each must be given', () => {
    expect(invokedFunctions({ processor: 'p', errorHandler: 'e' })).toEqual([
      { substitution: 'ProcessorFunctionArn', fn: 'p' },
      { substitution: 'ErrorHandlerFunctionArn', fn: 'e' },
    ]);
    expect(() => invokedFunctions({ processor: 'p' })).toThrow(/the workflow invokes errorHandler .* not given/);
    expect(() => invokedFunctions({ processor: 'p', errorHandler: 'e', api: 'a' })).toThrow(
      /api has no substitution, but JobsWorkflow is given it/,
    );
  });

  test("the state machine's substitutions are the declared ones, each the ARN of its function", () => {
    const { template } = synthJobsStack();
    const [, machine] = resourceByPrefix(template, 'AWS::StepFunctions::StateMachine', 'WorkflowStateMachine');
    const subs = machine.Properties.DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>;
    const declared = LAMBDA_FUNCTIONS.filter((f) => f.substitution);
    expect(Object.keys(subs).sort()).toEqual([...declared.map((f) => f.substitution!), 'FailedJobsEventBusName'].sort());
    for (const fn of declared) {
      const [logicalId, attribute] = subs[fn.substitution!]['Fn::GetAtt'];
      expect(attribute).toBe('Arn');
      expect(template.toJSON().Resources[logicalId].Type).toBe('AWS::Lambda::Function');
      expect(logicalId.startsWith(`Functions${fn.key[0].toUpperCase()}${fn.key.slice(1)}`)).toBe(true);
    }
  });
});
