import * as fs from 'fs';

/**
 * Reads lambdas/functions.json, the one declaration of the Lambda functions: CDK builds
 * and configures each from it, the build scripts (cdk/scripts/lib.sh) and the local
 * stack read it too. lambdas/functions.schema.json states the same rules for editors;
 * this reader checks them itself so that a bad entry fails the synth with its place.
 */

/** A timeout in seconds, or `fromJob`: derived from the job's time limit (the processor). */
export type DeclaredTimeout = number | 'fromJob';

export interface DeclaredFunction {
  /** The name in code; the construct id is it with the first letter upper-cased. */
  readonly key: string;
  /** The Cargo package holding the binary. */
  readonly crate: string;
  /** The package's folder, from the repository root. */
  readonly path: string;
  /** The binary that becomes the function's bootstrap. */
  readonly bin: string;
  /** The package feature the binary requires (its entrypoint). */
  readonly feature: string;
  /** The workflow definition's `${...}` for this function's ARN, if the workflow invokes it. */
  readonly substitution?: string;
  /** The name the local stack runs it under, if the workflow invokes it. */
  readonly localName?: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: DeclaredTimeout;
}

/** The longest a Lambda function may run. */
const MAX_TIMEOUT_SECONDS = 900;

const FIELDS: Record<string, RegExp | 'memory' | 'timeout'> = {
  key: /^[a-z][A-Za-z0-9]*$/,
  crate: /^[a-z][a-z0-9-]*$/,
  path: /^lambdas\/[a-z0-9-]+$/,
  bin: /^[a-z][a-z0-9-]*$/,
  feature: /^[a-z][a-z0-9_-]*$/,
  substitution: /^[A-Za-z0-9_]+$/,
  localName: /^[A-Za-z0-9_-]{1,64}$/,
  memoryMb: 'memory',
  timeoutSeconds: 'timeout',
};
const REQUIRED = ['key', 'crate', 'path', 'bin', 'feature', 'memoryMb', 'timeoutSeconds'];
/** Two functions may not share these: each names one function. */
const UNIQUE = ['key', 'bin', 'substitution', 'localName'] as const;

/** The construct id of a declared function: `errorHandler` becomes `ErrorHandler`. */
export function constructIdOf(fn: DeclaredFunction): string {
  return fn.key[0].toUpperCase() + fn.key.slice(1);
}

/** `crate/feature`, as `cargo --features` takes it. */
export function cargoFeatureOf(fn: DeclaredFunction): string {
  return `${fn.crate}/${fn.feature}`;
}

export function readFunctionsManifest(file: string): DeclaredFunction[] {
  return parseFunctionsManifest(fs.readFileSync(file, 'utf8'), file);
}

/** The functions of a manifest's text; throws naming the file, the entry and what to fix. */
export function parseFunctionsManifest(text: string, file: string): DeclaredFunction[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { functions?: unknown }).functions)) {
    throw new Error(`${file}: expected an object with a "functions" array (see lambdas/functions.schema.json)`);
  }
  const extra = Object.keys(doc).filter((k) => k !== 'functions' && k !== '$schema');
  if (extra.length > 0) {
    throw new Error(`${file}: unknown top-level field(s) ${extra.join(', ')}: only "functions" is read`);
  }
  const entries = (doc as { functions: unknown[] }).functions;
  if (entries.length === 0) {
    throw new Error(`${file}: "functions" is empty: declare at least one function`);
  }
  const functions = entries.map((entry, i) => checkEntry(entry, `${file}: functions[${i}]`));
  for (const field of UNIQUE) {
    const seen = new Map<string, string>();
    for (const fn of functions) {
      const value = fn[field];
      if (value === undefined) continue;
      const other = seen.get(value);
      if (other !== undefined) {
        throw new Error(`${file}: functions "${other}" and "${fn.key}" both have ${field} "${value}": each must be unique`);
      }
      seen.set(value, fn.key);
    }
  }
  return functions;
}

function checkEntry(entry: unknown, at: string): DeclaredFunction {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new Error(`${at}: expected an object`);
  }
  const record = entry as Record<string, unknown>;
  const named = typeof record.key === 'string' ? `${at} ("${record.key}")` : at;
  const missing = REQUIRED.filter((f) => !(f in record));
  if (missing.length > 0) {
    throw new Error(`${named}: missing ${missing.join(', ')}`);
  }
  for (const [field, value] of Object.entries(record)) {
    const rule = FIELDS[field];
    if (rule === undefined) {
      throw new Error(`${named}: unknown field "${field}" (fields: ${Object.keys(FIELDS).join(', ')})`);
    }
    if (rule === 'memory') {
      if (!Number.isInteger(value) || (value as number) < 128 || (value as number) > 10240) {
        throw new Error(`${named}: memoryMb must be a whole number of MB from 128 to 10240, not ${JSON.stringify(value)}`);
      }
    } else if (rule === 'timeout') {
      const seconds = Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_TIMEOUT_SECONDS;
      if (!seconds && value !== 'fromJob') {
        throw new Error(
          `${named}: timeoutSeconds must be whole seconds from 1 to ${MAX_TIMEOUT_SECONDS}, or "fromJob" ` +
            `(derived from the job's time limit), not ${JSON.stringify(value)}`,
        );
      }
    } else if (typeof value !== 'string' || !rule.test(value)) {
      throw new Error(`${named}: ${field} must match ${rule}, not ${JSON.stringify(value)}`);
    }
  }
  // The workflow invokes the function by its substitution; locally that is the name it runs under.
  if (('substitution' in record) !== ('localName' in record)) {
    throw new Error(
      `${named}: substitution and localName go together (a function the workflow invokes has both; others neither)`,
    );
  }
  return record as unknown as DeclaredFunction;
}
