"""The example handler as Lambda calls it: an event in, one buffered Function URL response out.
boto3 is not needed: the guard's SSM client is the fake, through the seam the guard uses to make one."""
from __future__ import annotations

import base64
import json
import unittest
from unittest import mock

import ankify_edge
import handler
from fake_ssm import FakeSsm
from test_ankify_edge import CURRENT, KEY_PATH, PREVIOUS, digest, environment, event, new_key, new_secret


class ExampleHandler(unittest.TestCase):
    def setUp(self) -> None:
        self.ssm = FakeSsm()
        self.secret, self.key = new_secret(), new_key()
        self.ssm.put(CURRENT, self.secret)
        self.ssm.put(PREVIOUS, new_secret())
        self.ssm.put(f"{KEY_PATH}/laptop", digest(self.key))
        for patch in (mock.patch.dict("os.environ", environment(), clear=True), mock.patch.object(ankify_edge, "_default", None),
                      mock.patch.object(ankify_edge, "_boto3_ssm", lambda: self.ssm)):
            patch.start()
            self.addCleanup(patch.stop)

    def test_answers_the_guards_refusals_unchanged(self) -> None:
        self.assertEqual(handler.handler(event(headers={"x-api-key": self.key}), None)["statusCode"], 403)
        refused = handler.handler(event(headers={"x-origin-verify": self.secret}), None)
        self.assertEqual((refused["statusCode"], refused["headers"]["www-authenticate"]), (401, 'Bearer realm="ankify"'))

    def test_lets_an_authorized_request_reach_the_placeholder_with_its_body(self) -> None:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        encoded = {**event(headers={"x-origin-verify": self.secret, "authorization": f"Bearer {self.key}"}), "body": base64.b64encode(body.encode()).decode(), "isBase64Encoded": True}
        response = handler.handler(encoded, None)
        self.assertEqual((response["statusCode"], response["headers"]), (200, {"content-type": "application/json"}))
        self.assertEqual(json.loads(response["body"]), {"placeholder": "Your Ankify goes here: replace ankify() in handler.py.", "method": "POST", "path": "/mcp", "bodyBytes": len(body)})

    def test_serves_the_public_status_page_without_a_key_but_not_without_the_origin_secret(self) -> None:
        response = handler.handler(event("GET", "/", {"x-origin-verify": self.secret}, body=None), None)
        self.assertEqual((response["statusCode"], json.loads(response["body"])), (200, {"service": "ankify", "mcp": "/mcp"}))
        self.assertEqual(handler.handler(event("GET", "/", body=None), None)["statusCode"], 403)


if __name__ == "__main__":
    unittest.main()
