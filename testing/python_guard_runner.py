#!/usr/bin/env python3
"""The Python guard (examples/python/ankify_edge.py) as a JSON-in, JSON-out program, so a jest suite can
give it and the TypeScript function the same requests (__tests__/python-guard-parity.test.ts).

stdin:  {"scenarios": [{"env": {...}, "parameters": {name: value}, "failing": ["GetParametersByPath"]?,
                        "events": [Function URL event, ...]}, ...]}
stdout: {"results": [[response or null, ...], ...]}  one list per scenario, one answer per event
Each scenario gets a fresh guard over a fake SSM holding `parameters` as SecureStrings; `failing`
operations answer AccessDeniedException.
"""
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "python"))

from ankify_edge import Guard  # noqa: E402
from fake_ssm import FakeSsm  # noqa: E402


def run(scenario: dict) -> list:
    ssm = FakeSsm()
    for name, value in scenario.get("parameters", {}).items():
        ssm.put(name, value)
    if scenario.get("failing"):
        ssm.fail("AccessDeniedException", "not authorized", operations=set(scenario["failing"]))
    guard = Guard(scenario["env"], ssm, clock=lambda: 0.0)
    return [guard(event) for event in scenario["events"]]


if __name__ == "__main__":
    request = json.load(sys.stdin)
    json.dump({"results": [run(scenario) for scenario in request["scenarios"]]}, sys.stdout)
