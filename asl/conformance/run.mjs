// Runs every conformance fixture through aws-local-stepfunctions and prints one JSON array of
// results: [{ name, status, output, error, cause, path }].
//
// usage: node run.mjs [fixtures-dir]

// aws-local-stepfunctions uses Promise.withResolvers (Node 22); provide it on Node 20.
if (!Promise.withResolvers) {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  };
}

import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateMachine, ExecutionError, ExecutionTimeoutError } from 'aws-local-stepfunctions';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const fixturesDir = resolve(process.argv[2] ?? join(here, 'fixtures'));

const EXECUTION_ARN = 'arn:aws:states:local:000000000000:execution:conformance:exec-1';

function loadDefinition(fx) {
  if (fx.definition) return fx.definition;
  let text = readFileSync(join(repoRoot, fx.definitionFile), 'utf8');
  for (const [k, v] of Object.entries(fx.substitutions ?? {})) {
    text = text.split('${' + k + '}').join(v);
  }
  return JSON.parse(text);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One handler per scripted Task state: each call takes the next outcome; the last repeats.
function handlers(tasks) {
  const out = {};
  for (const [state, script] of Object.entries(tasks ?? {})) {
    let calls = 0;
    out[state] = async (input) => {
      const o = script[Math.min(calls, script.length - 1)];
      calls += 1;
      if (o.sleepSeconds) await sleep(o.sleepSeconds * 1000);
      if (o.throw) {
        const e = new Error(o.throw.cause ?? '');
        e.name = o.throw.error;
        throw e;
      }
      if ('return' in o) return o.return;
      return input;
    };
  }
  return out;
}

// Retry waits are not what is compared: make them instant so the run stays fast.
function retryOverrides(states, out = {}) {
  for (const [name, st] of Object.entries(states)) {
    if (st.Retry) out[name] = 0;
    for (const b of st.Branches ?? []) retryOverrides(b.States, out);
    const proc = st.ItemProcessor ?? st.Iterator;
    if (proc) retryOverrides(proc.States, out);
  }
  return out;
}

async function runFixture(name, fx) {
  const definition = loadDefinition(fx);
  const machine = new StateMachine(definition, {
    validationOptions: { checkArn: false, checkPaths: true },
  });
  const topLevel = new Set(Object.keys(definition.States));
  const execution = machine.run(fx.input ?? {}, {
    overrides: {
      taskResourceLocalHandlers: handlers(fx.tasks),
      retryIntervalOverrides: retryOverrides(definition.States),
    },
    context: { Execution: { Id: EXECUTION_ARN, Name: 'exec-1' } },
  });
  const path = [];
  let failed = null;
  const logs = (async () => {
    for await (const ev of execution.eventLogs) {
      if (ev.type === 'StateEntered' && ev.index === undefined && topLevel.has(ev.state.name)) {
        path.push(ev.state.name);
      }
      if (ev.type === 'ExecutionFailed') failed = { error: ev.Error, cause: ev.Cause };
    }
  })();
  const res = { name, status: 'SUCCEEDED', output: null, error: null, cause: null, path };
  try {
    res.output = await execution.result;
  } catch (e) {
    if (e instanceof ExecutionTimeoutError) {
      res.status = 'TIMED_OUT';
      res.error = 'States.Timeout';
    } else if (e instanceof ExecutionError) {
      res.status = 'FAILED';
      res.error = e.cause?.name ?? null;
      res.cause = e.cause?.message ?? null;
    } else {
      res.status = 'ERROR';
      res.cause = String(e?.stack ?? e);
    }
  }
  await Promise.race([logs, sleep(100)]);
  if (res.status === 'FAILED' && failed) {
    res.error = failed.error ?? res.error;
    res.cause = typeof failed.cause === 'string' ? failed.cause : res.cause;
  }
  return res;
}

const names = readdirSync(fixturesDir).filter((f) => f.endsWith('.json')).sort();
const results = await Promise.all(
  names.map((f) => {
    const fx = JSON.parse(readFileSync(join(fixturesDir, f), 'utf8'));
    const name = f.replace(/\.json$/, '');
    return runFixture(name, fx).catch((e) => ({ name, status: 'ERROR', cause: String(e?.message ?? e), path: [] }));
  }),
);
process.stdout.write(JSON.stringify(results, null, 2) + '\n', () => {
  // Timers of abandoned work (a timed-out execution's Wait) must not keep the process alive.
  process.exit(0);
});
