"""The guard, branch by branch, on Function URL events (payload format 2.0) and a fake SSM.
Run: python3 -m unittest discover -s examples/python (npm test runs it too)."""
from __future__ import annotations

import hashlib
import json
import secrets
import sys
import unittest
from unittest import mock

import ankify_edge
from ankify_edge import Guard, OAuthNotSupported
from fake_ssm import EndpointConnectionError, FakeSsm

STACK = "ankify-test"
CURRENT = f"/ankify/{STACK}/origin-secret/current"
PREVIOUS = f"/ankify/{STACK}/origin-secret/previous"
KEY_PATH = f"/ankify/{STACK}/client-keys"
CHALLENGE = 'Bearer realm="ankify"'


def new_secret() -> str:
    return secrets.token_hex(24)


def new_key() -> str:
    return "ank_" + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def environment(**overrides: str) -> dict:
    env = {
        "ANKIFY_ORIGIN_PROTECTION": "secret-header",
        "ANKIFY_ORIGIN_SECRET_PARAMETER": CURRENT,
        "ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER": PREVIOUS,
        "ANKIFY_CLIENT_AUTH": "api-key",
        "ANKIFY_API_KEY_PATH": KEY_PATH,
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def event(method: str = "POST", path: str = "/mcp", headers: dict | None = None, body: str | None = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}') -> dict:
    """A Function URL event as Lambda delivers it: header names lower-cased, repeats comma-joined."""
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "headers": {"host": "abc.lambda-url.eu-west-1.on.aws", "content-type": "application/json", **(headers or {})},
        "requestContext": {
            "accountId": "anonymous", "apiId": "abc", "domainName": "abc.lambda-url.eu-west-1.on.aws", "domainPrefix": "abc",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9", "userAgent": "test"},
            "requestId": "c3d4", "routeKey": "$default", "stage": "$default", "time": "01/Dec/2026:10:00:00 +0000", "timeEpoch": 1796119200000,
        },
        **({"body": body, "isBase64Encoded": False} if body is not None else {}),
    }


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Case(unittest.TestCase):
    """A stack's SSM (both origin secrets, one client key) and a guard on a controllable clock."""

    env = environment()

    def setUp(self) -> None:
        self.ssm = FakeSsm()
        self.current, self.previous = new_secret(), new_secret()
        self.ssm.put(CURRENT, self.current)
        self.ssm.put(PREVIOUS, self.previous)
        self.key = new_key()
        self.ssm.put(f"{KEY_PATH}/laptop", digest(self.key))
        self.clock = Clock()
        self.guard = Guard(self.env, self.ssm, self.clock)

    def through(self, **headers: str) -> dict:
        """Headers of a request that came through CloudFront, plus `headers`."""
        return {"x-origin-verify": self.current, **headers}

    def assertRefused(self, response: dict | None, status: int, body: dict, headers: dict | None = None) -> None:
        self.assertIsNotNone(response, "the request was let through")
        self.assertEqual(response["statusCode"], status)
        self.assertEqual(response["headers"], {"content-type": "application/json", **(headers or {})})
        self.assertEqual(json.loads(response["body"]), body)

    def assertForbidden(self, response: dict | None) -> None:
        self.assertRefused(response, 403, {"error": "Forbidden"})

    def assertUnauthorized(self, response: dict | None, how: str = "Authorization: Bearer <key> or x-api-key: <key>") -> None:
        message = f"Unauthorized: send your Ankify API key as {how}."
        self.assertRefused(response, 401, {"jsonrpc": "2.0", "error": {"code": -32001, "message": message}, "id": None}, {"www-authenticate": CHALLENGE})

    def assertUnavailable(self, response: dict | None, what: str) -> None:
        body = {"jsonrpc": "2.0", "error": {"code": -32603, "message": f"{what} could not be read; try again shortly."}, "id": None}
        self.assertRefused(response, 503, body, {"retry-after": "5"})


class OriginSecret(Case):
    env = environment(ANKIFY_CLIENT_AUTH="none")

    def test_refuses_a_request_without_an_accepted_secret_on_every_path(self) -> None:
        wrong = [{}, {"x-origin-verify": new_secret()}, {"x-origin-verify": ""}, {"x-origin-verify": self.current + "x"},
                 {"x-origin-verify": self.current[1:]}, {"x-origin-verify": self.current.upper()}, {"x-origin-verify": f"{self.current},{self.current}"},
                 {"x-origin-verify": f"{self.current}, {self.previous}"}, {"x-origin-verifyx": self.current}]
        for headers in wrong:
            for method, path in [("POST", "/mcp"), ("GET", "/"), ("GET", "/nope")]:
                with self.subTest(headers=list(headers), method=method, path=path):
                    self.assertForbidden(self.guard(event(method, path, headers)))

    def test_lets_the_current_and_the_previous_secret_through(self) -> None:
        self.assertIsNone(self.guard(event(headers={"x-origin-verify": self.current})))
        self.assertIsNone(self.guard(event(headers={"x-origin-verify": self.previous})))

    def test_reads_header_names_in_any_case_and_values_without_surrounding_whitespace(self) -> None:
        for headers in [{"X-Origin-Verify": self.current}, {"X-ORIGIN-VERIFY": self.previous}, {"x-origin-verify": f" \t{self.current}\t "}]:
            with self.subTest(headers=list(headers)):
                self.assertIsNone(self.guard(event(headers=headers)))

    def test_a_later_spelling_of_a_header_wins_as_in_the_typescript_function(self) -> None:
        self.assertIsNone(self.guard(event(headers={"X-Origin-Verify": "wrong", "x-origin-verify": self.current})))
        self.assertForbidden(self.guard(event(headers={"x-origin-verify": self.current, "X-Origin-Verify": "wrong"})))

    def test_reads_both_parameters_decrypted_once_then_serves_from_the_cache_for_a_minute(self) -> None:
        for _ in range(3):
            self.assertIsNone(self.guard(event(headers=self.through())))
            self.clock.now += 19
        self.assertEqual(self.ssm.calls, [("GetParameter", {"Name": CURRENT, "WithDecryption": True}), ("GetParameter", {"Name": PREVIOUS, "WithDecryption": True})])
        self.clock.now += 3  # 60 s after the first read
        self.assertIsNone(self.guard(event(headers=self.through())))
        self.assertEqual(self.ssm.reads("GetParameter"), 4)

    def test_rotation_never_refuses_a_request(self) -> None:
        self.assertIsNone(self.guard(event(headers=self.through())))
        # The stack rotates: the current value becomes the previous one. CloudFront sends the new value
        # from some edges and the old one from others, while this guard's cache is still young.
        rotated = new_secret()
        self.ssm.put(PREVIOUS, self.current)
        self.ssm.put(CURRENT, rotated)
        self.clock.now += 10
        self.assertIsNone(self.guard(event(headers={"x-origin-verify": self.current})))
        self.assertEqual(self.ssm.reads("GetParameter"), 2, "a value in the cache needs no read")
        self.assertIsNone(self.guard(event(headers={"x-origin-verify": rotated})))
        self.assertEqual(self.ssm.reads("GetParameter"), 4, "an unknown value re-reads both parameters once")
        self.assertIsNone(self.guard(event(headers={"x-origin-verify": self.current})))
        self.assertForbidden(self.guard(event(headers={"x-origin-verify": self.previous})))  # two rotations ago

    def test_an_unknown_value_rereads_ssm_at_most_every_five_seconds(self) -> None:
        self.assertForbidden(self.guard(event(headers={"x-origin-verify": new_secret()})))
        self.assertEqual(self.ssm.reads("GetParameter"), 2, "a fresh cache is not re-read")
        for step in [5, 1, 1, 1, 1, 1]:
            self.clock.now += step
            self.assertForbidden(self.guard(event(headers={"x-origin-verify": new_secret()})))
        self.assertEqual(self.ssm.reads("GetParameter"), 6, "two re-reads in ten seconds")
        for headers in [{}, {"x-origin-verify": ""}]:
            self.clock.now += 6
            self.assertForbidden(self.guard(event(headers=headers)))
        self.assertEqual(self.ssm.reads("GetParameter"), 6, "a missing value is never a rotation")

    def test_a_stored_value_matches_without_the_whitespace_a_header_value_cannot_keep(self) -> None:
        self.ssm.put(CURRENT, self.current + "\n")
        self.assertIsNone(self.guard(event(headers=self.through())))

    def test_works_before_the_first_rotation_when_the_previous_parameter_does_not_exist(self) -> None:
        self.ssm.delete(PREVIOUS)
        self.assertIsNone(self.guard(event(headers=self.through())))
        self.assertForbidden(self.guard(event(headers={"x-origin-verify": self.previous})))

    def test_works_with_only_the_current_parameter_named(self) -> None:
        guard = Guard(environment(ANKIFY_CLIENT_AUTH="none", ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER=None), self.ssm, self.clock)
        self.assertIsNone(guard(event(headers=self.through())))
        self.clock.now += 5
        self.assertForbidden(guard(event(headers={"x-origin-verify": self.previous})))
        self.assertEqual([args["Name"] for _, args in self.ssm.calls], [CURRENT, CURRENT], "read, then re-read for the unknown value")

    def test_a_missing_current_parameter_lets_nothing_through(self) -> None:
        self.ssm.delete(CURRENT)
        with self.assertLogs("ankify_edge", "ERROR") as logs:
            self.assertUnavailable(self.guard(event(headers={"x-origin-verify": self.previous})), "The origin secret")
        self.assertEqual(logs.records[0].getMessage(), "origin_secret.unreadable")
        self.assertEqual((logs.records[0].parameter, logs.records[0].error), (CURRENT, "ParameterNotFound"))

    def test_ssm_failures_answer_503_and_let_nothing_through(self) -> None:
        failures = [("AccessDeniedException", 400), ("ThrottlingException", 400), ("InternalServerError", 500), ("InvalidKeyId", 400)]
        for code, status in failures:
            with self.subTest(code=code):
                self.setUp()
                self.ssm.fail(code, "refused", status)
                with self.assertLogs("ankify_edge", "ERROR"):
                    self.assertUnavailable(self.guard(event(headers=self.through())), "The origin secret")
        self.setUp()
        self.ssm.failure = EndpointConnectionError()
        with self.assertLogs("ankify_edge", "ERROR") as logs:
            self.assertUnavailable(self.guard(event(headers=self.through())), "The origin secret")
        self.assertEqual(logs.records[0].error, "EndpointConnectionError")

    def test_an_expired_cache_is_not_served_when_ssm_fails_and_recovers_after(self) -> None:
        self.assertIsNone(self.guard(event(headers=self.through())))
        self.ssm.fail()
        self.clock.now += 60
        with self.assertLogs("ankify_edge", "ERROR"):
            self.assertUnavailable(self.guard(event(headers=self.through())), "The origin secret")
        self.ssm.failure = None
        self.assertIsNone(self.guard(event(headers=self.through())))

    def test_a_failed_reread_answers_503_for_the_unknown_value_only(self) -> None:
        self.assertIsNone(self.guard(event(headers=self.through())))
        self.ssm.fail()
        self.clock.now += 10
        with self.assertLogs("ankify_edge", "ERROR"):
            self.assertUnavailable(self.guard(event(headers={"x-origin-verify": new_secret()})), "The origin secret")
        self.assertIsNone(self.guard(event(headers=self.through())))
        self.assertForbidden(self.guard(event(headers={"x-origin-verify": new_secret()})))  # re-read rate-limited
        self.assertEqual(self.ssm.reads("GetParameter"), 3)

    def test_secrets_never_appear_in_answers_or_logs(self) -> None:
        self.ssm.delete(CURRENT)
        with self.assertLogs("ankify_edge", "DEBUG") as logs:
            response = self.guard(event(headers={"x-origin-verify": self.previous}))
        self.assertNotIn(self.previous, json.dumps(response) + repr([vars(r) for r in logs.records]))

    def test_oac_mode_reads_no_secret_and_needs_no_header(self) -> None:
        guard = Guard(environment(ANKIFY_ORIGIN_PROTECTION="oac", ANKIFY_CLIENT_AUTH="none", ANKIFY_ORIGIN_SECRET_PARAMETER=None, ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER=None), self.ssm, self.clock)
        self.assertIsNone(guard(event()))
        self.assertIsNone(guard(event(headers={"x-origin-verify": "anything"})))
        self.assertEqual(self.ssm.calls, [])


class ApiKeys(Case):
    def test_accepts_the_key_as_bearer_token_or_x_api_key_in_any_header_case(self) -> None:
        accepted = [{"authorization": f"Bearer {self.key}"}, {"Authorization": f"bearer {self.key}"}, {"authorization": f"BEARER \t {self.key}  "},
                    {"x-api-key": self.key}, {"X-Api-Key": f"  {self.key}\t"}, {"x-api-key": f"\u00a0{self.key}\ufeff"},
                    {"x-api-key": "", "authorization": f"Bearer {self.key}"}, {"x-api-key": " \u3000", "authorization": f"Bearer {self.key}"}]
        for headers in accepted:
            with self.subTest(headers=headers):
                self.assertIsNone(self.guard(event(headers=self.through(**headers))))

    def test_refuses_a_missing_wrong_or_malformed_key_with_the_bearer_challenge(self) -> None:
        k = self.key
        refused = [
            ({}, "no key"), ({"authorization": f"Basic {k}"}, "no key"), ({"authorization": "Bearer"}, "no key"),
            ({"authorization": f"Bearer{k}"}, "no key"), ({"authorization": f"Bearer {k} extra"}, "no key"), ({"authorization": k}, "no key"),
            ({"authorization": f"Bearer {k}, Bearer {k}"}, "no key"), ({"authorization": f"Bearer {k},Bearer {k}"}, "no key"),
            ({"authorization": f"Bearer {new_key()}"}, "unknown key"), ({"x-api-key": new_key()}, "unknown key"), ({"x-api-key": k[:-1]}, "unknown key"),
            ({"x-api-key": f"{k},{k}"}, "unknown key"), ({"x-api-key": digest(k)}, "unknown key"),
            ({"x-api-key": new_key(), "authorization": f"Bearer {k}"}, "unknown key"),  # x-api-key, when present, is the key
        ]
        for headers, reason in refused:
            with self.subTest(headers=headers), self.assertLogs("ankify_edge", "INFO") as logs:
                self.assertUnauthorized(self.guard(event(headers=self.through(**headers))))
            self.assertEqual((logs.records[-1].getMessage(), logs.records[-1].reason), ("api_keys.refused", reason))

    def test_no_key_never_matches_even_a_stored_digest_of_the_empty_key(self) -> None:
        self.ssm.put(f"{KEY_PATH}/empty", digest(""))
        for headers in [{}, {"x-api-key": ""}, {"authorization": "Bearer "}]:
            with self.subTest(headers=headers), self.assertLogs("ankify_edge", "INFO"):
                self.assertUnauthorized(self.guard(event(headers=self.through(**headers))))

    def test_in_oac_mode_only_x_api_key_counts_because_cloudfront_replaces_authorization(self) -> None:
        guard = Guard(environment(ANKIFY_ORIGIN_PROTECTION="oac"), self.ssm, self.clock)
        self.assertIsNone(guard(event(headers={"x-api-key": self.key})))
        with self.assertLogs("ankify_edge", "INFO"):
            self.assertUnauthorized(guard(event(headers={"authorization": f"Bearer {self.key}"})), "x-api-key: <key>")

    def test_the_origin_check_comes_first(self) -> None:
        self.assertForbidden(self.guard(event(headers={"x-api-key": self.key})))
        self.assertEqual(self.ssm.reads("GetParametersByPath"), 0)

    def test_reads_every_page_decrypted_including_empty_ones(self) -> None:
        self.ssm = FakeSsm(page_size=10, empty_pages=True)
        self.ssm.put(CURRENT, self.current)
        keys = [new_key() for _ in range(25)]
        for i, key in enumerate(keys):
            self.ssm.put(f"{KEY_PATH}/client-{i:02}", digest(key))
        guard = Guard(self.env, self.ssm, self.clock)
        for key in (keys[0], keys[24]):
            self.assertIsNone(guard(event(headers=self.through(**{"x-api-key": key}))))
        calls = [args for operation, args in self.ssm.calls if operation == "GetParametersByPath"]
        self.assertEqual(len(calls), 6, "three pages of keys, each after an empty page")
        self.assertTrue(all(args["Path"] == KEY_PATH and args["WithDecryption"] is True and args["Recursive"] is False for args in calls))

    def test_ignores_parameters_that_are_not_a_client_name_with_a_digest(self) -> None:
        nested, upper, short, plain = new_key(), new_key(), new_key(), new_key()
        self.ssm.put(f"{KEY_PATH}/team/nested", digest(nested))
        self.ssm.put(f"{KEY_PATH}/upper", digest(upper).upper())
        self.ssm.put(f"{KEY_PATH}/short", digest(short)[:-2])
        self.ssm.put(f"{KEY_PATH}/-dash", digest(plain))
        with self.assertLogs("ankify_edge", "INFO") as logs:
            for key in (nested, upper, short, plain):
                self.assertUnauthorized(self.guard(event(headers=self.through(**{"x-api-key": key}))))
            self.assertIsNone(self.guard(event(headers=self.through(**{"x-api-key": self.key}))))
        ignored = sorted(r.parameter for r in logs.records if r.getMessage() == "api_keys.ignored_parameter")
        self.assertEqual(ignored, [f"{KEY_PATH}/-dash", f"{KEY_PATH}/short", f"{KEY_PATH}/upper"])  # nested: not one level

    def test_a_revoked_key_works_for_at_most_a_minute_and_a_new_one_within_a_minute(self) -> None:
        added = new_key()
        self.assertIsNone(self.guard(event(headers=self.through(authorization=f"Bearer {self.key}"))))
        self.ssm.delete(f"{KEY_PATH}/laptop")
        self.ssm.put(f"{KEY_PATH}/phone", digest(added))
        self.clock.now += 59.9
        self.assertIsNone(self.guard(event(headers=self.through(authorization=f"Bearer {self.key}"))))
        self.clock.now += 0.1
        with self.assertLogs("ankify_edge", "INFO"):
            self.assertUnauthorized(self.guard(event(headers=self.through(authorization=f"Bearer {self.key}"))))
        self.assertIsNone(self.guard(event(headers=self.through(authorization=f"Bearer {added}"))))
        self.assertEqual(self.ssm.reads("GetParametersByPath"), 2)

    def test_unreadable_keys_answer_503_key_or_no_key(self) -> None:
        self.assertIsNone(self.guard(event(headers=self.through(**{"x-api-key": self.key}))))  # secrets now cached
        self.ssm.fail("AccessDeniedException", "not authorized to perform: ssm:GetParametersByPath", operations={"GetParametersByPath"})
        self.clock.now += 30
        self.assertIsNone(self.guard(event(headers=self.through(**{"x-api-key": self.key}))), "within the minute, the cache serves")
        self.clock.now += 30
        for headers in [{"x-api-key": self.key}, {}]:
            with self.subTest(headers=list(headers)), self.assertLogs("ankify_edge", "ERROR") as logs:
                self.assertUnavailable(self.guard(event(headers=self.through(**headers))), "Client keys")
            self.assertEqual((logs.records[0].getMessage(), logs.records[0].error), ("api_keys.unreadable", "AccessDeniedException"))
        self.ssm.failure = None
        self.assertIsNone(self.guard(event(headers=self.through(**{"x-api-key": self.key}))))

    def test_a_bad_page_token_or_a_lost_connection_is_a_503_too(self) -> None:
        self.ssm.page_size = 1
        self.ssm.put(f"{KEY_PATH}/phone", digest(new_key()))
        original = self.ssm.get_parameters_by_path
        self.ssm.get_parameters_by_path = lambda **kwargs: original(**{**kwargs, **({"NextToken": "not a token"} if "NextToken" in kwargs else {})})
        with self.assertLogs("ankify_edge", "ERROR") as logs:
            self.assertUnavailable(self.guard(event(headers=self.through(**{"x-api-key": self.key}))), "Client keys")
        self.assertEqual(logs.records[0].error, "InvalidNextToken")
        self.ssm.get_parameters_by_path = original
        self.ssm.failure = EndpointConnectionError()
        self.clock.now += 60
        with self.assertLogs("ankify_edge", "ERROR"):
            self.assertUnavailable(self.guard(event(headers=self.through(**{"x-api-key": self.key}))), "The origin secret")

    def test_get_and_head_on_the_root_are_public_and_nothing_else(self) -> None:
        for method in ("GET", "HEAD", "get"):
            with self.subTest(method=method):
                self.assertIsNone(self.guard(event(method, "/", self.through(), body=None)))
        for method, path in [("POST", "/"), ("GET", "/mcp"), ("GET", "//"), ("GET", "/status"), ("DELETE", "/"), ("GET", "/.well-known/oauth-protected-resource")]:
            with self.subTest(method=method, path=path), self.assertLogs("ankify_edge", "INFO"):
                self.assertUnauthorized(self.guard(event(method, path, self.through())))
        self.assertForbidden(self.guard(event("GET", "/", {})))
        locked = Guard(self.env, self.ssm, self.clock, public=frozenset())
        with self.assertLogs("ankify_edge", "INFO"):
            self.assertUnauthorized(locked(event("GET", "/", self.through())))

    def test_never_reads_the_body(self) -> None:
        class NoBody(dict):
            def __getitem__(self, name):
                if name in ("body", "isBase64Encoded"):
                    raise AssertionError(f"the guard read {name}")
                return super().__getitem__(name)

            get = lambda self, name, default=None: self[name] if name in self else default  # noqa: E731

        for headers, expected in [({}, 403), (self.through(), 401), (self.through(**{"x-api-key": self.key}), None)]:
            with self.subTest(expected=expected):
                response = self.guard(NoBody(event(headers=headers)))
                self.assertEqual(response and response["statusCode"], expected)


class NoClientAuth(Case):
    env = environment(ANKIFY_CLIENT_AUTH="none", ANKIFY_API_KEY_PATH=None)

    def test_lets_everyone_through_the_origin_check_and_reads_no_keys(self) -> None:
        for method, path in [("POST", "/mcp"), ("GET", "/"), ("PUT", "/anything")]:
            self.assertIsNone(self.guard(event(method, path, self.through())))
        self.assertForbidden(self.guard(event()))
        self.assertEqual(self.ssm.reads("GetParametersByPath"), 0)


class OAuth(Case):
    env = environment(ANKIFY_CLIENT_AUTH="oauth", ANKIFY_API_KEY_PATH=None)

    def test_the_guard_refuses_to_start_and_says_what_to_do(self) -> None:
        with self.assertRaises(OAuthNotSupported) as raised:
            self.guard(event(headers=self.through(authorization="Bearer eyJ.x.y")))
        for words in ("JWT library", "check_origin", "docs/python-guard.md", "api-key"):
            self.assertIn(words, str(raised.exception))
        with mock.patch.dict("os.environ", self.env, clear=True), mock.patch.object(ankify_edge, "_default", None):
            self.assertRaises(OAuthNotSupported, ankify_edge.guard, event(headers=self.through()), self.ssm)

    def test_check_origin_still_guards_the_origin(self) -> None:
        self.assertForbidden(self.guard.check_origin(event()))
        self.assertIsNone(self.guard.check_origin(event(headers=self.through())))


class Configuration(unittest.TestCase):
    def answer(self, env: dict) -> tuple[dict | None, list[str]]:
        with mock.patch.dict("os.environ", env, clear=True), mock.patch.object(ankify_edge, "_default", None):
            with self.assertLogs("ankify_edge", "ERROR") as logs:
                response = ankify_edge.guard(event(headers={"x-origin-verify": new_secret()}), FakeSsm())
        return response, [problem for record in logs.records for problem in record.problems]

    def test_a_misconfigured_environment_answers_500_and_logs_each_problem(self) -> None:
        cases = [
            (environment(ANKIFY_ORIGIN_PROTECTION=None), 'ANKIFY_ORIGIN_PROTECTION = "" must be one of: secret-header, oac.'),
            (environment(ANKIFY_ORIGIN_PROTECTION="cloudfront"), 'ANKIFY_ORIGIN_PROTECTION = "cloudfront" must be one of: secret-header, oac.'),
            (environment(ANKIFY_ORIGIN_SECRET_PARAMETER=" "), "ANKIFY_ORIGIN_SECRET_PARAMETER is not set"),
            (environment(ANKIFY_CLIENT_AUTH="keys"), 'ANKIFY_CLIENT_AUTH = "keys" must be one of: api-key, oauth, none.'),
        ] + [(environment(ANKIFY_API_KEY_PATH=path), f"ANKIFY_API_KEY_PATH = {json.dumps(path or '')} must be an SSM path") for path in (None, "ankify/keys", "/ankify/keys/", "/ankify//keys", "/ankify/k eys")]
        for env, problem in cases:
            with self.subTest(problem=problem):
                response, problems = self.answer(env)
                self.assertEqual(response["statusCode"], 500)
                self.assertEqual(json.loads(response["body"]), {"error": "Ankify is misconfigured: its deployment needs fixing (the function's log says what)."})
                self.assertTrue(any(p.startswith(problem) for p in problems), problems)

    def test_reports_every_problem_at_once_and_defaults_client_auth_to_api_key(self) -> None:
        _, problems = self.answer({"ANKIFY_ORIGIN_PROTECTION": "secret-header"})
        self.assertEqual(len(problems), 2, problems)  # no secret parameter; api-key mode without a key path

    def test_the_module_guard_keeps_one_cache_per_execution_environment(self) -> None:
        ssm = FakeSsm()
        secret = new_secret()
        ssm.put(CURRENT, secret)
        with mock.patch.dict("os.environ", environment(ANKIFY_CLIENT_AUTH="none"), clear=True), mock.patch.object(ankify_edge, "_default", None):
            for _ in range(3):
                self.assertIsNone(ankify_edge.guard(event(headers={"x-origin-verify": secret}), ssm))
            self.assertIsNone(ankify_edge.check_origin(event(headers={"x-origin-verify": secret})))
        self.assertEqual(ssm.reads("GetParameter"), 2)

    def test_boto3_is_imported_only_when_ssm_is_needed_and_not_given(self) -> None:
        # sys.modules["boto3"] = None makes `import boto3` fail, as in a runtime without it.
        with mock.patch.dict(sys.modules, {"boto3": None}), mock.patch.object(ankify_edge, "_default", None):
            oac = environment(ANKIFY_ORIGIN_PROTECTION="oac", ANKIFY_CLIENT_AUTH="none")
            with mock.patch.dict("os.environ", oac, clear=True):
                self.assertIsNone(ankify_edge.guard(event()))
            with mock.patch.dict("os.environ", environment(ANKIFY_ORIGIN_PROTECTION="oac"), clear=True), mock.patch.object(ankify_edge, "_default", None):
                with self.assertLogs("ankify_edge", "ERROR") as logs:
                    self.assertEqual(ankify_edge.guard(event(headers={"x-api-key": new_key()}))["statusCode"], 500)
        self.assertIn("boto3 is not installed", logs.records[0].problems[0])


if __name__ == "__main__":
    unittest.main()
