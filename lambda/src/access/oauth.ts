/**
 * OAuth 2.1 resource server (ANKIFY_CLIENT_AUTH=oauth), as the MCP authorization specification
 * describes: Protected Resource Metadata (RFC 9728) names the authorization server; requests carry
 * a JWT access token, verified against the issuer's JWKS (aws-jwt-verify: signature, `iss`,
 * `exp`/`nbf` with a small clock skew, audience or client id; token-checks.ts: `crit`) and the
 * required scope. The SDK's bearer-auth helpers turn failures into 401/403 with the
 * `WWW-Authenticate` challenge, whose description says which check failed, not what was expected.
 */
import {
  bearerAuthChallengeResponse,
  buildOAuthProtectedResourceMetadata,
  getOAuthProtectedResourceMetadataUrl,
  OAuthError,
  OAuthErrorCode,
  verifyBearerToken,
  type AuthInfo,
  type OAuthMetadata,
  type OAuthTokenVerifier,
} from "@modelcontextprotocol/server";
import { JwtVerifier } from "aws-jwt-verify";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import { jsonResponse } from "../http/responses";
import { log } from "../log";
import { withSubject } from "./subject";
import { critProblem, refusalDescription } from "./token-checks";

export interface OAuthSettings {
  /** The MCP endpoint as clients name it, e.g. `https://ankify.example.com/mcp`: the resource. */
  readonly resource: URL;
  /** The authorization server's issuer identifier (`iss`). */
  readonly issuer: string;
  /** Accepted `aud` values (external issuers), if any. */
  readonly audience?: string;
  /** Accepted `client_id` values (Cognito access tokens carry no `aud`), if any. */
  readonly clientIds?: readonly string[];
  /** The scope every call needs, e.g. `decks` or Cognito's `https://…/mcp/decks`. */
  readonly scope: string;
}

/** Seconds of clock difference tolerated on `exp` and `nbf`. */
export const CLOCK_SKEW_SECONDS = 30;
const DISCOVERY_TTL_MS = 60 * 60 * 1000;

export class OAuthResourceServer {
  readonly metadataUrl: string;
  private discovery?: { readonly at: number; readonly metadata: Promise<OAuthMetadata> };
  private verifier?: { readonly jwksUri: string; readonly verify: (token: string) => Promise<JwtPayload> };

  constructor(private readonly settings: OAuthSettings) {
    this.metadataUrl = getOAuthProtectedResourceMetadataUrl(settings.resource);
  }

  /** The Protected Resource Metadata document (RFC 9728). */
  protectedResourceMetadata() {
    return {
      ...buildOAuthProtectedResourceMetadata({
        // The document names only the issuer; the rest of the server's metadata is not needed here.
        oauthMetadata: { issuer: this.settings.issuer } as OAuthMetadata,
        resourceServerUrl: this.settings.resource,
        scopesSupported: [this.settings.scope],
        resourceName: "Ankify",
        dangerouslyAllowInsecureIssuerUrl: isLoopback(this.settings.issuer),
      }),
      bearer_methods_supported: ["header"],
    };
  }

  /**
   * The discovery documents, public like the status page: the protected resource metadata at the
   * root and `/mcp`-suffixed well-known paths, and the authorization server's own metadata for
   * clients of the 2025-03-26 revision, which look for it on the resource's origin.
   */
  async wellKnown(path: string): Promise<Response | undefined> {
    const prmPath = new URL(this.metadataUrl).pathname;
    if (path === "/.well-known/oauth-protected-resource" || path === prmPath) return jsonResponse(200, this.protectedResourceMetadata());
    if (path === "/.well-known/oauth-authorization-server") {
      try {
        return jsonResponse(200, await this.authorizationServerMetadata());
      } catch (error) {
        log("error", "oauth.discovery_failed", { issuer: this.settings.issuer, message: (error as Error).message });
        return jsonResponse(503, { error: "temporarily_unavailable", error_description: "The authorization server's metadata could not be read." });
      }
    }
    return undefined;
  }

  /** The verified token's AuthInfo, or the 401/403 (or 500) that refuses the request. */
  async authenticate(request: Request): Promise<AuthInfo | Response> {
    const options = { verifier: this.tokenVerifier(), requiredScopes: [this.settings.scope], resourceMetadataUrl: this.metadataUrl };
    try {
      return await verifyBearerToken(request.headers.get("authorization"), options);
    } catch (error) {
      log("info", "oauth.refused", { reason: error instanceof OAuthError ? error.message : "verification failed" });
      if (!(error instanceof OAuthError)) log("error", "oauth.verifier_failed", { message: (error as Error).message });
      return bearerAuthChallengeResponse(error, options);
    }
  }

  private tokenVerifier(): OAuthTokenVerifier {
    return {
      verifyAccessToken: async (token) => {
        const crit = critProblem(token);
        if (crit) throw new OAuthError(OAuthErrorCode.InvalidToken, crit);
        let payload: JwtPayload;
        try {
          payload = await (await this.jwtVerifier()).verify(token);
        } catch (error) {
          // aws-jwt-verify's messages name the check and what it expected ("Issuer not allowed: …
          // Expected: …"), never the token: the log may keep them, the caller reads less.
          log("info", "oauth.token_refused", { detail: (error as Error).message });
          throw new OAuthError(OAuthErrorCode.InvalidToken, refusalDescription(error));
        }
        const auth: AuthInfo = {
          token,
          clientId: String(payload["client_id"] ?? payload["azp"] ?? payload.sub ?? ""),
          scopes: typeof payload["scope"] === "string" ? payload["scope"].split(" ").filter(Boolean) : [],
          // The SDK refuses a token once expiresAt is past, with no skew of its own: it is told the
          // moment this server stops accepting the token, so exp has the skew nbf has.
          ...(typeof payload.exp === "number" ? { expiresAt: payload.exp + CLOCK_SKEW_SECONDS } : {}),
          ...(payload.sub ? { extra: { sub: payload.sub } } : {}),
        };
        return payload.sub ? withSubject(auth, "oauth", payload.sub) : auth;
      },
    };
  }

  private authorizationServerMetadata(): Promise<OAuthMetadata> {
    if (!this.discovery || Date.now() - this.discovery.at > DISCOVERY_TTL_MS) {
      const metadata = discover(this.settings.issuer);
      metadata.catch(() => (this.discovery = undefined));
      this.discovery = { at: Date.now(), metadata };
    }
    return this.discovery.metadata;
  }

  private async jwtVerifier() {
    const { jwks_uri } = (await this.authorizationServerMetadata()) as OAuthMetadata & { jwks_uri?: string };
    if (!jwks_uri) throw new Error(`the issuer ${this.settings.issuer} publishes no jwks_uri`);
    if (this.verifier?.jwksUri !== jwks_uri) {
      const { audience, clientIds } = this.settings;
      const verifier = JwtVerifier.create(
        {
          issuer: this.settings.issuer,
          jwksUri: jwks_uri,
          audience: audience ?? null,
          graceSeconds: CLOCK_SKEW_SECONDS,
          customJwtCheck: ({ payload }) => {
            if (clientIds && !clientIds.includes(String(payload["client_id"]))) throw new Error("Token was issued to another client");
            // Cognito signs ID tokens with the same keys; only access tokens grant access.
            if (payload["token_use"] !== undefined && payload["token_use"] !== "access") throw new Error("Not an access token");
          },
        },
        { jwksCache: new SimpleJwksCache({ fetcher: { fetch: async (uri) => (await fetchOk(uri)).arrayBuffer() } }) },
      );
      this.verifier = { jwksUri: jwks_uri, verify: (token) => verifier.verify(token) };
    }
    return this.verifier;
  }
}

/** The issuer's metadata: OpenID discovery (Cognito, Okta, Entra, Auth0), else RFC 8414. */
async function discover(issuer: string): Promise<OAuthMetadata> {
  const base = issuer.replace(/\/+$/, "");
  let lastError: unknown;
  for (const url of [`${base}/.well-known/openid-configuration`, `${base}/.well-known/oauth-authorization-server`]) {
    try {
      const metadata = (await (await fetchOk(url)).json()) as OAuthMetadata;
      if (metadata.issuer !== issuer) throw new Error(`${url} names issuer ${JSON.stringify(metadata.issuer)}, not ${JSON.stringify(issuer)}`);
      return metadata;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function fetchOk(url: string): Promise<globalThis.Response> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: "error" });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response;
}

/** http is allowed for an issuer on this machine only (tests and the dev server). */
export function isLoopback(url: string): boolean {
  const { hostname } = new URL(url);
  return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]";
}
