// Static checks of the workflow definition: it is valid ASL (asl-validator),
// and it keeps the workflow contract of DESIGN.md.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const validate = require('asl-validator');

const text = fs.readFileSync(path.join(__dirname, '..', 'jobs.asl.json'), 'utf8');
const definition = JSON.parse(text);
const states = definition.States;

const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

// What CDK does before deploying: fill the ${...} substitutions.
function substituted() {
  return JSON.parse(
    text
      .replaceAll('${ProcessorFunctionArn}', 'arn:aws:lambda:us-east-1:123456789012:function:jobs-processor')
      .replaceAll('${ErrorHandlerFunctionArn}', 'arn:aws:lambda:us-east-1:123456789012:function:jobs-error-handler')
      .replaceAll('${FailedJobsEventBusName}', 'failed-jobs'),
  );
}

function errorsOf(candidate) {
  const { isValid, errors } = validate(candidate);
  return isValid ? [] : errors.map((e) => e.Message);
}

test('the definition is valid ASL, before and after substitution', () => {
  assert.deepEqual(errorsOf(definition), []);
  assert.deepEqual(errorsOf(substituted()), []);
});

test('the only substitutions are the ones CDK and the local stack fill', () => {
  const names = new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
  assert.deepEqual([...names].sort(), ['ErrorHandlerFunctionArn', 'FailedJobsEventBusName', 'ProcessorFunctionArn']);
});

test('the validator catches broken definitions (so the check above means something)', () => {
  const broken = [
    (d) => { d.States.RecordFailure.Next = 'NoSuchState'; },
    (d) => { delete d.States.ProcessJob.Resource; },
    (d) => { d.States.ProcessJob.Type = 'Job'; },
    (d) => { d.StartAt = 'Nowhere'; },
  ];
  for (const breakIt of broken) {
    const copy = structuredClone(definition);
    breakIt(copy);
    assert.notDeepEqual(errorsOf(copy), [], `accepted: ${breakIt}`);
  }
});

test('ProcessJob invokes the processor with the whole input and passes its output on', () => {
  assert.equal(definition.StartAt, 'ProcessJob');
  const task = states.ProcessJob;
  assert.equal(task.Type, 'Task');
  assert.equal(task.Resource, 'arn:aws:states:::lambda:invoke');
  assert.deepEqual(task.Parameters, { FunctionName: '${ProcessorFunctionArn}', 'Payload.$': '$' });
  assert.equal(task.OutputPath, '$.Payload');
  assert.equal(task.End, true);
});

test('Lambda tasks retry Lambda service errors with backoff, and only those', () => {
  for (const name of ['ProcessJob', 'RecordFailure']) {
    const retry = states[name].Retry;
    assert.equal(retry.length, 1, name);
    assert.deepEqual([...retry[0].ErrorEquals].sort(), [...LAMBDA_SERVICE_ERRORS].sort(), name);
    assert.ok(retry[0].BackoffRate > 1, `${name} backs off`);
    assert.ok(retry[0].MaxAttempts >= 2, `${name} retries`);
    assert.ok(retry[0].MaxDelaySeconds > 0, `${name} caps its delay`);
  }
});

test('any processor failure goes to RecordFailure with the error kept', () => {
  assert.deepEqual(states.ProcessJob.Catch, [
    { ErrorEquals: ['States.ALL'], ResultPath: '$.processorError', Next: 'RecordFailure' },
  ]);
  const task = states.RecordFailure;
  assert.equal(task.Resource, 'arn:aws:states:::lambda:invoke');
  assert.deepEqual(task.Parameters, { FunctionName: '${ErrorHandlerFunctionArn}', 'Payload.$': '$' });
  assert.equal(states[task.Next].Type, 'Fail', 'a recorded failure still fails the execution');
});

test('any error handler failure archives the job, then the execution fails', () => {
  assert.deepEqual(states.RecordFailure.Catch, [
    { ErrorEquals: ['States.ALL'], ResultPath: '$.errorHandlerError', Next: 'ArchiveFailedJob' },
  ]);
  const archive = states.ArchiveFailedJob;
  assert.equal(archive.Resource, 'arn:aws:states:::events:putEvents');
  const entries = archive.Parameters.Entries;
  assert.equal(entries.length, 1, 'one event per failed job');
  assert.equal(entries[0].EventBusName, '${FailedJobsEventBusName}');
  assert.equal(entries[0].Source, 'jobs.workflow');
  assert.equal(entries[0].DetailType, 'JobFailed');
  assert.deepEqual(
    Object.keys(entries[0].Detail).sort(),
    ['errorHandlerError.$', 'executionId.$', 'id.$', 'parameters.$', 'processorError.$'],
  );
  assert.equal(entries[0].Detail['id.$'], '$.id');
  assert.equal(entries[0].Detail['parameters.$'], '$.parameters');
  assert.ok(archive.Retry && archive.Retry.length > 0, 'the archive write is retried');
  assert.equal(states[archive.Next].Type, 'Fail');
});

// The timeouts themselves follow the job's time limit (`jobs generate` writes
// them; its --check fails on drift). Whether they fit an Express workflow is
// the deploy's question (CDK refuses an EXPRESS stack past 5 minutes, as the
// local stack does with --workflow-type EXPRESS).
test('the longest path through the tasks fits the workflow timeout', () => {
  assert.ok(definition.TimeoutSeconds > 0);
  // Longest path: every task to its timeout, plus every retry delay at its cap.
  let worst = 0;
  for (const name of ['ProcessJob', 'RecordFailure', 'ArchiveFailedJob']) {
    const task = states[name];
    assert.ok(task.TimeoutSeconds, `${name} has a timeout`);
    worst += task.TimeoutSeconds;
    for (const retry of task.Retry || []) {
      for (let attempt = 0; attempt < retry.MaxAttempts; attempt += 1) {
        worst += Math.min(retry.IntervalSeconds * retry.BackoffRate ** attempt, retry.MaxDelaySeconds ?? Infinity);
      }
    }
  }
  assert.ok(worst < definition.TimeoutSeconds, `worst case ${worst}s exceeds the workflow timeout`);
});
