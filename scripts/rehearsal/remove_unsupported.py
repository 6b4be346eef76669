"""Removes the resource types an emulator lacks from a COPY of a CDK cloud assembly,
with the outputs that reference them, and nothing else.

    python scripts/rehearsal/remove_unsupported.py ASSEMBLY_DIR STACK TYPE [TYPE...]

ASSEMBLY_DIR is changed in place: pass a copy. Each resource of a listed type goes, and
each output whose value refers to one of them (Ref, Fn::GetAtt, Fn::Sub). A resource
that refers to a removed one is not removed with it: the script fails instead, since the
stack without it would be another stack. The template's asset hash is recomputed and
renamed in the assembly's manifests, so the copy stays consistent for `cdk deploy --app`.
Prints every removal; exits non-zero when a type is absent, so a template change that
drops such a resource is noticed.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path


def references(value: object, ids: set[str]) -> set[str]:
    """The logical ids among `ids` that `value` refers to."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and inner in ids:
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else str(inner).split(".")[0]
                if target in ids:
                    found.add(target)
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                for name in re.findall(r"\$\{([^}!][^}.]*)", str(text)):
                    if name in ids:
                        found.add(name)
            found |= references(inner, ids)
    elif isinstance(value, list):
        for inner in value:
            found |= references(inner, ids)
    return found


def depends_on(resource: dict) -> set[str]:
    deps = resource.get("DependsOn", [])
    return {deps} if isinstance(deps, str) else set(deps)


def remove(template: dict, types: list[str]) -> list[str]:
    resources = template["Resources"]
    changes: list[str] = []
    for rtype in types:
        ids = {rid for rid, r in resources.items() if r.get("Type") == rtype}
        if not ids:
            sys.exit(f"no resource of type {rtype} in the template: drop it from the list of gaps")
        for rid, resource in resources.items():
            if rid in ids:
                continue
            used = references(resource, ids) | (depends_on(resource) & ids)
            if used:
                sys.exit(
                    f"resource {rid} ({resource.get('Type')}) refers to {', '.join(sorted(used))} "
                    f"of type {rtype}: removing it would change more than the missing type"
                )
        for rid in sorted(ids):
            del resources[rid]
            changes.append(f"removed resource {rid} ({rtype})")
        outputs = template.get("Outputs", {})
        for name in sorted(outputs):
            used = references(outputs[name], ids)
            if used:
                del outputs[name]
                changes.append(f"removed output {name} (refers to {', '.join(sorted(used))})")
    return changes


def rehash(assembly: Path, template_file: Path, old_text: bytes) -> None:
    """CDK names the uploaded template by the SHA-256 of its text: rename it everywhere."""
    old = hashlib.sha256(old_text).hexdigest()
    new = hashlib.sha256(template_file.read_bytes()).hexdigest()
    renamed = 0
    for manifest in sorted(assembly.glob("*.json")):
        if manifest == template_file:
            continue
        text = manifest.read_text()
        if old in text:
            manifest.write_text(text.replace(old, new))
            renamed += 1
    if renamed == 0:
        sys.exit(f"the template's hash {old} is in no manifest of {assembly}: cannot rename it")


def main() -> None:
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    assembly, stack, types = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
    template_file = assembly / f"{stack}.template.json"
    old_text = template_file.read_bytes()
    template = json.loads(old_text)
    changes = remove(template, types)
    # The layout of a CDK synth (one-space indent), so a diff of the two shows only removals.
    template_file.write_text(json.dumps(template, indent=1))
    rehash(assembly, template_file, old_text)
    for change in changes:
        print(change)


if __name__ == "__main__":
    main()
