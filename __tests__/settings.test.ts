import { AWS_REGIONS, cdktfJsonContext, dnsNameProblem, loadSettings, POLLY_NEURAL_REGIONS, readSettings, SETTING_SOURCES, SETTINGS, type SettingSpec } from "../stacks/settings";
import { spawnSync } from "node:child_process";
import { PROJECT_ROOT, TS_REGISTER } from "../testing/paths";
import { problemsOf } from "../testing/problems";

const context = cdktfJsonContext();

/** The problems loadSettings reports for these environment variables over cdktf.json's defaults. */
function problems(env: Record<string, string>, extraContext: Record<string, unknown> = {}): readonly string[] {
  return problemsOf(() => loadSettings({ context: { ...context, ...extraContext }, env }));
}

describe("defaults (cdktf.json context)", () => {
  it("are complete and valid", () => {
    expect(loadSettings({ context })).toEqual({
      domain: "ankify.example.com",
      zone: "example.com",
      region: "eu-west-1",
      speechRegion: "eu-west-1",
      originProtection: "secret-header",
      originKeepaliveTimeout: 5,
      architecture: "arm64",
      originSecretVersion: 1,
      rateLimit: 3_000,
      clientRateLimit: 300,
      maxConcurrency: "auto",
      clientAuth: "api-key",
      oauthScope: "decks",
      oauthCallbackUrls: ["https://claude.ai/api/mcp/auth_callback", "https://claude.com/api/mcp/auth_callback"],
      maxSpeechCharacters: 60_000,
      clientDailyCharacters: 200_000,
      clientConcurrency: 2,
      accessLogDays: 30,
      functionTimeout: 300,
      invokeMode: "RESPONSE_STREAM",
      clipCacheDays: 90,
      inlineSeconds: 60,
    });
  });

  it("names every setting's environment variable in the table the README documents", () => {
    expect(Object.values(SETTING_SOURCES)).toEqual([
      "ANKIFY_DOMAIN", "ANKIFY_ZONE", "ANKIFY_REGION", "ANKIFY_SPEECH_REGION", "ANKIFY_ORIGIN_PROTECTION", "ANKIFY_ORIGIN_READ_TIMEOUT",
      "ANKIFY_RESPONSE_COMPLETION_TIMEOUT", "ANKIFY_FUNCTION_TIMEOUT", "ANKIFY_ORIGIN_KEEPALIVE_TIMEOUT",
      "ANKIFY_ARCHITECTURE", "ANKIFY_ORIGIN_SECRET_VERSION", "ANKIFY_RATE_LIMIT", "ANKIFY_CLIENT_RATE_LIMIT", "ANKIFY_ALLOWED_COUNTRIES",
      "ANKIFY_MAX_CONCURRENCY", "ANKIFY_ALARM_EMAIL", "ANKIFY_IMAGE_URI", "ANKIFY_INVOKE_MODE", "ANKIFY_CLIENT_AUTH", "ANKIFY_OAUTH_ISSUER",
      "ANKIFY_OAUTH_AUDIENCE", "ANKIFY_OAUTH_SCOPE", "ANKIFY_OAUTH_CALLBACK_URLS", "ANKIFY_MAX_SPEECH_CHARACTERS",
      "ANKIFY_CLIENT_DAILY_CHARACTERS", "ANKIFY_CLIENT_CONCURRENCY", "ANKIFY_ACCESS_LOG_DAYS", "ANKIFY_CLIP_CACHE_DAYS",
      "ANKIFY_INLINE_SECONDS",
    ]);
  });
});

describe("speech region (ANKIFY_SPEECH_REGION): Polly's neural voices exist only in some regions", () => {
  it("defaults to the app region when Polly has neural voices there", () => {
    expect(loadSettings({ context }).speechRegion).toBe("eu-west-1");
    expect(loadSettings({ context, env: { ANKIFY_REGION: "ap-northeast-3" } }).speechRegion).toBe("ap-northeast-3");
  });

  it("may name another region with neural voices", () => {
    expect(loadSettings({ context, env: { ANKIFY_REGION: "eu-north-1", ANKIFY_SPEECH_REGION: "eu-central-1" } })).toEqual(
      expect.objectContaining({ region: "eu-north-1", speechRegion: "eu-central-1" }),
    );
  });

  it("is required, with the nearest candidates, when the app region has no neural voices", () => {
    expect(problems({ ANKIFY_REGION: "eu-north-1" })).toEqual([
      'ANKIFY_REGION = "eu-north-1" has no Amazon Polly neural voices, so every deck with speech would fail there; ' +
        "set ANKIFY_SPEECH_REGION to a region that has them (the function calls Polly there; the cards' text goes there), " +
        "e.g. eu-central-1, eu-west-1, eu-west-2, eu-west-3, eu-south-2.",
    ]);
    expect(problems({ ANKIFY_REGION: "sa-east-1" })[0]).toMatch(/e\.g\. us-east-1, us-west-2\.$/);
  });

  it.each([
    [{ ANKIFY_SPEECH_REGION: "eu-north-1" }, 'ANKIFY_SPEECH_REGION = "eu-north-1" has no Amazon Polly neural voices; use one of: us-east-1, us-west-2, af-south-1, ap-northeast-1, ap-northeast-2, ap-northeast-3, ap-south-1, ap-southeast-1, ap-southeast-2, ap-southeast-5, ca-central-1, eu-central-1, eu-west-1, eu-west-2, eu-west-3, eu-south-2.'],
    [{ ANKIFY_SPEECH_REGION: "Frankfurt" }, 'ANKIFY_SPEECH_REGION = "Frankfurt" has no Amazon Polly neural voices; use one of: us-east-1, us-west-2, af-south-1, ap-northeast-1, ap-northeast-2, ap-northeast-3, ap-south-1, ap-southeast-1, ap-southeast-2, ap-southeast-5, ca-central-1, eu-central-1, eu-west-1, eu-west-2, eu-west-3, eu-south-2.'],
  ])("refuses %j", (env, message) => {
    expect(problems(env)).toEqual([message]);
  });

  it("lists only regions the app itself accepts", () => {
    for (const region of POLLY_NEURAL_REGIONS) expect(AWS_REGIONS).toContain(region);
  });
});

describe("invoke mode (ANKIFY_INVOKE_MODE): the Function URL fits the image's handler", () => {
  const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ankify-python:v3";
  const settings = (env: Record<string, string>) => loadSettings({ context, env });

  it.each([
    ["the image built from lambda/ (a streaming handler)", {}, "RESPONSE_STREAM"],
    ["ANKIFY_IMAGE_URI (most likely a handler that returns one response)", { ANKIFY_IMAGE_URI: image }, "BUFFERED"],
    ["an explicit BUFFERED for the built image", { ANKIFY_INVOKE_MODE: "BUFFERED" }, "BUFFERED"],
    ["an explicit RESPONSE_STREAM for an own image that streams", { ANKIFY_IMAGE_URI: image, ANKIFY_INVOKE_MODE: "RESPONSE_STREAM" }, "RESPONSE_STREAM"],
  ])("is %s: %j → %s", (_label, env, mode) => {
    expect(settings(env).invokeMode).toBe(mode);
  });

  it("takes cdktf.json's invokeMode, which the environment overrides", () => {
    expect(loadSettings({ context: { ...context, invokeMode: "BUFFERED" } }).invokeMode).toBe("BUFFERED");
    expect(loadSettings({ context: { ...context, invokeMode: "BUFFERED" }, env: { ANKIFY_INVOKE_MODE: "RESPONSE_STREAM" } }).invokeMode).toBe("RESPONSE_STREAM");
  });

  it.each([
    [{ ANKIFY_INVOKE_MODE: "buffered" }, {}, 'ANKIFY_INVOKE_MODE = "buffered" is not allowed; use one of: RESPONSE_STREAM, BUFFERED.'],
    [{ ANKIFY_INVOKE_MODE: "STREAM" }, {}, 'ANKIFY_INVOKE_MODE = "STREAM" is not allowed; use one of: RESPONSE_STREAM, BUFFERED.'],
    [{}, { invokeMode: true }, 'cdktf.json context "invokeMode" = true must be a string.'],
  ])("refuses %j %j in one line", (env, extra, message) => {
    expect(problems(env, extra)).toEqual([message]);
  });

  describe("BUFFERED: the whole answer, and so the function, fits inside the read timeout", () => {
    it("follows an unset read timeout: the function's timeout is then the read timeout's plan-time expression (the stack's)", () => {
      const buffered = settings({ ANKIFY_IMAGE_URI: image });
      expect(buffered).not.toHaveProperty("functionTimeout");
      expect(buffered).not.toHaveProperty("originReadTimeout");
    });

    it.each([
      [{ ANKIFY_ORIGIN_READ_TIMEOUT: "90" }, 90],
      [{ ANKIFY_ORIGIN_READ_TIMEOUT: "15" }, 15],
      [{ ANKIFY_ORIGIN_READ_TIMEOUT: "900" }, 900],
      [{ ANKIFY_ORIGIN_READ_TIMEOUT: "90", ANKIFY_FUNCTION_TIMEOUT: "60" }, 60],
      [{ ANKIFY_ORIGIN_READ_TIMEOUT: "90", ANKIFY_FUNCTION_TIMEOUT: "90" }, 90],
      [{ ANKIFY_FUNCTION_TIMEOUT: "15" }, 15],
      [{ ANKIFY_FUNCTION_TIMEOUT: "120" }, 120],
    ])("%j gives a function timeout of %i s", (env, timeout) => {
      expect(settings({ ANKIFY_IMAGE_URI: image, ...env }).functionTimeout).toBe(timeout);
    });

    const defaulted = "ANKIFY_INVOKE_MODE = BUFFERED, the default with ANKIFY_IMAGE_URI,";
    const spending = "an answer leaves only when the function returns, and a function still running after CloudFront's 504 keeps spending";
    const unsetReadTimeout = `which unset is at most 120 s and checked at plan time against CloudFront's quota: ${spending}`;
    it.each([
      [{ ANKIFY_FUNCTION_TIMEOUT: "91", ANKIFY_ORIGIN_READ_TIMEOUT: "90" },
        `ANKIFY_FUNCTION_TIMEOUT = 91 is out of range; use an integer from 15 to 90 (with ${defaulted} at least 15 s and at most the origin read timeout: ${spending}).`],
      [{ ANKIFY_FUNCTION_TIMEOUT: "121" },
        `ANKIFY_FUNCTION_TIMEOUT = 121 is out of range; use an integer from 15 to 120 (with ${defaulted} at least 15 s and at most the origin read timeout, ${unsetReadTimeout}).`],
      [{ ANKIFY_FUNCTION_TIMEOUT: "14" },
        `ANKIFY_FUNCTION_TIMEOUT = 14 is out of range; use an integer from 15 to 120 (with ${defaulted} at least 15 s and at most the origin read timeout, ${unsetReadTimeout}).`],
      [{ ANKIFY_INVOKE_MODE: "BUFFERED", ANKIFY_FUNCTION_TIMEOUT: "300" },
        `ANKIFY_FUNCTION_TIMEOUT = 300 is out of range; use an integer from 15 to 120 (with ANKIFY_INVOKE_MODE = BUFFERED at least 15 s and at most the origin read timeout, ${unsetReadTimeout}).`],
      [{ ANKIFY_ORIGIN_READ_TIMEOUT: "14" },
        `ANKIFY_ORIGIN_READ_TIMEOUT = 14 is out of range; use an integer from 15 to 900 (with ${defaulted} at least 15 s: the function's whole answer must arrive within it, and so must its shortest timeout; ` +
        `unset: the smaller of 120 and CloudFront's "Response timeout per origin" quota, read at plan time; a value above that quota stops the plan).`],
      [{ ANKIFY_RESPONSE_COMPLETION_TIMEOUT: "300" },
        'ANKIFY_RESPONSE_COMPLETION_TIMEOUT = "300" is only used with ANKIFY_INVOKE_MODE = "RESPONSE_STREAM" (a buffered answer arrives whole within the origin read timeout, ' +
        "which this cap may not be shorter than, so it would never apply); remove it or switch to RESPONSE_STREAM."],
    ])("refuses %j with an own image", (env, message) => {
      expect(problems({ ANKIFY_IMAGE_URI: image, ...env })).toEqual([message]);
    });

    it("keeps RESPONSE_STREAM's rules for an own image that streams", () => {
      expect(settings({ ANKIFY_IMAGE_URI: image, ANKIFY_INVOKE_MODE: "RESPONSE_STREAM", ANKIFY_ORIGIN_READ_TIMEOUT: "10" })).toEqual(
        expect.objectContaining({ originReadTimeout: 10, functionTimeout: 300 }));
      expect(settings({ ANKIFY_IMAGE_URI: image, ANKIFY_INVOKE_MODE: "RESPONSE_STREAM", ANKIFY_RESPONSE_COMPLETION_TIMEOUT: "300" }).responseCompletionTimeout).toBe(300);
      expect(problems({ ANKIFY_IMAGE_URI: image, ANKIFY_INVOKE_MODE: "RESPONSE_STREAM", ANKIFY_FUNCTION_TIMEOUT: "100", ANKIFY_ORIGIN_READ_TIMEOUT: "110" })).toEqual([
        "ANKIFY_FUNCTION_TIMEOUT = 100 is out of range; use an integer from 110 to 900 (at least the origin read timeout and 15 s, at most Lambda's 900 s).",
      ]);
    });
  });
});

describe("environment overrides", () => {
  it.each([
    [{ ANKIFY_DOMAIN: "example.com" }, { domain: "example.com" }],
    [{ ANKIFY_DOMAIN: "mcp.eu.example.com" }, { domain: "mcp.eu.example.com" }],
    [{ ANKIFY_DOMAIN: "ankify.team.dev", ANKIFY_ZONE: "team.dev" }, { domain: "ankify.team.dev", zone: "team.dev" }],
    [{ ANKIFY_REGION: "us-east-1" }, { region: "us-east-1" }],
    [{ ANKIFY_ORIGIN_PROTECTION: "oac" }, { originProtection: "oac" }],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "10" }, { originReadTimeout: 10 }],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "180" }, { originReadTimeout: 180 }],
    [{ ANKIFY_FUNCTION_TIMEOUT: "60" }, { functionTimeout: 60 }],
    [{ ANKIFY_RESPONSE_COMPLETION_TIMEOUT: "300" }, { responseCompletionTimeout: 300, functionTimeout: 300 }],
    [{ ANKIFY_FUNCTION_TIMEOUT: "120", ANKIFY_RESPONSE_COMPLETION_TIMEOUT: "120" }, { responseCompletionTimeout: 120, functionTimeout: 120 }],
    [{ ANKIFY_FUNCTION_TIMEOUT: "900" }, { functionTimeout: 900 }],
    [{ ANKIFY_CLIP_CACHE_DAYS: "0" }, { clipCacheDays: 0 }],
    [{ ANKIFY_CLIP_CACHE_DAYS: "3650" }, { clipCacheDays: 3650 }],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "600" }, { functionTimeout: 600 }],
    [{ ANKIFY_RESPONSE_COMPLETION_TIMEOUT: "900" }, { responseCompletionTimeout: 900 }],
    [{ ANKIFY_ORIGIN_KEEPALIVE_TIMEOUT: "60" }, { originKeepaliveTimeout: 60 }],
    [{ ANKIFY_ARCHITECTURE: "x86_64" }, { architecture: "x86_64" }],
    [{ ANKIFY_ORIGIN_SECRET_VERSION: "7" }, { originSecretVersion: 7 }],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: " 90 " }, { originReadTimeout: 90 }],
    [{ ANKIFY_RESPONSE_COMPLETION_TIMEOUT: "" }, {}],
    [{ ANKIFY_RATE_LIMIT: "0" }, { rateLimit: 0 }],
    [{ ANKIFY_RATE_LIMIT: "10" }, { rateLimit: 10 }],
    [{ ANKIFY_RATE_LIMIT: "2000000000" }, { rateLimit: 2_000_000_000 }],
    [{ ANKIFY_CLIENT_RATE_LIMIT: "0" }, { clientRateLimit: 0 }],
    [{ ANKIFY_CLIENT_RATE_LIMIT: "10" }, { clientRateLimit: 10 }],
    [{ ANKIFY_RATE_LIMIT: "0", ANKIFY_CLIENT_RATE_LIMIT: "0" }, { rateLimit: 0, clientRateLimit: 0 }],
    [{ ANKIFY_CLIENT_DAILY_CHARACTERS: "0" }, { clientDailyCharacters: 0 }],
    [{ ANKIFY_CLIENT_DAILY_CHARACTERS: "1000" }, { clientDailyCharacters: 1_000 }],
    [{ ANKIFY_CLIENT_DAILY_CHARACTERS: "1000000000" }, { clientDailyCharacters: 1_000_000_000 }],
    [{ ANKIFY_CLIENT_CONCURRENCY: "0" }, { clientConcurrency: 0 }],
    [{ ANKIFY_CLIENT_CONCURRENCY: "900" }, { clientConcurrency: 900 }],
    [{ ANKIFY_ACCESS_LOG_DAYS: "0" }, { accessLogDays: 0 }],
    [{ ANKIFY_ACCESS_LOG_DAYS: "1" }, { accessLogDays: 1 }],
    [{ ANKIFY_ACCESS_LOG_DAYS: "3653" }, { accessLogDays: 3653 }],
    [{ ANKIFY_ALLOWED_COUNTRIES: "DE" }, { allowedCountries: ["DE"] }],
    [{ ANKIFY_ALLOWED_COUNTRIES: "DE, AT ,CH" }, { allowedCountries: ["DE", "AT", "CH"] }],
    [{ ANKIFY_ALLOWED_COUNTRIES: "XK,GB" }, { allowedCountries: ["XK", "GB"] }],
    [{ ANKIFY_MAX_CONCURRENCY: "1" }, { maxConcurrency: 1 }],
    [{ ANKIFY_MAX_CONCURRENCY: "900" }, { maxConcurrency: 900 }],
    [{ ANKIFY_MAX_CONCURRENCY: "none" }, { maxConcurrency: "none" }],
    [{ ANKIFY_MAX_CONCURRENCY: "auto" }, { maxConcurrency: "auto" }],
    [{ ANKIFY_ALARM_EMAIL: "ops@example.com" }, { alarmEmail: "ops@example.com" }],
    [{ ANKIFY_ALARM_EMAIL: "first.last+ankify@mail.example.co.uk" }, { alarmEmail: "first.last+ankify@mail.example.co.uk" }],
    [{ ANKIFY_IMAGE_URI: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ankify-python:v3" }, { imageUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ankify-python:v3" }],
    [
      { ANKIFY_IMAGE_URI: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/ankify@sha256:${"ab12".repeat(16)}` },
      { imageUri: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/ankify@sha256:${"ab12".repeat(16)}` },
    ],
    [
      { ANKIFY_REGION: "us-west-2", ANKIFY_IMAGE_URI: "123456789012.dkr.ecr.us-west-2.amazonaws.com/ankify:1.0" },
      { region: "us-west-2", imageUri: "123456789012.dkr.ecr.us-west-2.amazonaws.com/ankify:1.0" },
    ],
  ])("%j is accepted", (env, expected) => {
    expect(loadSettings({ context, env })).toEqual(expect.objectContaining(expected));
  });

  it("leave the optional guard-rail settings out when unset", () => {
    const settings = loadSettings({ context });
    for (const key of ["allowedCountries", "alarmEmail", "imageUri"]) expect(settings).not.toHaveProperty(key);
  });

  it("take a country list from cdktf.json as a JSON array too", () => {
    expect(loadSettings({ context: { ...context, allowedCountries: ["FR", "BE"] } }).allowedCountries).toEqual(["FR", "BE"]);
  });

  it("take precedence over cdktf.json", () => {
    expect(loadSettings({ context, env: { ANKIFY_REGION: "eu-central-1" } }).region).toBe("eu-central-1");
  });
});

describe("bad values fail with one line naming the variable, the value and the fix", () => {
  it.each([
    [{ ANKIFY_DOMAIN: "ankify.other.org" }, 'ANKIFY_DOMAIN = "ankify.other.org" is not inside the hosted zone "example.com"; use "example.com" itself or a name ending in ".example.com", or set ANKIFY_ZONE to the zone that holds it.'],
    [{ ANKIFY_DOMAIN: "notexample.com" }, 'ANKIFY_DOMAIN = "notexample.com" is not inside the hosted zone "example.com"; use "example.com" itself or a name ending in ".example.com", or set ANKIFY_ZONE to the zone that holds it.'],
    [{ ANKIFY_DOMAIN: "ankify.example.com." }, 'ANKIFY_DOMAIN = "ankify.example.com." is not a valid DNS name: drop the trailing dot.'],
    [{ ANKIFY_DOMAIN: "Ankify.example.com" }, 'ANKIFY_DOMAIN = "Ankify.example.com" is not a valid DNS name: use lower case.'],
    [{ ANKIFY_DOMAIN: "*.example.com" }, 'ANKIFY_DOMAIN = "*.example.com" is not a valid DNS name: wildcards are not supported, name one host.'],
    [{ ANKIFY_DOMAIN: "ank_ify.example.com" }, 'ANKIFY_DOMAIN = "ank_ify.example.com" is not a valid DNS name: label "ank_ify" may contain only a-z, 0-9 and hyphens.'],
    [{ ANKIFY_DOMAIN: "-ankify.example.com" }, 'ANKIFY_DOMAIN = "-ankify.example.com" is not a valid DNS name: label "-ankify" may not start or end with a hyphen.'],
    [{ ANKIFY_DOMAIN: "ankify..example.com" }, 'ANKIFY_DOMAIN = "ankify..example.com" is not a valid DNS name: has an empty label (two dots in a row?).'],
    [{ ANKIFY_ZONE: "localhost" }, 'ANKIFY_ZONE = "localhost" is not a valid DNS name: needs at least two labels, like example.com.'],
    [{ ANKIFY_REGION: "eu-west-9" }, 'ANKIFY_REGION = "eu-west-9" is not an AWS region code; use one like eu-west-1 (close matches: eu-central-1, eu-central-2, eu-north-1, eu-south-1, eu-south-2, eu-west-1).'],
    [{ ANKIFY_REGION: "Ireland" }, 'ANKIFY_REGION = "Ireland" is not an AWS region code; use one like eu-west-1.'],
    [{ ANKIFY_ORIGIN_PROTECTION: "iam" }, 'ANKIFY_ORIGIN_PROTECTION = "iam" is not allowed; use one of: secret-header, oac.'],
    [{ ANKIFY_ARCHITECTURE: "arm" }, 'ANKIFY_ARCHITECTURE = "arm" is not allowed; use one of: arm64, x86_64.'],
    [{ ANKIFY_CLIP_CACHE_DAYS: "-1" }, "ANKIFY_CLIP_CACHE_DAYS = -1 is out of range; use an integer from 0 to 3650 (0 turns the clip cache off)."],
    [{ ANKIFY_CLIP_CACHE_DAYS: "3651" }, "ANKIFY_CLIP_CACHE_DAYS = 3651 is out of range; use an integer from 0 to 3650 (0 turns the clip cache off)."],
    [{ ANKIFY_CLIP_CACHE_DAYS: "a month" }, 'ANKIFY_CLIP_CACHE_DAYS = "a month" is not a whole number of days; use an integer from 0 to 3650 (0 turns the clip cache off).'],
    [{ ANKIFY_MAX_SPEECH_CHARACTERS: "999" }, "ANKIFY_MAX_SPEECH_CHARACTERS = 999 is out of range; use an integer from 1000 to 1000000 characters per request (neural voices cost $16 per million)."],
    [{ ANKIFY_MAX_SPEECH_CHARACTERS: "lots" }, 'ANKIFY_MAX_SPEECH_CHARACTERS = "lots" is not a whole number of characters; use an integer from 1000 to 1000000 characters per request (neural voices cost $16 per million).'],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "9" }, `ANKIFY_ORIGIN_READ_TIMEOUT = 9 is out of range; use an integer from 10 to 900 (unset: the smaller of 120 and CloudFront's "Response timeout per origin" quota, read at plan time; a value above that quota stops the plan).`],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "0" }, `ANKIFY_ORIGIN_READ_TIMEOUT = 0 is out of range; use an integer from 10 to 900 (unset: the smaller of 120 and CloudFront's "Response timeout per origin" quota, read at plan time; a value above that quota stops the plan).`],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "2m" }, `ANKIFY_ORIGIN_READ_TIMEOUT = "2m" is not a whole number of seconds; use an integer from 10 to 900 (unset: the smaller of 120 and CloudFront's "Response timeout per origin" quota, read at plan time; a value above that quota stops the plan).`],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "90.5" }, `ANKIFY_ORIGIN_READ_TIMEOUT = "90.5" is not a whole number of seconds; use an integer from 10 to 900 (unset: the smaller of 120 and CloudFront's "Response timeout per origin" quota, read at plan time; a value above that quota stops the plan).`],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "901" }, `ANKIFY_ORIGIN_READ_TIMEOUT = 901 is out of range; use an integer from 10 to 900 (unset: the smaller of 120 and CloudFront's "Response timeout per origin" quota, read at plan time; a value above that quota stops the plan).`],
    [{ ANKIFY_RESPONSE_COMPLETION_TIMEOUT: "299" }, "ANKIFY_RESPONSE_COMPLETION_TIMEOUT = 299 is out of range; use an integer from 300 to 900 (at least the function timeout, or CloudFront would cut off a deck that is still streaming; at most Lambda's 900 s; unset it to have no overall limit)."],
    [{ ANKIFY_RESPONSE_COMPLETION_TIMEOUT: "901" }, "ANKIFY_RESPONSE_COMPLETION_TIMEOUT = 901 is out of range; use an integer from 300 to 900 (at least the function timeout, or CloudFront would cut off a deck that is still streaming; at most Lambda's 900 s; unset it to have no overall limit)."],
    [{ ANKIFY_FUNCTION_TIMEOUT: "14" }, `ANKIFY_FUNCTION_TIMEOUT = 14 is out of range; use an integer from 15 to 900 (at least 15 s and the origin read timeout, which the plan checks against CloudFront's quota when it is unset; at most Lambda's 900 s).`],
    [{ ANKIFY_FUNCTION_TIMEOUT: "100", ANKIFY_ORIGIN_READ_TIMEOUT: "110" }, "ANKIFY_FUNCTION_TIMEOUT = 100 is out of range; use an integer from 110 to 900 (at least the origin read timeout and 15 s, at most Lambda's 900 s)."],
    [{ ANKIFY_FUNCTION_TIMEOUT: "901" }, `ANKIFY_FUNCTION_TIMEOUT = 901 is out of range; use an integer from 15 to 900 (at least 15 s and the origin read timeout, which the plan checks against CloudFront's quota when it is unset; at most Lambda's 900 s).`],
    [{ ANKIFY_FUNCTION_TIMEOUT: "5m" }, `ANKIFY_FUNCTION_TIMEOUT = "5m" is not a whole number of seconds; use an integer from 15 to 900 (at least 15 s and the origin read timeout, which the plan checks against CloudFront's quota when it is unset; at most Lambda's 900 s).`],
    [{ ANKIFY_ORIGIN_KEEPALIVE_TIMEOUT: "61" }, "ANKIFY_ORIGIN_KEEPALIVE_TIMEOUT = 61 is out of range; use an integer from 1 to 60."],
    [{ ANKIFY_ORIGIN_SECRET_VERSION: "0" }, "ANKIFY_ORIGIN_SECRET_VERSION = 0 is out of range; use an integer from 1 to 1000000 (bump it by one to rotate the origin secret)."],
    [{ ANKIFY_RATE_LIMIT: "9" }, "ANKIFY_RATE_LIMIT = 9 is out of range; use 0 (no web ACL) or an integer from 10 to 2000000000: requests per client IP in 5 minutes (AWS WAF's smallest limit is 10)."],
    [{ ANKIFY_RATE_LIMIT: "1" }, "ANKIFY_RATE_LIMIT = 1 is out of range; use 0 (no web ACL) or an integer from 10 to 2000000000: requests per client IP in 5 minutes (AWS WAF's smallest limit is 10)."],
    [{ ANKIFY_RATE_LIMIT: "2000000001" }, "ANKIFY_RATE_LIMIT = 2000000001 is out of range; use 0 (no web ACL) or an integer from 10 to 2000000000: requests per client IP in 5 minutes."],
    [{ ANKIFY_RATE_LIMIT: "-1" }, "ANKIFY_RATE_LIMIT = -1 is out of range; use 0 (no web ACL) or an integer from 10 to 2000000000: requests per client IP in 5 minutes."],
    [{ ANKIFY_RATE_LIMIT: "300/min" }, 'ANKIFY_RATE_LIMIT = "300/min" is not a whole number of requests; use 0 (no web ACL) or an integer from 10 to 2000000000: requests per client IP in 5 minutes.'],
    [{ ANKIFY_RATE_LIMIT: "off" }, 'ANKIFY_RATE_LIMIT = "off" is not a whole number of requests; use 0 (no web ACL) or an integer from 10 to 2000000000: requests per client IP in 5 minutes.'],
    [{ ANKIFY_ALLOWED_COUNTRIES: "de,AT" }, 'ANKIFY_ALLOWED_COUNTRIES = "de,AT" has codes that are not ISO 3166-1 alpha-2 country codes: "de" (use upper case: "DE"); use upper-case codes like "DE,AT,CH".'],
    [{ ANKIFY_ALLOWED_COUNTRIES: "DE,UK,XX,GER" }, 'ANKIFY_ALLOWED_COUNTRIES = "DE,UK,XX,GER" has codes that are not ISO 3166-1 alpha-2 country codes: "UK" (ISO spells it "GB"), "XX" (no such country), "GER" (two letters expected); use upper-case codes like "DE,AT,CH".'],
    [{ ANKIFY_ALLOWED_COUNTRIES: "DE;AT" }, 'ANKIFY_ALLOWED_COUNTRIES = "DE;AT" has codes that are not ISO 3166-1 alpha-2 country codes: "DE;AT" (two letters expected); use upper-case codes like "DE,AT,CH".'],
    [{ ANKIFY_ALLOWED_COUNTRIES: "DE,AT,DE" }, 'ANKIFY_ALLOWED_COUNTRIES = "DE,AT,DE" names "DE" more than once; name each country once.'],
    [{ ANKIFY_ALLOWED_COUNTRIES: " , " }, 'ANKIFY_ALLOWED_COUNTRIES = "," names no country; list ISO 3166-1 alpha-2 codes like "DE,AT,CH", or unset it to allow every country.'],
    [{ ANKIFY_ALLOWED_COUNTRIES: "DE", ANKIFY_RATE_LIMIT: "0" }, 'ANKIFY_ALLOWED_COUNTRIES = "DE" needs the web ACL, which ANKIFY_RATE_LIMIT = 0 turns off; set ANKIFY_RATE_LIMIT to 10 or more (the default is 3000), or unset ANKIFY_ALLOWED_COUNTRIES to allow every country.'],
    [{ ANKIFY_CLIENT_RATE_LIMIT: "9" }, "ANKIFY_CLIENT_RATE_LIMIT = 9 is out of range; use 0 (no per-client rule) or an integer from 10 to 2000000000: requests per client credential in 5 minutes (AWS WAF's smallest limit is 10)."],
    [{ ANKIFY_CLIENT_RATE_LIMIT: "300", ANKIFY_RATE_LIMIT: "0" }, "ANKIFY_CLIENT_RATE_LIMIT = \"300\" needs the web ACL, which ANKIFY_RATE_LIMIT = 0 turns off; set ANKIFY_RATE_LIMIT to 10 or more (the default is 3000), or set ANKIFY_CLIENT_RATE_LIMIT to 0."],
    [{ ANKIFY_CLIENT_DAILY_CHARACTERS: "999" }, "ANKIFY_CLIENT_DAILY_CHARACTERS = 999 is out of range; use 0 (no daily limit) or an integer from 1000 to 1000000000 per client per UTC day (neural voices cost $16 per million)."],
    [{ ANKIFY_CLIENT_DAILY_CHARACTERS: "1000000001" }, "ANKIFY_CLIENT_DAILY_CHARACTERS = 1000000001 is out of range; use 0 (no daily limit) or an integer from 1000 to 1000000000 per client per UTC day (neural voices cost $16 per million)."],
    [{ ANKIFY_CLIENT_DAILY_CHARACTERS: "200k" }, 'ANKIFY_CLIENT_DAILY_CHARACTERS = "200k" is not a whole number of characters; use 0 (no daily limit) or an integer from 1000 to 1000000000 per client per UTC day (neural voices cost $16 per million).'],
    [{ ANKIFY_CLIENT_CONCURRENCY: "901" }, "ANKIFY_CLIENT_CONCURRENCY = 901 is out of range; use 0 (no limit) or an integer from 1 to 900: deck builds one client may run at once."],
    [{ ANKIFY_ACCESS_LOG_DAYS: "10" }, 'ANKIFY_ACCESS_LOG_DAYS = "10" is not a CloudWatch Logs retention period; use 0 (no access logs) or one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days (the nearest longer one is 14).'],
    [{ ANKIFY_ACCESS_LOG_DAYS: "forever" }, 'ANKIFY_ACCESS_LOG_DAYS = "forever" is not a CloudWatch Logs retention period; use 0 (no access logs) or one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days.'],
    [{ ANKIFY_MAX_CONCURRENCY: "0" }, 'ANKIFY_MAX_CONCURRENCY = 0 would reserve no executions at all, so Lambda would throttle every request; use an integer from 1 to 900, "auto" (reserve 10 where the account quota allows it) or "none" for no reservation.'],
    [{ ANKIFY_MAX_CONCURRENCY: "901" }, 'ANKIFY_MAX_CONCURRENCY = 901 is out of range; use an integer from 1 to 900, "auto" (reserve 10 where the account quota allows it) or "none" for no reservation (Lambda keeps 100 of an account\'s executions unreserved, so a default account of 1000 can reserve at most 900).'],
    [{ ANKIFY_MAX_CONCURRENCY: "-3" }, 'ANKIFY_MAX_CONCURRENCY = -3 is out of range; use an integer from 1 to 900, "auto" (reserve 10 where the account quota allows it) or "none" for no reservation (Lambda keeps 100 of an account\'s executions unreserved, so a default account of 1000 can reserve at most 900).'],
    [{ ANKIFY_MAX_CONCURRENCY: "unlimited" }, 'ANKIFY_MAX_CONCURRENCY = "unlimited" is not a whole number of executions; use an integer from 1 to 900, "auto" (reserve 10 where the account quota allows it) or "none" for no reservation.'],
    [{ ANKIFY_MAX_CONCURRENCY: "2.5" }, 'ANKIFY_MAX_CONCURRENCY = "2.5" is not a whole number of executions; use an integer from 1 to 900, "auto" (reserve 10 where the account quota allows it) or "none" for no reservation.'],
    [{ ANKIFY_ALARM_EMAIL: "ops" }, 'ANKIFY_ALARM_EMAIL = "ops" is not an e-mail address: it needs a name, an @ and a domain; use one like ops@example.com.'],
    [{ ANKIFY_ALARM_EMAIL: "ops@" }, 'ANKIFY_ALARM_EMAIL = "ops@" is not an e-mail address: it needs a name, an @ and a domain; use one like ops@example.com.'],
    [{ ANKIFY_ALARM_EMAIL: "ops@example" }, 'ANKIFY_ALARM_EMAIL = "ops@example" is not an e-mail address: "example" is not a domain name; use one like ops@example.com.'],
    [{ ANKIFY_ALARM_EMAIL: "ops@exa_mple.com" }, 'ANKIFY_ALARM_EMAIL = "ops@exa_mple.com" is not an e-mail address: "exa_mple.com" is not a domain name; use one like ops@example.com.'],
    [{ ANKIFY_ALARM_EMAIL: "o..ps@example.com" }, 'ANKIFY_ALARM_EMAIL = "o..ps@example.com" is not an e-mail address: "o..ps" is not a valid name before the @; use one like ops@example.com.'],
    [{ ANKIFY_ALARM_EMAIL: "ops@example.com, dev@example.com" }, 'ANKIFY_ALARM_EMAIL = "ops@example.com, dev@example.com" is not an e-mail address: it contains white space; use one like ops@example.com.'],
    [{ ANKIFY_IMAGE_URI: "public.ecr.aws/lambda/python:3.12" }, 'ANKIFY_IMAGE_URI = "public.ecr.aws/lambda/python:3.12" is not a private ECR image URI: Lambda runs images only from private ECR repositories (not public.ecr.aws, Docker Hub or other registries); copy the image into ECR; use <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or …/<repository>@sha256:<64 hex digits>.'],
    [{ ANKIFY_IMAGE_URI: "ankify:latest" }, 'ANKIFY_IMAGE_URI = "ankify:latest" is not a private ECR image URI: Lambda runs images only from private ECR repositories (not public.ecr.aws, Docker Hub or other registries); copy the image into ECR; use <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or …/<repository>@sha256:<64 hex digits>.'],
    [{ ANKIFY_IMAGE_URI: "12345.dkr.ecr.eu-west-1.amazonaws.com/ankify:v1" }, 'ANKIFY_IMAGE_URI = "12345.dkr.ecr.eu-west-1.amazonaws.com/ankify:v1" is not a private ECR image URI: the registry must be <12-digit account>.dkr.ecr.<region>.amazonaws.com; use <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or …/<repository>@sha256:<64 hex digits>.'],
    [{ ANKIFY_IMAGE_URI: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/Ankify:v1" }, 'ANKIFY_IMAGE_URI = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/Ankify:v1" is not a private ECR image URI: "Ankify" is not an ECR repository name (lower-case letters, digits, ".", "_", "-" and "/"); use <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or …/<repository>@sha256:<64 hex digits>.'],
    [{ ANKIFY_IMAGE_URI: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ankify" }, 'ANKIFY_IMAGE_URI = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ankify" is not a private ECR image URI: name a tag (:v1) or a digest (@sha256:…) so the function runs a known image; use <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or …/<repository>@sha256:<64 hex digits>.'],
    [{ ANKIFY_IMAGE_URI: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ankify@sha256:abc" }, 'ANKIFY_IMAGE_URI = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ankify@sha256:abc" is not a private ECR image URI: "@sha256:abc" is neither a tag (:v1, up to 128 letters, digits, "_", "." and "-") nor a digest (@sha256: and 64 lower-case hex digits); use <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or …/<repository>@sha256:<64 hex digits>.'],
    [{ ANKIFY_IMAGE_URI: "123456789012.dkr.ecr.eu-west-9.amazonaws.com/ankify:v1" }, 'ANKIFY_IMAGE_URI = "123456789012.dkr.ecr.eu-west-9.amazonaws.com/ankify:v1" names region "eu-west-9", which is not an AWS region code.'],
    [{ ANKIFY_IMAGE_URI: "123456789012.dkr.ecr.us-east-1.amazonaws.com/ankify:v1" }, 'ANKIFY_IMAGE_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ankify:v1" is in us-east-1, but the function runs in eu-west-1 (cdktf.json context "region"); Lambda only pulls images from ECR in its own region: push or replicate the image to eu-west-1, or run the app in us-east-1.'],
  ])("%j", (env, message) => {
    expect(problems(env)).toEqual([message]);
  });

  it("lists every problem at once, not just the first", () => {
    expect(problems({ ANKIFY_REGION: "mars-1", ANKIFY_ORIGIN_PROTECTION: "none", ANKIFY_ORIGIN_READ_TIMEOUT: "999" })).toEqual([
      'ANKIFY_REGION = "mars-1" is not an AWS region code; use one like eu-west-1.',
      'ANKIFY_ORIGIN_PROTECTION = "none" is not allowed; use one of: secret-header, oac.',
      `ANKIFY_ORIGIN_READ_TIMEOUT = 999 is out of range; use an integer from 10 to 900 (unset: the smaller of 120 and CloudFront's "Response timeout per origin" quota, read at plan time; a value above that quota stops the plan).`,
    ]);
  });

  it("names cdktf.json when the bad value comes from there", () => {
    expect(problems({}, { originReadTimeout: "fast" })).toEqual([
      `cdktf.json context "originReadTimeout" = "fast" is not a whole number of seconds; use an integer from 10 to 900 (unset: the smaller of 120 and CloudFront's "Response timeout per origin" quota, read at plan time; a value above that quota stops the plan).`,
    ]);
  });

  it("names cdktf.json for a bad guard-rail value from there", () => {
    expect(problems({}, { maxConcurrency: 0, allowedCountries: ["DE", 7] })).toEqual([
      'cdktf.json context "allowedCountries" = ["DE",7] must be comma-separated country codes like "DE,AT,CH" (or a JSON array of them).',
      'cdktf.json context "maxConcurrency" = 0 would reserve no executions at all, so Lambda would throttle every request; use an integer from 1 to 900, "auto" (reserve 10 where the account quota allows it) or "none" for no reservation.',
    ]);
  });

  it.each([
    [{ ANKIFY_ORIGIN_TIMEOUT_QUOTA: "180" }, {}, "ANKIFY_ORIGIN_TIMEOUT_QUOTA"],
    [{}, { originTimeoutQuota: 120 }, 'cdktf.json context "originTimeoutQuota"'],
  ])("says ANKIFY_ORIGIN_TIMEOUT_QUOTA is no longer a setting (%j %j)", (env, extraContext, where) => {
    expect(problems(env, extraContext)).toEqual([
      `${where} is no longer a setting: the stack reads CloudFront's "Response timeout per origin" quota (L-AECE9FA7) at plan time. ` +
        "Remove it; set ANKIFY_ORIGIN_READ_TIMEOUT only to ask for a particular read timeout (the plan stops if the quota does not allow it).",
    ]);
  });

  it("reserves automatically when ANKIFY_MAX_CONCURRENCY is not set anywhere", () => {
    expect(loadSettings({ context: { ...context, maxConcurrency: undefined } }).maxConcurrency).toBe("auto");
  });

  it("says how to set a missing setting", () => {
    expect(problems({}, { zone: undefined })).toEqual(['zone is not set: add "zone" to cdktf.json context or set ANKIFY_ZONE.']);
  });

  it("builds an error message that lists the problems one per line", () => {
    expect(() => loadSettings({ context, env: { ANKIFY_ARCHITECTURE: "sparc" } })).toThrow(
      'Invalid Ankify settings:\n  - ANKIFY_ARCHITECTURE = "sparc" is not allowed; use one of: arm64, x86_64.',
    );
  });
});

describe("regions", () => {
  const partition = (name: string) =>
    `${name} are a separate AWS partition, without the commercial partition's CloudFront, ACM certificates in us-east-1 and Route 53 alias records this stack needs; use a commercial region like eu-west-1.`;
  it.each([
    [{ ANKIFY_REGION: "EU-WEST-1" }, 'ANKIFY_REGION = "EU-WEST-1" is not an AWS region code: use lower case, "eu-west-1".'],
    [{ ANKIFY_REGION: "Us-East-1" }, 'ANKIFY_REGION = "Us-East-1" is not an AWS region code: use lower case, "us-east-1".'],
    [{ ANKIFY_REGION: "cn-north-1" }, `ANKIFY_REGION = "cn-north-1" is not supported: ${partition("China regions (cn-*)")}`],
    [{ ANKIFY_REGION: "cn-northwest-1" }, `ANKIFY_REGION = "cn-northwest-1" is not supported: ${partition("China regions (cn-*)")}`],
    [{ ANKIFY_REGION: "us-gov-west-1" }, `ANKIFY_REGION = "us-gov-west-1" is not supported: ${partition("GovCloud regions (us-gov-*)")}`],
    [{ ANKIFY_REGION: "US-GOV-EAST-1" }, `ANKIFY_REGION = "US-GOV-EAST-1" is not supported: ${partition("GovCloud regions (us-gov-*)")}`],
    [{ ANKIFY_REGION: "eusc-de-east-1" }, `ANKIFY_REGION = "eusc-de-east-1" is not supported: ${partition("European Sovereign Cloud regions (eusc-*)")}`],
    [{ ANKIFY_REGION: "us-iso-east-1" }, `ANKIFY_REGION = "us-iso-east-1" is not supported: ${partition("isolated regions (us-iso*, eu-isoe-*)")}`],
    [{ ANKIFY_REGION: "us-gov" }, 'ANKIFY_REGION = "us-gov" is not an AWS region code; use one like eu-west-1 (close matches: us-east-1, us-east-2, us-west-1, us-west-2).'],
  ])("%j fails with one line", (env, message) => {
    expect(problems(env)).toEqual([message]);
  });

  it.each([["af-south-1"], ["ap-southeast-7"], ["mx-central-1"], ["us-west-2"]])("%s is accepted", (region) => {
    // Polly has no neural voices in some of them: speech is then spoken in a region that has.
    expect(loadSettings({ context, env: { ANKIFY_REGION: region, ANKIFY_SPEECH_REGION: "us-east-1" } }).region).toBe(region);
  });
});

describe("warnings: allowed, but said at every synth", () => {
  const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ankify";
  const warnings = (env: Record<string, string>) => readSettings({ context, env }).warnings;

  it("none with cdktf.json's defaults", () => {
    expect(warnings({})).toEqual([]);
  });

  it("for an image tagged latest, which still synthesizes", () => {
    expect(readSettings({ context, env: { ANKIFY_IMAGE_URI: `${image}:latest` } })).toEqual({
      settings: expect.objectContaining({ imageUri: `${image}:latest` }),
      warnings: [
        `ANKIFY_IMAGE_URI = "${image}:latest" uses the tag "latest", which moves: Lambda resolves it to a digest once, at deploy, ` +
          "and Terraform sees no change when it moves later. Pin a digest (…@sha256:<digest>) or a unique tag (e.g. the git commit).",
      ],
    });
  });

  it.each([[":v1"], [":latest-2026-11"], [":LATEST1"], [`@sha256:${"0".repeat(64)}`]])("not for an image pinned by %s", (reference) => {
    expect(warnings({ ANKIFY_IMAGE_URI: `${image}${reference}` })).toEqual([]);
  });

  it("for client authentication off", () => {
    expect(warnings({ ANKIFY_CLIENT_AUTH: "none", ANKIFY_DOMAIN: "decks.example.com" })).toEqual([
      'ANKIFY_CLIENT_AUTH = "none": anyone who finds https://decks.example.com/mcp can build decks on your Amazon Polly bill.',
    ]);
  });
});

describe("the table", () => {
  const entries = Object.entries(SETTINGS) as Array<[string, SettingSpec]>;

  it("fills in every setting but the required ones when cdktf.json leaves them out", () => {
    const required = Object.fromEntries(entries.filter(([, spec]) => spec.required && spec.scope === "stack").map(([name]) => [name, context[name]]));
    expect(Object.keys(required)).toEqual(["domain", "zone", "region"]);
    expect(loadSettings({ context: required })).toEqual(loadSettings({ context }));
  });

  it("gives the defaults cdktf.json ships, so the documented default is what a fresh clone gets", () => {
    for (const [key, value] of Object.entries(context)) {
      const spec = (SETTINGS as Record<string, SettingSpec>)[key]!;
      if (!spec.required) expect([key, spec.default]).toEqual([key, value]);
    }
  });

  it("names only settings of the same scope in needs, onlyWith and fallback", () => {
    for (const [name, spec] of entries) {
      for (const other of [...(spec.needs ?? []), ...(spec.onlyWith ? [spec.onlyWith.key] : [])]) {
        expect([name, other, (SETTINGS as Record<string, SettingSpec>)[other]?.scope]).toEqual([name, other, spec.scope]);
      }
      if (spec.fallback) expect((SETTINGS as Record<string, SettingSpec>)[spec.fallback]).toBeDefined();
    }
  });

  it("loads neither cdktf nor the provider, with everything that only reads settings (commands, help, the dev server's check)", () => {
    const modules = ["./stacks/settings", "./stacks/environments", "./scripts/cdktf-env", "./stacks/settings/docs"].map((m) => `require(${JSON.stringify(m)});`).join("");
    const run = spawnSync(process.execPath, ["-r", TS_REGISTER, "-e",
      `${modules} console.log(JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules[\\/](cdktf|@cdktf|constructs)[\\/]/.test(f))))`],
    { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 30_000 });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual([]);
  }, 30_000);

  it("gives each environment variable to one setting", () => {
    const names = entries.flatMap(([, spec]) => (spec.env ? [spec.env] : []));
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("client authentication settings", () => {
  const oauth = { ANKIFY_CLIENT_AUTH: "oauth" };
  it.each([
    [{ ANKIFY_CLIENT_AUTH: "none" }, { clientAuth: "none" }],
    [oauth, { clientAuth: "oauth", oauthScope: "decks" }],
    [{ ...oauth, ANKIFY_OAUTH_ISSUER: "https://acme.eu.auth0.com/", ANKIFY_OAUTH_AUDIENCE: "https://ankify.example.com/mcp" },
      { oauthIssuer: "https://acme.eu.auth0.com/", oauthAudience: "https://ankify.example.com/mcp" }],
    [{ ...oauth, ANKIFY_OAUTH_SCOPE: "ankify:decks" }, { oauthScope: "ankify:decks" }],
    [{ ...oauth, ANKIFY_OAUTH_CALLBACK_URLS: "https://claude.ai/api/mcp/auth_callback, http://localhost:8088/callback, cursor://anysphere.cursor-mcp/oauth/callback" },
      { oauthCallbackUrls: ["https://claude.ai/api/mcp/auth_callback", "http://localhost:8088/callback", "cursor://anysphere.cursor-mcp/oauth/callback"] }],
  ])("%j is accepted", (env, expected) => {
    expect(loadSettings({ context, env })).toEqual(expect.objectContaining(expected));
  });

  it.each([
    [{ ANKIFY_CLIENT_AUTH: "password" }, 'ANKIFY_CLIENT_AUTH = "password" is not allowed; use one of: api-key, oauth, none.'],
    [{ ...oauth, ANKIFY_ORIGIN_PROTECTION: "oac" }, 'ANKIFY_CLIENT_AUTH = "oauth" cannot work with ANKIFY_ORIGIN_PROTECTION = "oac": CloudFront\'s SigV4 signature replaces the client\'s Authorization header, so no bearer token reaches the function. Use secret-header with oauth, or api-key (sent as x-api-key) with oac.'],
    [{ ANKIFY_OAUTH_ISSUER: "https://acme.eu.auth0.com/" }, 'ANKIFY_OAUTH_ISSUER = "https://acme.eu.auth0.com/" is only used with ANKIFY_CLIENT_AUTH = "oauth"; remove it or switch to oauth.'],
    [{ ANKIFY_CLIENT_AUTH: "none", ANKIFY_OAUTH_SCOPE: "decks" }, 'ANKIFY_OAUTH_SCOPE = "decks" is only used with ANKIFY_CLIENT_AUTH = "oauth"; remove it or switch to oauth.'],
    [{ ...oauth, ANKIFY_OAUTH_ISSUER: "http://acme.example.com", ANKIFY_OAUTH_AUDIENCE: "a" }, 'ANKIFY_OAUTH_ISSUER = "http://acme.example.com" is not an issuer URL: must start with https://; use the exact "iss" of its tokens, e.g. https://example.eu.auth0.com/.'],
    [{ ...oauth, ANKIFY_OAUTH_ISSUER: "acme", ANKIFY_OAUTH_AUDIENCE: "a" }, 'ANKIFY_OAUTH_ISSUER = "acme" is not an issuer URL: not a URL; use the exact "iss" of its tokens, e.g. https://example.eu.auth0.com/.'],
    [{ ...oauth, ANKIFY_OAUTH_ISSUER: "https://acme.eu.auth0.com/" }, "ANKIFY_OAUTH_AUDIENCE is not set: with an external issuer, set the audience its tokens carry for Ankify (often https://<domain>/mcp), or tokens for any of its applications would be accepted."],
    [{ ...oauth, ANKIFY_OAUTH_AUDIENCE: "https://ankify.example.com/mcp" }, 'ANKIFY_OAUTH_AUDIENCE = "https://ankify.example.com/mcp" needs ANKIFY_OAUTH_ISSUER: without one the stack\'s Cognito pool issues the tokens, and Cognito access tokens carry the app client\'s id instead of an audience.'],
    [{ ...oauth, ANKIFY_OAUTH_SCOPE: "two words" }, 'ANKIFY_OAUTH_SCOPE = "two words" is not an OAuth scope: use printable characters without spaces, quotes or backslashes, e.g. "decks".'],
    [{ ...oauth, ANKIFY_OAUTH_CALLBACK_URLS: "http://claude.ai/cb" }, 'ANKIFY_OAUTH_CALLBACK_URLS has "http://claude.ai/cb": Cognito allows http only for localhost; use https.'],
    [{ ...oauth, ANKIFY_OAUTH_CALLBACK_URLS: "https://x.example/cb#frag" }, 'ANKIFY_OAUTH_CALLBACK_URLS has "https://x.example/cb#frag": a callback URL may not have a fragment.'],
    [{ ...oauth, ANKIFY_OAUTH_CALLBACK_URLS: " , " }, 'ANKIFY_OAUTH_CALLBACK_URLS = "," lists no URL; give a comma-separated list, or unset it for Claude\'s callbacks.'],
    [{ ...oauth, ANKIFY_OAUTH_ISSUER: "https://acme.eu.auth0.com/", ANKIFY_OAUTH_AUDIENCE: "a", ANKIFY_OAUTH_CALLBACK_URLS: "https://x.example/cb" },
      'ANKIFY_OAUTH_CALLBACK_URLS is only used with the Cognito user pool; your issuer "https://acme.eu.auth0.com/" keeps its own list of redirect URIs.'],
  ])("%j fails with one line", (env, message) => {
    expect(problems(env)).toEqual([message]);
  });
});

describe("dnsNameProblem", () => {
  it.each(["example.com", "a.b.c.example.co.uk", "xn--bcher-kva.example", "1password.com"])("accepts %s", (name) => {
    expect(dnsNameProblem(name)).toBeUndefined();
  });

  it.each([
    ["a".repeat(64) + ".com", "is longer than 63"],
    [`${"a.".repeat(127)}com`, "longer than 253"],
    ["example.123", "all digits"],
  ])("rejects %s", (name, reason) => {
    expect(dnsNameProblem(name)).toContain(reason.replace("is longer", "longer"));
  });
});
