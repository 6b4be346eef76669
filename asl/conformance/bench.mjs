// The two jobs-asl benchmarks, run the same way through aws-local-stepfunctions.
//
//   node bench.mjs transitions [states] [executions]
//   node bench.mjs concurrent [executions]

if (!Promise.withResolvers) {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  };
}

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateMachine } from 'aws-local-stepfunctions';

const here = dirname(fileURLToPath(import.meta.url));
const [mode = 'transitions', a1, a2] = process.argv.slice(2);

function chain(n) {
  const States = {};
  for (let i = 0; i < n; i++) {
    States[`S${i}`] = {
      Type: 'Pass',
      Parameters: { 'id.$': '$.id', 'parameters.$': '$.parameters', step: i, note: 'static' },
      ...(i + 1 === n ? { End: true } : { Next: `S${i + 1}` }),
    };
  }
  return { StartAt: 'S0', States };
}

const input = { id: 'job-1', parameters: { n: 1 } };

if (mode === 'transitions') {
  const states = Number(a1 ?? 100);
  const runs = Number(a2 ?? 2000);
  const m = new StateMachine(chain(states));
  for (let i = 0; i < runs / 10; i++) await m.run(input).result;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await m.run(input).result;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${runs} executions x ${states} Pass states: ${s.toFixed(3)} s, ${((s * 1e6) / (runs * states)).toFixed(3)} us per transition`);
} else {
  const n = Number(a1 ?? 10000);
  let text = readFileSync(join(here, '../../statemachine/jobs.asl.json'), 'utf8');
  const subs = {
    ProcessorFunctionArn: 'arn:aws:lambda:local:0:function:processor',
    ErrorHandlerFunctionArn: 'arn:aws:lambda:local:0:function:error-handler',
    FailedJobsEventBusName: 'failed-jobs',
  };
  for (const [k, v] of Object.entries(subs)) text = text.split('${' + k + '}').join(v);
  const m = new StateMachine(JSON.parse(text), { validationOptions: { checkArn: false } });
  const handlers = {
    ProcessJob: async (inp) => {
      await new Promise((r) => setTimeout(r, 1000));
      const p = inp.Payload;
      return { StatusCode: 200, Payload: { id: p.id, status: 'Success', results: { message: 'I slept for 1 seconds' } } };
    },
  };
  const t0 = process.hrtime.bigint();
  const runs = [];
  for (let i = 0; i < n; i++) {
    const id = `job-${i}`;
    runs.push(
      m.run({ id, parameters: { n: 1 } }, {
        overrides: { taskResourceLocalHandlers: handlers },
        context: { Execution: { Id: `arn:aws:states:local:0:execution:jobs:${id}`, Name: id } },
      }).result,
    );
  }
  const results = await Promise.allSettled(runs);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(`${n} concurrent executions (${ok} succeeded): ${s.toFixed(3)} s wall, peak RSS ${rss.toFixed(1)} MB`);
}
process.exit(0);
