import { spawn, type ChildProcess } from "node:child_process";
import { createSign, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** A running oidc-provider (testing/function/oauth-server.mjs) and ways to get tokens from it. */
export interface OAuthServer {
  readonly issuer: string;
  /** A real access token from the token endpoint (client credentials), for `resource` with `scope`. */
  issueToken(resource: string, scope: string): Promise<string>;
  /**
   * A JWT signed with the issuer's own key over claims of the test's choosing (expired, wrong iss, …);
   * `header` adds to (or overrides) the issuer's own header `{alg: RS256, typ: at+jwt, kid}`.
   */
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): string;
  stop(): Promise<void>;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export async function startOAuthServer(): Promise<OAuthServer> {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomBytes(8).toString("hex");
  const jwk = { ...privateKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
  const clientSecret = randomBytes(24).toString("hex");
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, "oauth-server.mjs")], {
    env: { PATH: process.env["PATH"], OAUTH_PRIVATE_JWK: JSON.stringify(jwk), OAUTH_CLIENT_SECRET: clientSecret, NODE_ENV: "test" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const issuer = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => resolve((JSON.parse(line) as { issuer: string }).issuer));
    child.once("exit", (code) => reject(new Error(`oauth-server exited (${code}): ${stderr}`)));
  });
  const signWith = (key: KeyObject) => (claims: Record<string, unknown>, header: Record<string, unknown> = {}) => {
    const input = `${b64url({ alg: "RS256", typ: "at+jwt", kid, ...header })}.${b64url(claims)}`;
    return `${input}.${createSign("RSA-SHA256").update(input).sign(key).toString("base64url")}`;
  };
  return {
    issuer,
    async issueToken(resource, scope) {
      const response = await fetch(`${issuer}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`ankify-test:${clientSecret}`).toString("base64")}` },
        body: new URLSearchParams({ grant_type: "client_credentials", resource, scope }),
      });
      const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!body.access_token) throw new Error(`token endpoint: ${body.error}: ${body.error_description}`);
      return body.access_token;
    },
    sign: signWith(privateKey),
    stop: () => new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill();
    }),
  };
}
