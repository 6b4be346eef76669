#!/usr/bin/env python3
"""Runs the executions that LocalStack's Step Functions tests recorded on real AWS through
this interpreter, and says where the two agree.

    python3 asl/conformance/localstack_snapshots.py CHECKOUT [--report FILE] [--only TEXT]

CHECKOUT is a checkout of https://github.com/localstack/localstack (or its
tests/aws/services/stepfunctions folder). Run by hand, not by CI: CI cannot reach it.

Each test there keeps, in a *.snapshot.json beside it, what AWS returned when the test ran
against AWS, with every execution history it read. A case is one recorded history: its input
(the ExecutionStarted event), its end (status, output, or error and cause) and, for each Task
state, what the service returned (its TaskSucceeded / TaskFailed / Lambda* events), which is
what the mocked task hands back here. The definition is the template the test loads: named by
the test's parameter id, or the one template its body loads. Waits take no time.

A case is skipped, with its reason, when its definition cannot be found that way, when the
test builds or edits the definition in code, or when the history shows something this
replay cannot give (activities, an execution that did not end).

Comparison: the status; the output of a success, the error and cause of a failure. The
snapshots mask values that differ between runs (`<uuid:1>`, `<ExecutionArn>`, ...); a masked
part of the recorded value matches anything.
"""

import argparse
import ast
import itertools
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def json5(text):
    """JSON5 as the templates use it (comments, trailing commas) to JSON."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            i = text.find("*/", i) + 2
        else:
            out.append(c)
            i += 1
    s = "".join(out)
    s = re.sub(r",(\s*[}\]])", r"\1", s)
    return json.loads(s)


def sfn_dir(checkout):
    for cand in (checkout, os.path.join(checkout, "tests/aws/services/stepfunctions")):
        if os.path.isdir(os.path.join(cand, "templates")):
            return cand
    sys.exit(f"{checkout}: no templates/ folder here or under tests/aws/services/stepfunctions")


def template_constants(base):
    """Per templates module (dotted name), its constants: NAME -> template file."""
    consts = {}
    pat = re.compile(
        r'^[ \t]*(\w+)\s*(?::\s*Final\[str\])?\s*=\s*os\.path\.join\(\s*_THIS_FOLDER\s*,\s*"([^"]+)"',
        re.M,
    )
    for d, _, files in os.walk(os.path.join(base, "templates")):
        for f in files:
            if not f.endswith(".py"):
                continue
            path = os.path.join(d, f)
            text = open(path).read()
            mod = os.path.relpath(path, base)[:-3].replace(os.sep, ".")
            found = {}
            # Literal constants (placeholders, expressions the tests put in) count too.
            for node in ast.walk(ast.parse(text)):
                target = getattr(node, "targets", [getattr(node, "target", None)])[0] if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
                if isinstance(target, ast.Name) and node.value is not None:
                    try:
                        found[target.id] = ("text", ast.literal_eval(node.value))
                    except ValueError:
                        pass
            for m in pat.finditer(text):
                # Lambda handlers and other files live beside the templates.
                if m.group(2).endswith((".json5", ".json")):
                    found[m.group(1)] = os.path.join(d, m.group(2))
            if found:
                consts[mod] = found
    return consts


def imports(text):
    """alias -> templates module, from `from ...templates.x.y import Class as Alias`."""
    out = {}
    for m in re.finditer(
        r"from\s+tests\.aws\.services\.stepfunctions\.(templates\.[\w.]+)\s+import\s*\(?\s*(\w+)(?:\s+as\s+(\w+))?",
        text,
    ):
        out[m.group(3) or m.group(2)] = m.group(1)
    return out


def function_source(text, name):
    """The test function `name` with the decorators above it (its parametrize lists)."""
    lines = text.split("\n")
    at = next((i for i, l in enumerate(lines) if re.match(rf"\s*def {re.escape(name)}\(", l)), None)
    if at is None:
        return ""
    indent = re.match(r"\s*", lines[at]).group(0)

    def top(line):
        # A line of the class body at this level, not part of a signature's closing.
        return line.startswith(indent) and line[len(indent):][:1] not in ("", " ", ")", "]")

    start = at
    while start > 0 and not (top(lines[start - 1]) and not lines[start - 1].lstrip().startswith("@")):
        start -= 1
        if top(lines[start]) and lines[start].lstrip().startswith(("def ", "class ")):
            start += 1
            break
    # Skip the previous function's body: the decorators begin at the first line at this level.
    while start < at and not top(lines[start]):
        start += 1
    end = at + 1
    while end < len(lines) and not (top(lines[end]) and not lines[end].lstrip().startswith(")")):
        end += 1
    return "\n".join(lines[start:end])


EDITS = re.compile(r'(template|definition|sm_def)\w*\s*\[[^\]]+\](?:\[[^\]]+\])*\s*=(?!=)|\.replace\(|(template|definition)\w*(\[[^\]]+\])*\.(update|append|extend)\(')
HARMLESS = re.compile(r"Resource|FunctionName|[Aa]rn|ARN|PLACEHOLDER|__tbd__|QueueUrl|TopicArn|TableName|Bucket|StateMachineArn|Url")


def resolve(key, consts, tests_cache):
    """The template of snapshot `key`, or a reason it has none."""
    file, _, rest = key.partition("::")
    test = rest.split("::")[-1]
    name, _, param = test.partition("[")
    param = param[:-1] if param.endswith("]") else param
    text = tests_cache.get(file)
    if text is None:
        return None, "the test's source file is missing"
    aliases = imports(text)
    fn = find_function(ast.parse(text), name)
    if fn is not None:
        try:
            d = Reader(consts, aliases).definition(fn, param)
            if d is not None:
                return d, None
        except Unknown:
            pass
        except (KeyError, TypeError, IndexError, ValueError, AttributeError):
            pass
    body = function_source(text, name)
    mods = set(aliases.values())

    def lookup(const, alias=None):
        if alias and alias in aliases and const in consts.get(aliases[alias], {}):
            hit = consts[aliases[alias]][const]
            return None if isinstance(hit, tuple) else hit
        hits = [c[const] for m, c in consts.items() if const in c and (m in mods or not mods)]
        if not hits:
            hits = [c[const] for c in consts.values() if const in c]
        hits = [h for h in hits if not isinstance(h, tuple)]
        return hits[0] if len(set(hits)) == 1 else None

    found = []
    if param:
        for tok in re.split(r"[-\s]", param):
            alias, _, const = tok.rpartition(".")
            t = lookup(const, alias or None)
            if t:
                found.append(t)
    if param and not found:
        # Some tests name a run by the template's file name (`pass_result.json5_ALL_True`).
        names = {
            os.path.basename(t): t
            for c in consts.values() for t in c.values() if not isinstance(t, tuple)
        }
        found = [t for b, t in names.items() if param.startswith(b)]
    if not found:
        loads = re.findall(r"\b(\w+)\.([A-Z][A-Z0-9_]+)\b", body)
        found = [t for t in (lookup(c, a) for a, c in loads) if t]
        if len(set(found)) > 1:
            return None, "the test loads several templates"
    if not found:
        return None, "no template named by the test (built in code or read elsewhere)"
    for line in body.splitlines():
        if EDITS.search(line) and not HARMLESS.search(line):
            return None, "the test edits the template in code"
    return json5(open(found[0]).read()), None


class Unknown(Exception):
    """A value the test computes at run time (an ARN it created, a random name)."""


# Keys whose value the test fills with something it created on AWS: a replay calls no
# service, so any text will do there.
SERVICE_KEYS = re.compile(r"Resource|FunctionName|Arn|ARN|arn|QueueUrl|TopicArn|TableName|Bucket|Url|Activity")


class Reader:
    """Reads the few statements a test uses to load and edit its template (assignments,
    `.update`, `.replace`, `json.dumps`), evaluating literals only: nothing is executed."""

    def __init__(self, consts, aliases):
        self.consts, self.aliases = consts, aliases

    def const(self, alias, name):
        mod = self.aliases.get(alias)
        path = self.consts.get(mod, {}).get(name)
        if path is None:
            raise Unknown(f"{alias}.{name}")
        if isinstance(path, tuple):
            return path[1]
        return ("template", path)

    def ev(self, node, env):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.ev(e, env) for e in node.elts]
        if isinstance(node, ast.Dict):
            return {self.ev(k, env): self.ev(v, env) for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.Name):
            if node.id in env:
                return env[node.id]
            raise Unknown(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return self.const(node.value.id, node.attr)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                if isinstance(v, ast.FormattedValue):
                    parts.append(str(self.ev(v.value, env)))
                else:
                    parts.append(str(v.value))
            return "".join(parts)
        if isinstance(node, ast.Subscript):
            return self.ev(node.value, env)[self.ev(node.slice, env)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            f = node.func.attr
            if f == "replace" and len(node.args) == 2:
                old = self.ev(node.args[0], env)
                try:
                    new = self.ev(node.args[1], env)
                except Unknown:
                    if not SERVICE_KEYS.search(str(old)) and "PLACEHOLDER" not in str(old):
                        raise
                    new = "arn:aws:lambda:us-east-1:111111111111:function:replayed"
                return self.ev(node.func.value, env).replace(str(old), str(new))
            args = [self.ev(a, env) for a in node.args]
            if f == "load_sfn_template" and args and isinstance(args[0], tuple):
                return json5(open(args[0][1]).read())
            if f == "dumps" and isinstance(node.func.value, ast.Name) and node.func.value.id == "json":
                return json.dumps(args[0])
            if f == "loads" and isinstance(node.func.value, ast.Name) and node.func.value.id == "json":
                return json.loads(args[0])
        raise Unknown(ast.dump(node)[:60])

    def params(self, fn, param_id):
        """The parametrize arguments of the run named `param_id`."""
        sets = []
        for d in fn.decorator_list:
            if not (isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "parametrize"):
                continue
            names = [n.strip() for n in self.ev(d.args[0], {}).split(",")] if isinstance(d.args[0], ast.Constant) else self.ev(d.args[0], {})
            values = d.args[1] if len(d.args) > 1 else next(k.value for k in d.keywords if k.arg == "argvalues")
            ids = next((k.value for k in d.keywords if k.arg == "ids"), None)
            ids = self.ev(ids, {}) if ids is not None else None
            options = []
            for i, v in enumerate(values.elts if isinstance(values, (ast.List, ast.Tuple)) else []):
                try:
                    val = self.ev(v, {})
                except Unknown:
                    val = Unknown
                vals = val if len(names) > 1 and isinstance(val, list) else [val]
                if ids:
                    pid = str(ids[i])
                elif len(names) == 1 and (val is None or isinstance(val, (str, int, float, bool))):
                    pid = str(val)
                elif len(names) == 1 and isinstance(val, tuple) and val[0] == "template":
                    pid = os.path.splitext(os.path.basename(val[1]))[0]
                else:
                    pid = f"{names[0]}{i}"
                options.append((pid, dict(zip(names, vals))))
            sets.append(options)
        if not sets:
            return {}
        # pytest joins stacked parametrize ids, the decorator nearest the function first.
        for combo in itertools.product(*reversed(sets)):
            if "-".join(pid for pid, _ in combo) == param_id:
                env = {}
                for _, vals in combo:
                    env.update(vals)
                return {k: v for k, v in env.items() if v is not Unknown}
        raise Unknown(f"no parametrize run is named {param_id}")

    def definition(self, fn, param_id):
        """The definition the test builds, or None when it does not build one itself."""
        env = self.params(fn, param_id)
        for k, v in list(env.items()):
            if isinstance(v, tuple):
                env[k] = v  # a template constant, loaded by the body
        built = None
        for st in ast.walk(fn):
            if isinstance(st, ast.Assign) and len(st.targets) == 1:
                t = st.targets[0]
                if isinstance(t, ast.Name):
                    try:
                        env[t.id] = self.ev(st.value, env)
                        if t.id in ("template", "definition") or "template" in t.id:
                            built = t.id
                    except (Unknown, KeyError, TypeError, IndexError, OSError, ValueError):
                        env.pop(t.id, None)
                elif isinstance(t, ast.Subscript):
                    self.set_item(t, st.value, env)
            elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
                c = st.value
                if isinstance(c.func, ast.Attribute) and c.func.attr in ("update", "append", "extend"):
                    target = self.ev(c.func.value, env)
                    getattr(target, c.func.attr)(self.ev(c.args[0], env))
        if built is None:
            return None
        d = env.get("definition", env.get(built))
        if isinstance(d, str):
            d = json.loads(d)
        if not isinstance(d, dict):
            raise Unknown("no definition")
        return d

    def set_item(self, target, value, env):
        keys = []
        node = target
        while isinstance(node, ast.Subscript):
            keys.append(node.slice)
            node = node.value
        obj = self.ev(node, env)
        keys = [self.ev(k, env) for k in reversed(keys)]
        try:
            v = self.ev(value, env)
        except Unknown:
            if not SERVICE_KEYS.search(str(keys[-1])):
                raise
            v = "arn:aws:lambda:us-east-1:111111111111:function:replayed"
        for k in keys[:-1]:
            obj = obj[k]
        obj[keys[-1]] = v


def find_function(tree, name):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    return None


def case_of(events):
    """Input, recorded end and per-state task outcomes of one history, or a skip reason."""
    by_id = {json.dumps(e.get("id")): e for e in events}
    types = {e["type"] for e in events}
    if any(t.startswith("Activity") for t in types):
        return None, "an activity task (a worker polls for it)"
    start = next((e for e in events if e["type"] == "ExecutionStarted"), None)
    inp = parse_maybe(start.get("executionStartedEventDetails", {}).get("input", "{}"))
    last = events[-1]
    ends = {
        "ExecutionSucceeded": "SUCCEEDED",
        "ExecutionFailed": "FAILED",
        "ExecutionTimedOut": "TIMED_OUT",
    }
    if last["type"] not in ends:
        return None, f"the execution did not end by itself ({last['type']})"
    end = {"status": ends[last["type"]]}
    if last["type"] == "ExecutionSucceeded":
        end["output"] = parse_maybe(last["executionSucceededEventDetails"].get("output"))
    else:
        d = last.get("executionFailedEventDetails") or last.get("executionTimedOutEventDetails") or {}
        end["error"], end["cause"] = d.get("error"), d.get("cause")

    def state_of(e):
        seen = 0
        while e and seen < 10000:
            if e["type"].endswith("StateEntered") and e["type"].startswith("Task"):
                return e["stateEnteredEventDetails"]["name"]
            e = by_id.get(json.dumps(e.get("previousEventId")))
            seen += 1
        return None

    tasks = defaultdict(list)
    for e in events:
        t = e["type"]
        d = None
        if t in ("TaskSucceeded", "LambdaFunctionSucceeded"):
            d = e.get("taskSucceededEventDetails") or e.get("lambdaFunctionSucceededEventDetails") or {}
            outcome = {"return": parse_maybe(d.get("output"))}
        elif t in ("TaskFailed", "TaskTimedOut", "LambdaFunctionFailed", "LambdaFunctionTimedOut",
                   "TaskStartFailed", "TaskSubmitFailed", "LambdaFunctionStartFailed",
                   "LambdaFunctionScheduleFailed"):
            key = t[0].lower() + t[1:] + "EventDetails"
            d = e.get(key) or {}
            cause = d.get("cause") or ""
            # The snapshot keeps a JSON cause parsed; the text it came from is what Python's
            # json.dumps writes (the Lambda functions of these tests are Python).
            if not isinstance(cause, str):
                cause = json.dumps(cause)
            outcome = {"throw": {"error": d.get("error") or "", "cause": cause}}
        if d is None:
            continue
        name = state_of(e)
        if name is None:
            return None, "a task outcome whose state cannot be told"
        tasks[name].append(outcome)
    return {"input": inp, "tasks": tasks, "end": end}, None


from snapshot_compare import compare, masked, masks_of, parse_maybe  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkout")
    ap.add_argument("--report", help="write every case's result here (JSON)")
    ap.add_argument("--only", help="run only the cases whose id contains this text")
    ap.add_argument("--binary", help="the replay_case example, built if not given")
    args = ap.parse_args()

    base = sfn_dir(os.path.abspath(args.checkout))
    repo_root = base
    while repo_root != "/" and not os.path.isdir(os.path.join(repo_root, "tests")):
        repo_root = os.path.dirname(repo_root)
    binary = args.binary
    if not binary:
        subprocess.run(
            ["cargo", "build", "--quiet", "-p", "jobs-asl", "--example", "replay_case"],
            cwd=ROOT, check=True,
        )
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        binary = os.path.join(target, "debug", "examples", "replay_case")

    consts = template_constants(base)
    tests_cache = {}
    snapshots = []
    for d, _, files in os.walk(base):
        for f in files:
            if f.endswith(".snapshot.json"):
                snapshots.append(os.path.join(d, f))
            if f.endswith(".py"):
                p = os.path.join(d, f)
                tests_cache[os.path.relpath(p, repo_root)] = open(p).read()
    snapshots.sort()

    found = 0
    skipped = Counter()
    results = []
    for snap in snapshots:
        data = json.load(open(snap))
        for key, entry in sorted(data.items()):
            histories = [
                (k, v) for k, v in sorted(entry.get("recorded-content", {}).items())
                if isinstance(v, dict) and isinstance(v.get("events"), list)
                and any(e.get("type") == "ExecutionStarted" for e in v["events"])
            ]
            if not histories:
                continue
            try:
                template, why = resolve(key, consts, tests_cache)
            except (OSError, ValueError) as e:
                template, why = None, f"the template does not parse ({type(e).__name__})"
            for hk, h in histories:
                cid = f"{key}::{hk}"
                if args.only and args.only not in cid:
                    continue
                found += 1
                if why:
                    skipped[why] += 1
                    results.append({"id": cid, "skipped": why})
                    continue
                case, why2 = case_of(h["events"])
                if why2:
                    skipped[why2] += 1
                    results.append({"id": cid, "skipped": why2})
                    continue
                definition = template
                if '"ItemReader"' in json.dumps(definition):
                    why4 = "a Map with an ItemReader (its items come from S3, which the history does not hold)"
                    skipped[why4] += 1
                    results.append({"id": cid, "skipped": why4})
                    continue
                payload = json.dumps({"definition": definition, "input": case["input"], "tasks": case["tasks"]})
                try:
                    p = subprocess.run([binary], input=payload, capture_output=True, text=True, timeout=20)
                    got = json.loads(p.stdout) if p.returncode == 0 else {"status": f"CRASHED (exit {p.returncode})", "cause": p.stderr[-400:]}
                except subprocess.TimeoutExpired:
                    got = {"status": "HUNG (20 s)"}
                # The transformers a test adds may sit in the test or in the helpers of its
                # file: every replacement text of the file counts.
                masks = masks_of(tests_cache.get(key.partition("::")[0], ""))
                diff = compare(case["end"], got, masks)
                # A task inside a Distributed Map runs in a child execution, whose history
                # the snapshot does not hold.
                if got.get("unrecorded"):
                    why5 = "a task's result is not in the recorded history (a child execution's)"
                    skipped[why5] += 1
                    results.append({"id": cid, "skipped": why5})
                    continue
                reads_time = re.search(r'"Timestamp(Path)?"', json.dumps(definition))
                if diff and reads_time and masked(case["input"], masks):
                    why3 = "the recorded input holds a time the snapshot masked"
                    skipped[why3] += 1
                    results.append({"id": cid, "skipped": why3, "difference": diff})
                    continue
                results.append({
                    "id": cid,
                    "agree": diff is None, "difference": diff,
                    "aws": case["end"], "ours": got,
                })

    ran = [r for r in results if "agree" in r]
    agree = sum(r["agree"] for r in ran)
    print(f"cases found: {found}")
    print(f"run: {len(ran)}; agree: {agree} ({100.0 * agree / max(len(ran), 1):.1f}%)")
    print(f"skipped: {sum(skipped.values())} ({100.0 * sum(skipped.values()) / max(found, 1):.1f}%)")
    for why, n in skipped.most_common():
        print(f"  {n:4d}  {why}")
    print("disagreements:")
    for r in ran:
        if not r["agree"]:
            aws = r["aws"]
            ours = r["ours"]
            detail = (
                f"AWS {json.dumps(aws.get('output'))[:160]} / ours {json.dumps(ours.get('output'))[:160]}"
                if r["difference"] == "output differs"
                else f"AWS {aws.get('status')} {aws.get('error')}: {str(aws.get('cause'))[:200]} / ours {ours.get('status')} {ours.get('error')}: {str(ours.get('cause'))[:200]}"
            )
            print(f"- {r['id']}\n    {r['difference']}: {detail}")
    if args.report:
        with open(args.report, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
