"""The fake SSM answers as boto3's SSM client does (shapes and errors from the API reference), so the
guard's tests cannot pass on something only the fake accepts."""
from __future__ import annotations

import unittest

from fake_ssm import ClientError, FakeSsm, ParamValidationError


class FakeSsmFollowsBoto3(unittest.TestCase):
    def setUp(self) -> None:
        self.ssm = FakeSsm(page_size=2)
        for name in ("a", "b", "c"):
            self.ssm.put(f"/keys/{name}", f"value-{name}")
        self.ssm.put("/keys/team/d", "value-d")
        self.ssm.put("/plain", "visible", type="String")

    def test_securestrings_come_back_encrypted_unless_decryption_is_asked_for(self) -> None:
        self.assertEqual(self.ssm.get_parameter(Name="/keys/a", WithDecryption=True)["Parameter"]["Value"], "value-a")
        self.assertTrue(self.ssm.get_parameter(Name="/keys/a")["Parameter"]["Value"].startswith("AQICAH"))
        self.assertEqual(self.ssm.get_parameter(Name="/plain")["Parameter"]["Value"], "visible")

    def test_a_missing_parameter_is_a_client_error_named_parameter_not_found(self) -> None:
        with self.assertRaises(ClientError) as raised:
            self.ssm.get_parameter(Name="/nope", WithDecryption=True)
        self.assertEqual(raised.exception.response["Error"]["Code"], "ParameterNotFound")
        self.assertEqual(raised.exception.operation_name, "GetParameter")

    def test_pages_one_level_unless_recursive(self) -> None:
        names, token = [], None
        while True:
            page = self.ssm.get_parameters_by_path(Path="/keys", WithDecryption=True, **({"NextToken": token} if token else {}))
            self.assertLessEqual(len(page["Parameters"]), 2)
            names += [p["Name"] for p in page["Parameters"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(names, ["/keys/a", "/keys/b", "/keys/c"])
        everything = self.ssm.get_parameters_by_path(Path="/keys", Recursive=True, MaxResults=10)
        self.assertEqual(len(everything["Parameters"]), 2, "never more than a page")

    def test_refuses_what_boto3_refuses(self) -> None:
        self.assertRaises(TypeError, self.ssm.get_parameter, "/keys/a")
        self.assertRaises(ParamValidationError, self.ssm.get_parameter, Name="/keys/a", Decrypt=True)
        self.assertRaises(ParamValidationError, self.ssm.get_parameter, Name="/keys/a", WithDecryption="true")
        self.assertRaises(ParamValidationError, self.ssm.get_parameters_by_path, Recursive=False)
        with self.assertRaises(ClientError) as raised:
            self.ssm.get_parameters_by_path(Path="/keys", MaxResults=11)
        self.assertEqual(raised.exception.response["Error"]["Code"], "ValidationException")
        with self.assertRaises(ClientError) as raised:
            self.ssm.get_parameters_by_path(Path="/keys", NextToken="garbage!")
        self.assertEqual(raised.exception.response["Error"]["Code"], "InvalidNextToken")


if __name__ == "__main__":
    unittest.main()
