import { ALL_VIEWER_EXCEPT_HOST_HEADER, CACHING_DISABLED } from "../stacks/edge/managed-policies";
import { DEFAULT_OAUTH_CALLBACK_URLS } from "../stacks/settings";
import { address, all, only, synthAnkify, synthDefaults } from "../testing/synth";

const ref = (expression: string) => `\${${expression}}`;
const env = (tf: ReturnType<typeof synthAnkify>["tf"]) => only(tf, "aws_lambda_function")["environment"]["variables"] as Record<string, string>;
const statements = (tf: ReturnType<typeof synthAnkify>["tf"]) =>
  (JSON.parse(only(tf, "aws_iam_role_policy")["policy"] as string) as { Statement: Array<{ Sid: string; Action: string[]; Resource: string }> }).Statement;
/** Statements about client authentication: the origin secret's (secret-header mode, tested with the stack) aside. */
const clientStatements = (tf: ReturnType<typeof synthAnkify>["tf"]) => statements(tf).filter((s) => s.Sid !== "ReadOriginSecret");
const COGNITO_TYPES = ["aws_cognito_user_pool", "aws_cognito_user_pool_domain", "aws_cognito_resource_server", "aws_cognito_user_pool_client", "aws_cognito_managed_login_branding"];

describe("api-key mode (default)", () => {
  const { tf } = synthDefaults();

  it("tells the function the SSM path of its client keys, per stack", () => {
    expect(env(tf)).toEqual(expect.objectContaining({ ANKIFY_CLIENT_AUTH: "api-key", ANKIFY_API_KEY_PATH: "/ankify/ankify/client-keys" }));
  });

  it("lets the role read that one path and nothing else in SSM", () => {
    const ssm = clientStatements(tf).filter((s) => s.Action.some((a) => a.startsWith("ssm:")));
    expect(ssm).toEqual([{
      Sid: "ReadClientKeyDigests", Effect: "Allow", Action: ["ssm:GetParametersByPath"],
      Resource: `arn:aws:ssm:eu-west-1:${ref(`data.aws_caller_identity.${Object.keys(tf.data["aws_caller_identity"]!)[0]}.account_id`)}:parameter/ankify/ankify/client-keys`,
    }]);
  });

  it("creates no Cognito resources and manages no keys (they never pass through state)", () => {
    for (const type of COGNITO_TYPES) expect(all(tf, type)).toHaveLength(0);
    expect(all(tf, "aws_ssm_parameter").filter((p) => String(p["name"]).includes("/client-keys"))).toEqual([]);
    expect(tf.output["client_key_path"]!.value).toBe("/ankify/ankify/client-keys");
    expect(tf.output["client_auth"]!.value).toBe("api-key");
  });

  it("forwards the viewer's Authorization and x-api-key: all viewer headers but Host, caching disabled", () => {
    const behavior = only(tf, "aws_cloudfront_distribution")["default_cache_behavior"];
    expect(behavior["origin_request_policy_id"]).toBe(ALL_VIEWER_EXCEPT_HOST_HEADER);
    // AWS allows Authorization in an all-viewer origin request policy only while caching is off.
    expect(behavior["cache_policy_id"]).toBe(CACHING_DISABLED);
    expect(all(tf, "aws_cloudfront_origin_request_policy")).toHaveLength(0);
  });

  it("names each environment's path after its stack", () => {
    const { tf: dev } = synthAnkify({}, "ankify-dev");
    expect(env(dev)["ANKIFY_API_KEY_PATH"]).toBe("/ankify/ankify-dev/client-keys");
  });
});

describe("oauth mode with the stack's Cognito user pool", () => {
  const { json, tf } = synthAnkify({ clientAuth: "oauth" });
  const pool = address(tf, "aws_cognito_user_pool");
  const client = address(tf, "aws_cognito_user_pool_client");

  it("creates a pool where only the owner adds users, with managed login on its own domain", () => {
    expect(only(tf, "aws_cognito_user_pool")).toEqual(expect.objectContaining({
      name: "ankify", user_pool_tier: "ESSENTIALS", username_attributes: ["email"], admin_create_user_config: { allow_admin_create_user_only: true },
    }));
    expect(only(tf, "aws_cognito_user_pool_domain")).toEqual(expect.objectContaining({ managed_login_version: 2, user_pool_id: ref(`${pool}.id`) }));
    expect(only(tf, "aws_cognito_user_pool_domain")["domain"]).toMatch(/^ankify-\$\{random_id\.[\w-]+\.hex\}$/);
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_cognito_managed_login_branding" }, { client_id: ref(`${client}.id`), use_cognito_provided_values: true });
  });

  it("has a resource server for https://<domain>/mcp with the decks scope", () => {
    expect(json).toHaveResourceWithProperties({ tfResourceType: "aws_cognito_resource_server" }, {
      identifier: "https://ankify.example.com/mcp", scope: [expect.objectContaining({ scope_name: "decks" })],
    });
  });

  it("has a public app client for the authorization code flow, sending users back to Claude", () => {
    expect(only(tf, "aws_cognito_user_pool_client")).toEqual(expect.objectContaining({
      generate_secret: false, allowed_oauth_flows: ["code"], allowed_oauth_flows_user_pool_client: true,
      allowed_oauth_scopes: ["openid", "https://ankify.example.com/mcp/decks"], callback_urls: [...DEFAULT_OAUTH_CALLBACK_URLS],
      supported_identity_providers: ["COGNITO"], access_token_validity: 60,
    }));
  });

  it("tells the function the pool's issuer, the client id standing in for an audience, and the full scope", () => {
    expect(env(tf)).toEqual(expect.objectContaining({
      ANKIFY_CLIENT_AUTH: "oauth", ANKIFY_PUBLIC_URL: "https://ankify.example.com/mcp", ANKIFY_OAUTH_ISSUER: `https://${ref(`${pool}.endpoint`)}`,
      ANKIFY_OAUTH_CLIENT_IDS: ref(`${client}.id`), ANKIFY_OAUTH_SCOPE: "https://ankify.example.com/mcp/decks",
    }));
    expect(env(tf)["ANKIFY_OAUTH_AUDIENCE"]).toBeUndefined();
    expect(env(tf)["ANKIFY_API_KEY_PATH"]).toBeUndefined();
    expect(clientStatements(tf).some((s) => s.Action.some((a) => a.startsWith("ssm:")))).toBe(false);
  });

  it("outputs what a client needs: the client id, the login domain and the issuer", () => {
    expect(tf.output["oauth_client_id"]!.value).toBe(ref(`${client}.id`));
    expect(tf.output["oauth_issuer"]!.value).toBe(`https://${ref(`${pool}.endpoint`)}`);
    expect(String(tf.output["oauth_login_domain"]!.value)).toMatch(/^https:\/\/\$\{aws_cognito_user_pool_domain\.[\w-]+\.domain\}\.auth\.eu-west-1\.amazoncognito\.com$/);
  });

  it("takes other callback URLs and scope names", () => {
    const { tf: custom } = synthAnkify({ clientAuth: "oauth", oauthScope: "make:decks", oauthCallbackUrls: "http://localhost:8088/callback, cursor://anysphere.cursor-mcp/oauth/callback" });
    expect(only(custom, "aws_cognito_user_pool_client")["callback_urls"]).toEqual(["http://localhost:8088/callback", "cursor://anysphere.cursor-mcp/oauth/callback"]);
    expect(env(custom)["ANKIFY_OAUTH_SCOPE"]).toBe("https://ankify.example.com/mcp/make:decks");
  });
});

describe("oauth mode with an external issuer", () => {
  const { tf } = synthAnkify({ clientAuth: "oauth", oauthIssuer: "https://acme.eu.auth0.com/", oauthAudience: "https://ankify.example.com/mcp" });

  it("creates no Cognito resources and trusts the issuer for the audience", () => {
    for (const type of COGNITO_TYPES) expect(all(tf, type)).toHaveLength(0);
    expect(env(tf)).toEqual(expect.objectContaining({
      ANKIFY_CLIENT_AUTH: "oauth", ANKIFY_OAUTH_ISSUER: "https://acme.eu.auth0.com/", ANKIFY_OAUTH_AUDIENCE: "https://ankify.example.com/mcp", ANKIFY_OAUTH_SCOPE: "decks",
    }));
    expect(tf.output["oauth_client_id"]).toBeUndefined();
  });
});

describe("none mode", () => {
  it("tells the function and grants no SSM access", () => {
    const { tf } = synthAnkify({ clientAuth: "none" });
    expect(env(tf)["ANKIFY_CLIENT_AUTH"]).toBe("none");
    expect(clientStatements(tf).some((s) => s.Action.some((a) => a.startsWith("ssm:")))).toBe(false);
  });
});
