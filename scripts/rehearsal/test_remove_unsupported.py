"""Unit tests of remove_unsupported.py (run by scripts/rehearse-deploy.sh before it uses it):

    python -m unittest discover -s scripts/rehearsal -p 'test_*.py'
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from remove_unsupported import references, remove

SCRIPT = Path(__file__).with_name("remove_unsupported.py")


def template() -> dict:
    return {
        "Resources": {
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "b"}},
            "Archive": {"Type": "AWS::Events::Archive",
                        "Properties": {"SourceArn": {"Fn::GetAtt": ["Bus", "Arn"]}}},
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"Note": "Archive in a plain string"}},
        },
        "Outputs": {
            "ArchiveArn": {"Value": {"Fn::GetAtt": ["Archive", "Arn"]}},
            "Command": {"Value": {"Fn::Join": ["", ["replay ", {"Fn::GetAtt": "Archive.Arn"}]]}},
            "Sub": {"Value": {"Fn::Sub": "arn ${Archive.Arn}"}},
            "BusArn": {"Value": {"Fn::GetAtt": ["Bus", "Arn"]}},
            "Literal": {"Value": "${!Archive} is not a reference"},
        },
    }


class RemoveTest(unittest.TestCase):
    def test_removes_the_type_and_the_outputs_that_refer_to_it_only(self):
        t = template()
        changes = remove(t, ["AWS::Events::Archive"])
        self.assertEqual(sorted(t["Resources"]), ["Bus", "Queue"])
        self.assertEqual(sorted(t["Outputs"]), ["BusArn", "Literal"])
        self.assertEqual(t["Resources"]["Queue"], template()["Resources"]["Queue"])
        self.assertEqual(changes, [
            "removed resource Archive (AWS::Events::Archive)",
            "removed output ArchiveArn (refers to Archive)",
            "removed output Command (refers to Archive)",
            "removed output Sub (refers to Archive)",
        ])

    def test_a_resource_that_refers_to_a_removed_one_fails(self):
        for link in ({"Ref": "Archive"}, {"Fn::Sub": "${Archive}"}):
            t = template()
            t["Resources"]["Queue"]["Properties"]["Uses"] = link
            with self.assertRaises(SystemExit) as raised:
                remove(t, ["AWS::Events::Archive"])
            self.assertIn("resource Queue (AWS::SQS::Queue) refers to Archive", str(raised.exception))
        t = template()
        t["Resources"]["Queue"]["DependsOn"] = ["Archive"]
        with self.assertRaises(SystemExit):
            remove(t, ["AWS::Events::Archive"])

    def test_a_type_not_in_the_template_fails(self):
        with self.assertRaises(SystemExit) as raised:
            remove(template(), ["AWS::Pipes::Pipe"])
        self.assertIn("no resource of type AWS::Pipes::Pipe", str(raised.exception))

    def test_references_sees_ref_getatt_and_sub_but_not_strings(self):
        ids = {"Archive"}
        self.assertEqual(references({"Ref": "Archive"}, ids), ids)
        self.assertEqual(references([{"Fn::GetAtt": "Archive.Arn"}], ids), ids)
        self.assertEqual(references({"Fn::Sub": ["x ${Archive.Arn}", {}]}, ids), ids)
        self.assertEqual(references({"Fn::Sub": "${!Archive}"}, ids), set())
        self.assertEqual(references("Archive", ids), set())

    def test_the_script_renames_the_template_hash_in_the_manifests(self):
        with tempfile.TemporaryDirectory() as tmp:
            assembly = Path(tmp)
            text = json.dumps(template(), indent=1).encode()
            old = hashlib.sha256(text).hexdigest()
            (assembly / "S.template.json").write_bytes(text)
            (assembly / "S.assets.json").write_text(json.dumps({"files": {old: {"objectKey": f"{old}.json"}}}))
            (assembly / "manifest.json").write_text(json.dumps({"url": f"s3://b/{old}.json"}))
            done = subprocess.run([sys.executable, str(SCRIPT), tmp, "S", "AWS::Events::Archive"],
                                  capture_output=True, text=True, check=True)
            self.assertIn("removed resource Archive", done.stdout)
            new = hashlib.sha256((assembly / "S.template.json").read_bytes()).hexdigest()
            self.assertNotEqual(new, old)
            for manifest in ("S.assets.json", "manifest.json"):
                content = (assembly / manifest).read_text()
                self.assertIn(new, content)
                self.assertNotIn(old, content)


if __name__ == "__main__":
    unittest.main()
