"""How a replayed case's result is compared with what AWS recorded: the
snapshots mask times and generated names, and a placeholder matches any
value of its kind."""

import json
import re


def parse_maybe(v):
    if isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


# Masked times: the replay cannot know which time AWS was given. (Masked names and ARNs
# are only passed to the mocked tasks, and do not change a run.)
MASK = re.compile(r"<(?:timestamp|date)[^<>]*>")


# Whole-value masks that LocalStack's own snapshot helpers put in (read off the snapshots):
# the transformers that write them live outside the tests folder.
KNOWN_MASKS = {"date", "start-time", "entered-time", "timestamp", "snf_role_arn"}


def masks_of(source):
    """The replacement texts of the snapshot transformers a test adds (`"date"`, ...)."""
    return KNOWN_MASKS | set(re.findall(r'Transformer\(\s*(?:[^,()]+|"[^"]*")\s*,\s*"([^"]+)"', source))


def masked(value, masks):
    if isinstance(value, dict):
        return any(masked(v, masks) for v in value.values())
    if isinstance(value, list):
        return any(masked(v, masks) for v in value)
    return isinstance(value, str) and (bool(MASK.search(value)) or value in masks)


def placeholder_match(expected, got, masks=frozenset()):
    """Equality where a masked part (`<...>`) of a recorded string, or a whole value the
    test's transformers put in (`masks`), matches anything."""
    if isinstance(expected, str) and expected in masks:
        return True
    if isinstance(expected, (dict, list)) and isinstance(got, str):
        got = parse_maybe(got)
    # A JSON text inside a value (a Lambda error's Cause) was kept parsed by the snapshot, so
    # its spacing is lost: two JSON texts agree when their values do.
    if isinstance(expected, str) and isinstance(got, str) and expected[:1] in "{[" and expected != got:
        e, g = parse_maybe(expected), parse_maybe(got)
        if isinstance(e, (dict, list)) and isinstance(g, (dict, list)):
            return placeholder_match(e, g, masks)
    if isinstance(expected, dict):
        return isinstance(got, dict) and expected.keys() == got.keys() and all(
            placeholder_match(expected[k], got[k], masks) for k in expected
        )
    if isinstance(expected, list):
        return isinstance(got, list) and len(expected) == len(got) and all(
            placeholder_match(a, b, masks) for a, b in zip(expected, got)
        )
    if isinstance(expected, str) and re.search(r"<[^<>]+>", expected):
        if not isinstance(got, (str, int, float)):
            return False
        parts = re.split(r"<[^<>]+>", expected)
        pat = ".*".join(re.escape(p) for p in parts)
        return re.fullmatch(pat, str(got), re.S) is not None
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected is got
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return float(expected) == float(got)
    return expected == got


def compare(end, got, masks=frozenset()):
    if got.get("status") != end["status"]:
        return f"status {got.get('status')} where AWS has {end['status']}"
    if end["status"] == "SUCCEEDED":
        out = parse_maybe(got.get("output")) if isinstance(end["output"], (dict, list)) else got.get("output")
        if not placeholder_match(end["output"], out, masks):
            return "output differs"
        return None
    for k in ("error", "cause"):
        if not placeholder_match(end.get(k), got.get(k), masks):
            return f"{k} differs"
    return None
