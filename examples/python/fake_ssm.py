"""An in-memory stand-in for boto3's SSM client, for the guard's tests (standard library only).

It follows boto3's documented shapes rather than what the guard happens to send:
  get_parameter(Name, WithDecryption=False) -> {"Parameter": {Name, Type, Value, Version, ...}}
  get_parameters_by_path(Path, Recursive=False, WithDecryption=False, MaxResults<=10, NextToken)
      -> {"Parameters": [...], "NextToken"?}; one level unless Recursive; a page may hold fewer than
      MaxResults items, even none, and still carry a NextToken ("best-effort" in the API reference)
  errors: botocore's ClientError shape (.response["Error"]["Code"], .operation_name), e.g.
      ParameterNotFound, InvalidNextToken, AccessDeniedException, ThrottlingException; client-side
      ParamValidationError for unknown or mistyped arguments; connection errors with no response.
A SecureString read without WithDecryption=True comes back encrypted, as SSM answers it.
"""
from __future__ import annotations

import base64
import datetime
import hashlib

REGION = "eu-west-1"
ACCOUNT = "123456789012"


class ClientError(Exception):
    """botocore.exceptions.ClientError: an error SSM answered."""

    def __init__(self, code: str, message: str, operation_name: str, status: int = 400):
        self.response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
        self.operation_name = operation_name
        super().__init__(f"An error occurred ({code}) when calling the {operation_name} operation: {message}")


class ParamValidationError(Exception):
    """botocore.exceptions.ParamValidationError: refused before any request is sent (no .response)."""


class EndpointConnectionError(Exception):
    """botocore.exceptions.EndpointConnectionError: SSM could not be reached (no .response)."""

    def __init__(self):
        super().__init__(f'Could not connect to the endpoint URL: "https://ssm.{REGION}.amazonaws.com/"')


_SHAPES = {
    "GetParameter": {"Name": str, "WithDecryption": bool},
    "GetParametersByPath": {"Path": str, "Recursive": bool, "WithDecryption": bool, "MaxResults": int, "NextToken": str, "ParameterFilters": list},
}
_REQUIRED = {"GetParameter": "Name", "GetParametersByPath": "Path"}


class FakeSsm:
    def __init__(self, page_size: int = 10, empty_pages: bool = False):
        self.parameters: dict[str, dict] = {}
        #: (operation, arguments) of every call, in order.
        self.calls: list[tuple[str, dict]] = []
        #: When set, calls raise it (see fail()): every call, or those of `failing` operations only.
        self.failure: Exception | None = None
        self.failing: set[str] | None = None
        self.page_size = page_size
        #: Answer an empty page with a NextToken before every real one.
        self.empty_pages = empty_pages

    # --- the test's side -----------------------------------------------------------------------

    def put(self, name: str, value: str, type: str = "SecureString") -> None:
        version = self.parameters.get(name, {}).get("Version", 0) + 1
        self.parameters[name] = {"Type": type, "Value": value, "Version": version, "LastModifiedDate": datetime.datetime.now(datetime.timezone.utc)}

    def delete(self, name: str) -> None:
        del self.parameters[name]

    def fail(self, code: str = "ThrottlingException", message: str = "Rate exceeded", status: int = 400, operations: set[str] | None = None) -> None:
        """Answer `code` from now on, e.g. AccessDeniedException for an action the role may not call."""
        self.failure = ClientError(code, message, "?", status)
        self.failing = operations

    def reads(self, operation: str) -> int:
        return sum(1 for called, _ in self.calls if called == operation)

    # --- boto3's side --------------------------------------------------------------------------

    def get_parameter(self, *args, **kwargs) -> dict:
        self._begin("GetParameter", args, kwargs)
        name = kwargs["Name"]
        if name not in self.parameters:
            raise ClientError("ParameterNotFound", "", "GetParameter")
        return {"Parameter": self._describe(name, kwargs.get("WithDecryption", False))}

    def get_parameters_by_path(self, *args, **kwargs) -> dict:
        self._begin("GetParametersByPath", args, kwargs)
        path, recursive = kwargs["Path"], kwargs.get("Recursive", False)
        max_results = kwargs.get("MaxResults", self.page_size)
        if not 1 <= max_results <= 10:
            raise ClientError("ValidationException", f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10", "GetParametersByPath")
        prefix = path.rstrip("/") + "/"
        matching = sorted(n for n in self.parameters if n.startswith(prefix) and (recursive or "/" not in n[len(prefix):]))
        start, empty = self._token(kwargs.get("NextToken"))
        if self.empty_pages and not empty and start < len(matching):
            return {"Parameters": [], "NextToken": self._encode(start, True)}
        page = matching[start:start + min(max_results, self.page_size)]
        answer = {"Parameters": [self._describe(n, kwargs.get("WithDecryption", False)) for n in page]}
        if start + len(page) < len(matching):
            answer["NextToken"] = self._encode(start + len(page), False)
        return answer

    def _begin(self, operation: str, args: tuple, kwargs: dict) -> None:
        if args:
            raise TypeError(f"{operation}() only accepts keyword arguments.")
        shape = _SHAPES[operation]
        for key, value in kwargs.items():
            if key not in shape:
                raise ParamValidationError(f'Parameter validation failed:\nUnknown parameter in input: "{key}", must be one of: {", ".join(shape)}')
            if not isinstance(value, shape[key]) or (shape[key] is int and isinstance(value, bool)):
                raise ParamValidationError(f"Parameter validation failed:\nInvalid type for parameter {key}, value: {value!r}, type: {type(value)}, valid types: {shape[key]}")
        if _REQUIRED[operation] not in kwargs:
            raise ParamValidationError(f'Parameter validation failed:\nMissing required parameter in input: "{_REQUIRED[operation]}"')
        self.calls.append((operation, dict(kwargs)))
        if self.failure is not None and (self.failing is None or operation in self.failing):
            if isinstance(self.failure, ClientError):
                self.failure.operation_name = operation
            raise self.failure

    def _describe(self, name: str, decrypt: bool) -> dict:
        stored = self.parameters[name]
        value = stored["Value"]
        if stored["Type"] == "SecureString" and not decrypt:
            # What SSM returns without decryption: the KMS ciphertext, base64 ("AQICAH…").
            value = "AQICAH" + base64.b64encode(hashlib.sha256(value.encode()).digest() * 3).decode()
        return {
            "Name": name, "Type": stored["Type"], "Value": value, "Version": stored["Version"],
            "LastModifiedDate": stored["LastModifiedDate"], "ARN": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{name.lstrip('/')}", "DataType": "text",
        }

    @staticmethod
    def _encode(start: int, empty_served: bool) -> str:
        return base64.b64encode(f"{start}:{int(empty_served)}".encode()).decode()

    @staticmethod
    def _token(token: str | None) -> tuple[int, bool]:
        if token is None:
            return 0, False
        try:
            start, empty = base64.b64decode(token, validate=True).decode().split(":")
            return int(start), empty == "1"
        except ValueError:
            raise ClientError("InvalidNextToken", "The specified token isn't valid.", "GetParametersByPath") from None
