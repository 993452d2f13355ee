import { cdktfJsonContext } from "../main";
import { dnsNameProblem, loadSettings, SETTING_SOURCES } from "../stacks/settings";
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
      originProtection: "secret-header",
      originReadTimeout: 120,
      originTimeoutQuota: 120,
      originKeepaliveTimeout: 5,
      architecture: "arm64",
      originSecretVersion: 1,
    });
  });

  it("names every setting's environment variable in the table the README documents", () => {
    expect(Object.values(SETTING_SOURCES)).toEqual([
      "ANKIFY_DOMAIN", "ANKIFY_ZONE", "ANKIFY_REGION", "ANKIFY_ORIGIN_PROTECTION", "ANKIFY_ORIGIN_READ_TIMEOUT",
      "ANKIFY_ORIGIN_TIMEOUT_QUOTA", "ANKIFY_RESPONSE_COMPLETION_TIMEOUT", "ANKIFY_ORIGIN_KEEPALIVE_TIMEOUT",
      "ANKIFY_ARCHITECTURE", "ANKIFY_ORIGIN_SECRET_VERSION",
    ]);
  });
});

describe("environment overrides", () => {
  it.each([
    [{ ANKIFY_DOMAIN: "example.com" }, { domain: "example.com" }],
    [{ ANKIFY_DOMAIN: "mcp.eu.example.com" }, { domain: "mcp.eu.example.com" }],
    [{ ANKIFY_DOMAIN: "ankify.team.dev", ANKIFY_ZONE: "team.dev" }, { domain: "ankify.team.dev", zone: "team.dev" }],
    [{ ANKIFY_REGION: "us-east-1" }, { region: "us-east-1" }],
    [{ ANKIFY_ORIGIN_PROTECTION: "oac" }, { originProtection: "oac" }],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "1" }, { originReadTimeout: 1 }],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "180", ANKIFY_ORIGIN_TIMEOUT_QUOTA: "180" }, { originReadTimeout: 180, originTimeoutQuota: 180 }],
    [{ ANKIFY_RESPONSE_COMPLETION_TIMEOUT: "120" }, { responseCompletionTimeout: 120 }],
    [{ ANKIFY_RESPONSE_COMPLETION_TIMEOUT: "900" }, { responseCompletionTimeout: 900 }],
    [{ ANKIFY_ORIGIN_KEEPALIVE_TIMEOUT: "60" }, { originKeepaliveTimeout: 60 }],
    [{ ANKIFY_ARCHITECTURE: "x86_64" }, { architecture: "x86_64" }],
    [{ ANKIFY_ORIGIN_SECRET_VERSION: "7" }, { originSecretVersion: 7 }],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: " 90 " }, { originReadTimeout: 90 }],
    [{ ANKIFY_RESPONSE_COMPLETION_TIMEOUT: "" }, {}],
  ])("%j is accepted", (env, expected) => {
    expect(loadSettings({ context, env })).toEqual(expect.objectContaining(expected));
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
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "0" }, "ANKIFY_ORIGIN_READ_TIMEOUT = 0 is out of range; use an integer from 1 to 120 (the ceiling is ANKIFY_ORIGIN_TIMEOUT_QUOTA; raise that only after AWS approved a quota increase)."],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "121" }, "ANKIFY_ORIGIN_READ_TIMEOUT = 121 is out of range; use an integer from 1 to 120 (the ceiling is ANKIFY_ORIGIN_TIMEOUT_QUOTA; raise that only after AWS approved a quota increase)."],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "2m" }, 'ANKIFY_ORIGIN_READ_TIMEOUT = "2m" is not a whole number of seconds; use an integer from 1 to 120 (the ceiling is ANKIFY_ORIGIN_TIMEOUT_QUOTA; raise that only after AWS approved a quota increase).'],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "90.5" }, 'ANKIFY_ORIGIN_READ_TIMEOUT = "90.5" is not a whole number of seconds; use an integer from 1 to 120 (the ceiling is ANKIFY_ORIGIN_TIMEOUT_QUOTA; raise that only after AWS approved a quota increase).'],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "181", ANKIFY_ORIGIN_TIMEOUT_QUOTA: "180" }, "ANKIFY_ORIGIN_READ_TIMEOUT = 181 is out of range; use an integer from 1 to 180 (the ceiling is ANKIFY_ORIGIN_TIMEOUT_QUOTA; raise that only after AWS approved a quota increase)."],
    [{ ANKIFY_ORIGIN_READ_TIMEOUT: "901", ANKIFY_ORIGIN_TIMEOUT_QUOTA: "1200" }, "ANKIFY_ORIGIN_READ_TIMEOUT = 901 is out of range; use an integer from 1 to 900 (Lambda cannot run longer than 900 s)."],
    [{ ANKIFY_ORIGIN_TIMEOUT_QUOTA: "60" }, 'ANKIFY_ORIGIN_TIMEOUT_QUOTA = 60 is out of range; use an integer from 120 to 86400 (120 needs no approval; set more only after Service Quotas approved "Response timeout per origin").'],
    [{ ANKIFY_RESPONSE_COMPLETION_TIMEOUT: "119" }, "ANKIFY_RESPONSE_COMPLETION_TIMEOUT = 119 is out of range; use an integer from 120 to 900 (at least the origin read timeout, at most Lambda's 900 s; unset it to have no overall limit)."],
    [{ ANKIFY_RESPONSE_COMPLETION_TIMEOUT: "901" }, "ANKIFY_RESPONSE_COMPLETION_TIMEOUT = 901 is out of range; use an integer from 120 to 900 (at least the origin read timeout, at most Lambda's 900 s; unset it to have no overall limit)."],
    [{ ANKIFY_ORIGIN_KEEPALIVE_TIMEOUT: "61" }, "ANKIFY_ORIGIN_KEEPALIVE_TIMEOUT = 61 is out of range; use an integer from 1 to 60."],
    [{ ANKIFY_ORIGIN_SECRET_VERSION: "0" }, "ANKIFY_ORIGIN_SECRET_VERSION = 0 is out of range; use an integer from 1 to 1000000 (bump it by one to rotate the origin secret)."],
  ])("%j", (env, message) => {
    expect(problems(env)).toEqual([message]);
  });

  it("lists every problem at once, not just the first", () => {
    expect(problems({ ANKIFY_REGION: "mars-1", ANKIFY_ORIGIN_PROTECTION: "none", ANKIFY_ORIGIN_READ_TIMEOUT: "999" })).toEqual([
      'ANKIFY_REGION = "mars-1" is not an AWS region code; use one like eu-west-1.',
      'ANKIFY_ORIGIN_PROTECTION = "none" is not allowed; use one of: secret-header, oac.',
      "ANKIFY_ORIGIN_READ_TIMEOUT = 999 is out of range; use an integer from 1 to 120 (the ceiling is ANKIFY_ORIGIN_TIMEOUT_QUOTA; raise that only after AWS approved a quota increase).",
    ]);
  });

  it("names cdktf.json when the bad value comes from there", () => {
    expect(problems({}, { originReadTimeout: "fast" })).toEqual([
      'cdktf.json context "originReadTimeout" = "fast" is not a whole number of seconds; use an integer from 1 to 120 (the ceiling is ANKIFY_ORIGIN_TIMEOUT_QUOTA; raise that only after AWS approved a quota increase).',
    ]);
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
