"""Prints each Lambda asset's bootstrap size and zipped size from a bundled cloud
assembly, and fails unless there are three bootstraps, all aarch64 ELF binaries.

Usage: bootstrap-sizes.py <cdk output dir>
"""
import io, json, os, sys, zipfile

out = sys.argv[1]
template = json.load(open(os.path.join(out, "JobsApi.template.json")))
assets = json.load(open(os.path.join(out, "JobsApi.assets.json")))["files"]
failures = 0
rows = []
for logical_id, res in sorted(template["Resources"].items()):
    if res["Type"] != "AWS::Lambda::Function":
        continue
    key = res["Properties"]["Code"]["S3Key"]
    asset = assets[key.removesuffix(".zip")]
    bootstrap = os.path.join(out, asset["source"]["path"], "bootstrap")
    with open(bootstrap, "rb") as f:
        data = f.read()
    # ELF e_machine at offset 18 (little-endian): 183 is AArch64.
    is_arm64 = data[:4] == b"\x7fELF" and int.from_bytes(data[18:20], "little") == 183
    buf = io.BytesIO()
    # Lambda needs the bootstrap executable; deflate as the CDK asset zip does.
    info = zipfile.ZipInfo("bootstrap")
    info.external_attr = 0o100755 << 16
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    rows.append((logical_id, len(data), len(buf.getvalue()), is_arm64))
    failures += 0 if is_arm64 else 1

print(f"{'function':<40} {'bootstrap':>12} {'zipped':>12}  arch")
for name, size, zipped, arm in rows:
    print(f"{name:<40} {size:>12,} {zipped:>12,}  {'aarch64' if arm else 'NOT aarch64'}")
if len(rows) != 3 or failures:
    sys.exit(f"expected three aarch64 bootstraps, got {len(rows)} with {failures} of another architecture")
