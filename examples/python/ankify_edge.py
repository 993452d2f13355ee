"""Ankify Edge's guard for a Python Lambda function behind the edge (Function URL, payload format 2.0).

    from ankify_edge import guard

    def handler(event, context):
        refused = guard(event)
        if refused is not None:
            return refused  # before your code reads the body
        ...                 # your Ankify

It answers as the TypeScript function does before that reads a body (lambda/src/handler.ts, access/):
same status codes, bodies and WWW-Authenticate headers.
  origin   ANKIFY_ORIGIN_PROTECTION=secret-header: 403 unless x-origin-verify carries the current or the
           previous origin secret (SSM SecureStrings named by ANKIFY_ORIGIN_SECRET_PARAMETER and
           ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER). oac: Lambda's IAM auth has checked CloudFront already.
  public   GET and HEAD on / (a status page) need no client credentials, as in the TypeScript function.
  clients  ANKIFY_CLIENT_AUTH=api-key (the default): 401 unless the request carries a key whose SHA-256 is
           stored under ANKIFY_API_KEY_PATH. none: everyone passes. oauth: see OAuthNotSupported.
When SSM cannot be read the answer is 503 and nothing passes. Standard library only; boto3 (part of every
Lambda Python runtime) is imported only when no `ssm` client is passed in.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import time
from typing import Any, Callable, Mapping, Optional

__all__ = ["guard", "check_origin", "Guard", "ConfigurationError", "OAuthNotSupported"]

ORIGIN_VERIFY_HEADER = "x-origin-verify"
#: A revoked key stops working within this many seconds (KEY_CACHE_MS in lambda/src/access/api-keys.ts).
KEY_CACHE_SECONDS = 60.0
#: The origin secrets are read again at least this often.
SECRET_CACHE_SECONDS = 60.0
#: A value that matches no cached secret re-reads them, at most this often: CloudFront may send a freshly
#: rotated secret before the cache expires, and a stranger must not set SSM's request rate.
SECRET_RECHECK_SECONDS = 5.0
#: (method, rawPath) pairs that need no client credentials: the TypeScript function's status page.
PUBLIC_ROUTES = frozenset({("GET", "/"), ("HEAD", "/")})
#: Seconds a client is told to wait when SSM could not be read.
RETRY_AFTER = "5"

CLIENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", re.ASCII)
KEY_DIGEST = re.compile(r"[0-9a-f]{64}", re.ASCII)
# Web Headers strip HTTP whitespace from both ends of a value; JavaScript's trim() and regex \s use
# ECMAScript's wider set. Python's str.strip() and \s differ from both in a few code points, so both sets
# are spelled out: the guard accepts exactly what the TypeScript function accepts.
_HTTP_WHITESPACE = " \t\r\n"
_JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
_WS = re.escape(_JS_WHITESPACE)
_BEARER = re.compile(rf"Bearer[{_WS}]+([^{_WS}]+)[{_WS}]*\Z", re.ASCII | re.IGNORECASE)

log = logging.getLogger("ankify_edge")
log.addHandler(logging.NullHandler())


class ConfigurationError(Exception):
    """The environment does not describe a usable guard: requests answer 500 until it does."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Ankify guard configuration is invalid:\n" + "\n".join("  - " + p for p in problems))


class OAuthNotSupported(RuntimeError):
    """ANKIFY_CLIENT_AUTH=oauth: token checks need a JWT library, which the Lambda Python runtime lacks."""


class _Unavailable(Exception):
    """SSM could not be read: fail closed."""


def _json(status: int, body: Any, headers: Optional[Mapping[str, str]] = None) -> dict:
    # JSON.stringify's spacing: both functions send the same bytes.
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return {"statusCode": status, "headers": {"content-type": "application/json", **(headers or {})}, "body": text}


def _rpc_error(status: int, code: int, message: str, headers: Mapping[str, str]) -> dict:
    return _json(status, {"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": None}, headers)


def _unavailable(what: str) -> dict:
    return _rpc_error(503, -32603, f"{what} could not be read; try again shortly.", {"retry-after": RETRY_AFTER})


def _headers(event: Mapping[str, Any]) -> dict[str, str]:
    """Names lower-cased (a later spelling of a name wins, as in the TypeScript function), values without
    surrounding HTTP whitespace, as Web Headers keep them. Repeated headers arrive comma-joined."""
    return {name.lower(): value.strip(_HTTP_WHITESPACE) for name, value in (event.get("headers") or {}).items() if isinstance(value, str)}


def _sha256(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


def _find_digest(presented: bytes, candidates: list[tuple[str, bytes]]) -> Optional[str]:
    """The first candidate equal to `presented`; every candidate is compared, with no early exit."""
    found = None
    for name, digest in candidates:
        if hmac.compare_digest(presented, digest) and found is None:
            found = name
    return found


def _error_code(error: Exception) -> str:
    """A botocore ClientError's code ("ParameterNotFound", "ThrottlingException"), else the type's name."""
    response = getattr(error, "response", None)
    return (response.get("Error", {}).get("Code") if isinstance(response, dict) else None) or type(error).__name__


def _boto3_ssm() -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError as error:
        raise ConfigurationError([f"boto3 is not installed ({error}): use a Lambda Python base image, or pass ssm="]) from error
    # A guard must answer quickly: botocore's defaults wait up to 60 s per attempt.
    return boto3.client("ssm", config=Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 2}))


class _Settings:
    """The environment, checked once; every problem is reported (in the TypeScript function's words)."""

    def __init__(self, environ: Mapping[str, str]):
        def get(name: str) -> str:
            return (environ.get(name) or "").strip()

        problems = []
        self.origin_protection = get("ANKIFY_ORIGIN_PROTECTION")
        if self.origin_protection not in ("secret-header", "oac"):
            problems.append(f"ANKIFY_ORIGIN_PROTECTION = {json.dumps(self.origin_protection)} must be one of: secret-header, oac.")
        names = [get("ANKIFY_ORIGIN_SECRET_PARAMETER"), get("ANKIFY_ORIGIN_SECRET_PREVIOUS_PARAMETER")]
        self.secret_parameters = [name for name in names if name]
        if self.origin_protection == "secret-header" and not names[0]:
            problems.append("ANKIFY_ORIGIN_SECRET_PARAMETER is not set; secret-header mode needs the SSM parameter that "
                            "holds the value CloudFront sends in x-origin-verify.")
        self.client_auth = get("ANKIFY_CLIENT_AUTH") or "api-key"
        if self.client_auth not in ("api-key", "oauth", "none"):
            problems.append(f"ANKIFY_CLIENT_AUTH = {json.dumps(self.client_auth)} must be one of: api-key, oauth, none.")
        self.key_path = path = get("ANKIFY_API_KEY_PATH")
        if self.client_auth == "api-key" and (not path.startswith("/") or path.endswith("/") or not all(CLIENT_NAME.fullmatch(p) for p in path.split("/")[1:])):
            problems.append(f'ANKIFY_API_KEY_PATH = {json.dumps(path)} must be an SSM path like "/ankify/ankify/client-keys" '
                            "(api-key mode reads the client keys there).")
        if problems:
            raise ConfigurationError(problems)


class Guard:
    """One execution environment's guard: settings, SSM client and caches. `clock` returns seconds
    (monotonic); `public` lists the (method, rawPath) pairs that need no client credentials."""

    def __init__(self, environ: Mapping[str, str] = os.environ, ssm: Any = None, clock: Callable[[], float] = time.monotonic,
                 public: frozenset = PUBLIC_ROUTES):
        self.settings = _Settings(environ)
        self.ssm_given = ssm
        self._ssm, self._clock, self._public = ssm, clock, public
        self._secrets: Optional[list[tuple[str, bytes]]] = None
        self._secrets_at = 0.0
        self._secrets_tried_at: Optional[float] = None
        self._keys: Optional[list[tuple[str, bytes]]] = None
        self._keys_at = 0.0

    def __call__(self, event: Mapping[str, Any]) -> Optional[dict]:
        """The response that refuses the request, or None when it may go on."""
        if self.settings.client_auth == "oauth":
            raise OAuthNotSupported(
                'ANKIFY_CLIENT_AUTH = "oauth": ankify_edge cannot verify OAuth access tokens, which needs a JWT library '
                "the Lambda Python runtime does not have. Call ankify_edge.check_origin(event), then verify tokens in your "
                "image with a JWT library of your choice; or set ANKIFY_CLIENT_AUTH to api-key. "
                "See docs/python-guard.md in Ankify Edge (OAuth).")
        headers = _headers(event)
        refused = self._check_origin(headers)
        if refused is not None:
            return refused
        method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", "")).upper()
        if (method, event.get("rawPath")) in self._public or self.settings.client_auth == "none":
            return None
        return self._check_api_key(headers)

    def check_origin(self, event: Mapping[str, Any]) -> Optional[dict]:
        """The origin check alone, in every client-auth mode (oauth users verify tokens themselves)."""
        return self._check_origin(_headers(event))

    def _client(self) -> Any:
        if self._ssm is None:
            self._ssm = _boto3_ssm()
        return self._ssm

    # Origin secret (lambda/src/access/origin-guard.ts) ------------------------------------------------

    def _check_origin(self, headers: Mapping[str, str]) -> Optional[dict]:
        if self.settings.origin_protection != "secret-header":
            return None
        presented = headers.get(ORIGIN_VERIFY_HEADER)
        try:
            now = self._clock()
            if self._secrets is None or now - self._secrets_at >= SECRET_CACHE_SECONDS:
                self._load_secrets(now)
            if presented is not None and _find_digest(_sha256(presented), self._secrets) is not None:
                return None
            # A value that matches nothing may have been rotated in since the last read (a missing one never was).
            tried = self._secrets_tried_at
            if presented and (tried is None or now - tried >= SECRET_RECHECK_SECONDS):
                self._load_secrets(now)
                if _find_digest(_sha256(presented), self._secrets) is not None:
                    return None
        except _Unavailable:
            return _unavailable("The origin secret")
        return _json(403, {"error": "Forbidden"})

    def _load_secrets(self, now: float) -> None:
        self._secrets_tried_at = now
        values = []
        for i, name in enumerate(self.settings.secret_parameters):
            client = self._client()
            try:
                values.append(client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
            except Exception as error:
                # Before the first rotation there may be no previous value; the current one must exist.
                if i > 0 and _error_code(error) == "ParameterNotFound":
                    continue
                log.error("origin_secret.unreadable", extra={"parameter": name, "error": _error_code(error)})
                raise _Unavailable() from error
        # A header value never keeps surrounding whitespace, so a stored value must not either.
        self._secrets = [(str(i), _sha256(value.strip(_HTTP_WHITESPACE))) for i, value in enumerate(values)]
        self._secrets_at = now

    # Client API keys (lambda/src/access/api-keys.ts) --------------------------------------------------

    def _check_api_key(self, headers: Mapping[str, str]) -> Optional[dict]:
        read_authorization = self.settings.origin_protection != "oac"
        key = _presented_key(headers, read_authorization)
        try:
            digests = self._key_digests()
        except _Unavailable:
            return _unavailable("Client keys")
        # Always hash and compare, key or no key, so the answer takes the same time either way.
        client = _find_digest(_sha256(key or ""), digests)
        if key is None or client is None:
            log.info("api_keys.refused", extra={"reason": "no key" if key is None else "unknown key"})
            how = "Authorization: Bearer <key> or x-api-key: <key>" if read_authorization else "x-api-key: <key>"
            return _rpc_error(401, -32001, f"Unauthorized: send your Ankify API key as {how}.", {"www-authenticate": 'Bearer realm="ankify"'})
        return None

    def _key_digests(self) -> list[tuple[str, bytes]]:
        now = self._clock()
        if self._keys is not None and now - self._keys_at < KEY_CACHE_SECONDS:
            return self._keys
        path, digests = self.settings.key_path, []
        request = {"Path": path, "Recursive": False, "WithDecryption": True}
        client = self._client()
        try:
            while True:
                page = client.get_parameters_by_path(**request)
                for parameter in page.get("Parameters", []):
                    name, value = parameter.get("Name", "")[len(path) + 1:], parameter.get("Value", "")
                    if CLIENT_NAME.fullmatch(name) and KEY_DIGEST.fullmatch(value):
                        digests.append((name, bytes.fromhex(value)))
                    else:
                        log.warning("api_keys.ignored_parameter", extra={"parameter": parameter.get("Name"), "reason": "not a client name with a SHA-256 hex digest"})
                if not page.get("NextToken"):
                    break
                request["NextToken"] = page["NextToken"]
        except Exception as error:
            # Fail closed: serving a stale list would keep a revoked key alive.
            log.error("api_keys.unreadable", extra={"path": path, "error": _error_code(error)})
            raise _Unavailable() from error
        self._keys, self._keys_at = digests, now
        return digests


def _presented_key(headers: Mapping[str, str], read_authorization: bool) -> Optional[str]:
    """`x-api-key`, else `Authorization: Bearer` (not in oac mode: CloudFront's signature replaces it)."""
    key = headers.get("x-api-key", "").strip(_JS_WHITESPACE)
    if key:
        return key
    match = _BEARER.match(headers.get("authorization", "")) if read_authorization else None
    return match.group(1) if match else None


_default: Optional[Guard] = None


def _guard_for(ssm: Any) -> Guard:
    """The execution environment's guard, made on first use (again if another client is passed)."""
    global _default
    if _default is None or (ssm is not None and _default.ssm_given is not ssm):
        _default = Guard(os.environ, ssm)
    return _default


def _answer(check: Callable[[Guard], Optional[dict]], ssm: Any) -> Optional[dict]:
    try:
        return check(_guard_for(ssm))
    except ConfigurationError as error:
        # Every request would fail alike: a clear 500, the details in the log only.
        log.error("config.invalid", extra={"problems": error.problems})
        return _json(500, {"error": "Ankify is misconfigured: its deployment needs fixing (the function's log says what)."})


def guard(event: Mapping[str, Any], ssm: Any = None) -> Optional[dict]:
    """A Function URL response refusing the request (403, 401, 503; 500 when misconfigured), or None when it
    may go on. `ssm`: a boto3-style SSM client, by default one made with boto3. Raises OAuthNotSupported
    when ANKIFY_CLIENT_AUTH=oauth."""
    return _answer(lambda g: g(event), ssm)


def check_origin(event: Mapping[str, Any], ssm: Any = None) -> Optional[dict]:
    """Only the origin check of `guard`, in every client-auth mode."""
    return _answer(lambda g: g.check_origin(event), ssm)
