// Generates the JSONata differential corpus and evaluates every expression with the reference
// implementation (npm jsonata 2.0.6, the version Step Functions implements). Prints one JSON
// document: { bindings, cases: [{ id, expr, outcome }] } where outcome is
// { value } | { undefined: true } | { error: code }.
//
// usage: node corpus.mjs [count]   (default 2400; the generator is seeded, so the corpus is
//                                   the same on every run)
//
// As in Step Functions, no input document is given: every expression reads its data from
// variables, here the fixed `bindings` below.

import jsonata from 'jsonata';

const count = Number(process.argv[2] ?? 2400);

const bindings = {
  n: 7,
  m: -2.5,
  z: 0,
  big: 12345.6789,
  s: 'Hello, World',
  e: '',
  t: 'a,b,,c',
  spaced: '  padded text  ',
  b: true,
  f: false,
  nul: null,
  nums: [3, 1, 4, 1, 5, 9, 2, 6],
  strs: ['pear', 'apple', 'fig', 'banana'],
  mixed: [1, 'two', true, null, { k: 3 }, [4, 5]],
  empty: [],
  nested: [[1, 2], [3, [4, 5]], []],
  obj: { a: 1, b: 'x', c: [1, 2, 3], d: { e: { f: 'deep' } }, 'odd key': 5 },
  orders: [
    { id: 'o1', customer: 'ann', total: 120.5, items: [{ sku: 'A', qty: 2, price: 10 }, { sku: 'B', qty: 1, price: 100.5 }], status: 'OPEN', date: '2024-03-14T01:59:00Z' },
    { id: 'o2', customer: 'bob', total: 15, items: [{ sku: 'C', qty: 3, price: 5 }], status: 'SHIPPED', date: '2024-01-02T10:00:00.000Z' },
    { id: 'o3', customer: 'ann', total: 0, items: [], status: 'CANCELLED', date: '2023-12-31T23:59:59Z' },
    { id: 'o4', customer: 'cy', total: 999.99, items: [{ sku: 'A', qty: 10, price: 10 }, { sku: 'D', qty: 1, price: 899.99 }], status: 'OPEN', date: '2024-06-01T00:00:00+02:00' },
  ],
  input: { id: 'job-1', parameters: { n: 2, mode: 'fast', tags: ['x', 'y'] }, retries: 3 },
  ts: '2024-03-14T01:59:26.535Z',
  millis: 1710381566535,
  json: '{"a": [1, 2, {"b": null}], "c": "d"}',
};

// Seeded PRNG (mulberry32) so the corpus is the same every run.
let seed = 0x5eed1234;
function rnd() {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];

const numbers = ['$n', '$m', '$z', '$big', '3', '0.5', '-4', '1e3', '$count($nums)', '$nums[0]', '$orders[1].total', '$input.retries', '$nul', '$s', '$b', '$nums'];
const strings = ['$s', '$e', '$t', '$spaced', "'abc'", "'Ünïcødé ✓'", '$obj.b', '$orders[0].customer', '$input.parameters.mode', '$string($n)', '$ts', '$json', '$n', '$nul', '$strs'];
const arrays = ['$nums', '$strs', '$mixed', '$empty', '$nested', '$obj.c', '$orders', '$orders.items', '$orders.items.qty', '$input.parameters.tags', '[1,2,3]', '[]', '[[1],[2,[3]]]', '$n', '$s', '$obj'];
const objects = ['$obj', '$input', '$input.parameters', '$orders[0]', '{}', "{'x': 1, 'y': [2]}", '$obj.d', '$nums', '$s'];
const anys = [...numbers, ...strings, ...arrays, ...objects, '$b', '$f', '$nul', '$missing', '$obj.nope'];
const preds = ['total > 100', "status = 'OPEN'", "customer in ['ann', 'cy']", '$count(items) > 0', 'total', "$contains(id, '2')", 'items.qty > 2', 'false', '$not(total)'];
const sortKeys = ['total', 'customer', '>total', '<customer, >total', 'id', 'date'];
const lambdas = ['function($v) { $v * 2 }', 'function($v, $i) { $v + $i }', 'function($v) { $v > 3 }', 'function($v) { $string($v) }', 'function($v) { $type($v) }'];
// No exponent picture: jsonata 2.0.6 loops forever formatting zero or a negative number with
// one (fixed in 2.1), which would hang the reference side.
const pictures = ["'#,##0.00'", "'00'", "'#%'", "'#,###.##;(#)'", "'x'", "'#0.0#'"];
const datePics = ["'[Y0001]-[M01]-[D01]'", "'[H01]:[m01]:[s01].[f001]'", "'[FNn], [D1o] [MNn] [Y]'", "'[Y]-[d]'", "'[h].[m01][P]'"];

const templates = [
  // arithmetic and numeric functions
  () => `${pick(numbers)} ${pick(['+', '-', '*', '/', '%'])} ${pick(numbers)}`,
  () => `(${pick(numbers)} ${pick(['+', '-', '*'])} ${pick(numbers)}) ${pick(['/', '*', '%'])} ${pick(numbers)}`,
  () => `-${pick(numbers)}`,
  () => `$${pick(['abs', 'floor', 'ceil', 'sqrt', 'number', 'string', 'boolean', 'not', 'exists', 'type', 'count'])}(${pick(anys)})`,
  () => `$round(${pick(numbers)}${pick(['', ', 1', ', 2', ', -1', ', 0'])})`,
  () => `$power(${pick(numbers)}, ${pick(['2', '0.5', '-1', '3', '$n'])})`,
  () => `$formatNumber(${pick(numbers)}, ${pick(pictures)})`,
  () => `$formatBase(${pick(numbers)}, ${pick(['2', '16', '36', '8'])})`,
  () => `$formatInteger(${pick(['7', '$n', '1999', '42', '0'])}, ${pick(["'w'", "'W'", "'I'", "'i'", "'0001'", "'#,##0'", "'Ww'"])})`,
  () => `$parseInteger(${pick(["'twelve'", "'MMXXIV'", "'1,234'", "'007'"])}, ${pick(["'w'", "'I'", "'#,##0'", "'000'"])})`,
  () => `$${pick(['sum', 'max', 'min', 'average'])}(${pick(arrays)})`,
  // comparison and boolean
  () => `${pick(anys)} ${pick(['=', '!=', '<', '<=', '>', '>='])} ${pick(anys)}`,
  () => `${pick(anys)} ${pick(['and', 'or'])} ${pick(anys)}`,
  () => `${pick(anys)} in ${pick(arrays)}`,
  () => `${pick(anys)} ? ${pick(anys)} : ${pick(anys)}`,
  () => `${pick(anys)} ? ${pick(anys)}`,
  // strings
  () => `${pick(strings)} & ${pick(anys)}`,
  () => `$${pick(['uppercase', 'lowercase', 'trim', 'length', 'base64encode', 'encodeUrlComponent', 'encodeUrl'])}(${pick(strings)})`,
  () => `$substring(${pick(strings)}, ${pick(['0', '2', '-3', '5', '$n'])}${pick(['', ', 3', ', 0', ', -1', ', 100'])})`,
  () => `$${pick(['substringBefore', 'substringAfter', 'contains'])}(${pick(strings)}, ${pick(["','", "'l'", "'World'", "''", "'zz'", '/l+/'])})`,
  () => `$split(${pick(strings)}, ${pick(["','", "''", "' '", '/[,o]/', "'l'"])}${pick(['', ', 2', ', 0'])})`,
  () => `$join(${pick(arrays)}${pick(['', ", '-'", ", ''", ', 1'])})`,
  () => `$pad(${pick(strings)}, ${pick(['10', '-10', '3', '0'])}${pick(['', ", '*'", ", '-+'"])})`,
  () => `$replace(${pick(strings)}, ${pick(["'l'", '/o(.)/', "'World'", '/[aeiou]/i'])}, ${pick(["'L'", "'$1$1'", "''", "'#'"])}${pick(['', ', 1', ', 0'])})`,
  () => `$match(${pick(strings)}, ${pick(['/l+/', '/(\\w)(o)/', '/x/', '/[A-Z]/'])})`,
  () => `$string(${pick(anys)}${pick(['', ', true'])})`,
  () => `$base64decode($base64encode(${pick(strings)}))`,
  () => `$decodeUrlComponent($encodeUrlComponent(${pick(strings)}))`,
  () => `$eval(${pick(["'1 + 1'", "'[1,2,3]'", "'$n'"])})`,
  // arrays and sequences
  () => `${pick(arrays)}[${pick(['0', '-1', '1', '[0..1]', '$n', 'true', '100'])}]`,
  () => `$${pick(['reverse', 'distinct', 'sort', 'count', 'shuffle', 'zip'])}(${pick(arrays)})`.replace('$shuffle(', '$count($shuffle('),
  () => `$append(${pick(anys)}, ${pick(anys)})`,
  () => `[${pick(anys)}, ${pick(anys)}]`,
  () => `[${pick(['1..5', '0..0', '3..1', '$n..10', '1..$count($nums)'])}]`,
  () => `$map(${pick(arrays)}, ${pick(lambdas)})`,
  () => `$filter(${pick(arrays)}, ${pick(lambdas)})`,
  () => `$reduce(${pick(arrays)}, ${pick(['function($a, $v) { $a + $v }', 'function($a, $v) { $a & $v }', 'function($a, $v) { $max([$a, $v]) }'])}${pick(['', ', 0', ", ''"])})`,
  () => `$sort(${pick(arrays)}, function($l, $r) { $l ${pick(['>', '<'])} $r })`,
  () => `$single(${pick(arrays)}${pick(['', ', function($v) { $v = 1 }'])})`,
  () => `${pick(arrays)}#$i[$i ${pick(['<', '>', '='])} ${pick(['1', '2', '0'])}]`,
  // paths, filters, maps, grouping
  () => `$orders[${pick(preds)}].${pick(['id', 'total', 'customer', 'items.sku', 'status'])}`,
  () => `$orders^(${pick(sortKeys)}).id`,
  () => `$orders.${pick(['id', 'total', 'items.sku', 'items[qty > 1].sku', '$count(items)', '(total * 2)', 'customer & "-" & id'])}`,
  () => `$orders{${pick(['customer', 'status'])}: ${pick(['total', '$sum(total)', 'id', '$count(id)', '[id]'])}}`,
  () => `$orders.items{sku: ${pick(['qty', '$sum(qty)', 'price * qty'])}}`,
  () => `$obj.${pick(['a', 'b', 'c[1]', 'd.e.f', '`odd key`', 'nope', '*', '**.f', 'c.$string()', 'd.**'])}`,
  () => `$input.${pick(['id', 'parameters.n', 'parameters.tags[0]', 'parameters.*', 'retries + 1', '$keys(parameters)'])}`,
  () => `$orders[${pick(['0', '-1', '$count($orders) - 1'])}].items[${pick(['0', 'price > 5', '-1'])}].${pick(['sku', 'qty', 'price'])}`,
  () => `$orders@$o.$o.items@$i.{'o': $o.id, 'sku': $i.sku}`,
  () => `$orders.items.(qty * price)`,
  () => `$sum($orders.items.(qty * price))`,
  () => `$orders[${pick(preds)}] ~> $count()`,
  // objects
  () => `$${pick(['keys', 'spread', 'each', 'sift', 'merge'])}(${pick(objects)}${pick(['', ', function($v, $k) { $k }', ', function($v) { $type($v) = "number" }'])})`.replace('$merge(', '$merge([').replace(/\$merge\(\[([^)]*)\)/, '$merge([$1])'),
  () => `$lookup(${pick(objects)}, ${pick(["'a'", "'id'", "'x'", "'nope'"])})`,
  () => `{${pick(["'k'", '$s', "'n'"])}: ${pick(anys)}, 'v': ${pick(anys)}}`,
  () => `$merge([${pick(objects)}, ${pick(objects)}])`,
  () => `${pick(objects)} ~> |${pick(['$', 'parameters', 'd'])}|{'added': ${pick(anys)}}${pick(['', ", ['a']", ", 'b'"])}|`,
  // dates (fixed instants only)
  () => `$fromMillis(${pick(['$millis', '0', '1000000000000', '$millis + 86400000'])}${pick(['', ', ' + pick(datePics), ', ' + pick(datePics) + ", '+0530'"])})`,
  () => `$toMillis(${pick(["$ts", "'2024-03-14'", "'2024-03-14T01:59:00+01:00'", "$orders[3].date", "'not a date'"])}${pick(['', ", '[Y0001]-[M01]-[D01]'"])})`,
  () => `$toMillis($fromMillis(${pick(['$millis', '0', '123456789'])}))`,
  // blocks, bindings and functions
  () => `($x := ${pick(anys)}; $y := ${pick(anys)}; ${pick(['$x + $y', '$x & $y', '[$x, $y]', '$x = $y', '{"x": $x}'])})`,
  () => `($f := ${pick(lambdas)}; $f(${pick(anys)}))`,
  () => `($fact := function($k) { $k <= 1 ? 1 : $k * $fact($k - 1) }; $fact(${pick(['5', '10', '0', '$n'])}))`,
  () => `${pick(anys)} ~> $${pick(['string', 'count', 'type', 'exists', 'boolean'])}()`,
  () => `$${pick(['substring', 'uppercase'])}~>$${pick(['length', 'type'])}`,
  () => `${pick(anys)}.${pick(['$type($)', '$string()', '$', '$count($)'])}`,
  () => `$assert(${pick(anys)}, 'assertion message')`,
  () => `$error(${pick(["'boom'", '$s', ''])})`,
  () => `$exists(${pick(anys)}) and $type(${pick(anys)}) = ${pick(["'string'", "'number'", "'array'", "'object'", "'null'", "'boolean'", "'undefined'"])}`,
];

const seen = new Set();
const cases = [];
let guard = 0;
while (cases.length < count && guard < count * 50) {
  guard += 1;
  const expr = pick(templates)();
  if (seen.has(expr)) continue;
  seen.add(expr);
  cases.push({ id: cases.length + 1, expr });
}

async function outcome(expr) {
  try {
    const v = await jsonata(expr).evaluate(undefined, bindings);
    if (v === undefined) return { undefined: true };
    // Functions and regexes are not JSON: Step Functions cannot carry them either.
    if (typeof v === 'function' || v instanceof RegExp || v?._jsonata_lambda || v?._jsonata_function) {
      return { error: 'non-json' };
    }
    return { value: JSON.parse(JSON.stringify(v)) };
  } catch (e) {
    return { error: e.code ?? 'error' };
  }
}

for (const c of cases) c.outcome = await outcome(c.expr);
process.stdout.write(JSON.stringify({ bindings, cases }) + '\n');
