import { Construct } from "constructs";
import { CognitoUserPool } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { CognitoUserPoolDomain } from "@cdktf/provider-aws/lib/cognito-user-pool-domain";
import { CognitoResourceServer } from "@cdktf/provider-aws/lib/cognito-resource-server";
import { CognitoUserPoolClient } from "@cdktf/provider-aws/lib/cognito-user-pool-client";
import { CognitoManagedLoginBranding } from "@cdktf/provider-aws/lib/cognito-managed-login-branding";
import { Id } from "@cdktf/provider-random/lib/id";

export interface OAuthAuthorizerProps {
  /** Names the pool and starts its login domain prefix. */
  readonly name: string;
  /** The MCP endpoint, `https://<domain>/mcp`: the resource server's identifier and the tokens' resource. */
  readonly resource: string;
  /** The scope name under the resource server, e.g. `decks`. */
  readonly scope: string;
  /** Where the login may send a client back (Claude's callbacks, localhost for CLI clients, …). */
  readonly callbackUrls: readonly string[];
  /** Lifetime of an access token in minutes. 5..1440. @default 60 */
  readonly accessTokenMinutes?: number;
}

/**
 * An Amazon Cognito user pool as Ankify's authorization server (oauth mode without an external
 * issuer): sign-in through Cognito's managed login, a resource server for `https://<domain>/mcp`
 * with one scope, and a public app client for the authorization code flow with PKCE. Cognito has no
 * dynamic client registration, so MCP clients are given the app client's id by hand (docs/client-auth.md).
 * Only the owner creates users (no self sign-up): every user can spend the owner's Polly money.
 */
export class OAuthAuthorizer extends Construct {
  public readonly userPool: CognitoUserPool;
  public readonly client: CognitoUserPoolClient;
  public readonly domain: CognitoUserPoolDomain;
  /** The `iss` of the pool's tokens. */
  public readonly issuer: string;
  /** The full scope tokens carry: `<resource>/<scope>`, Cognito's spelling of a resource server scope. */
  public readonly scope: string;

  constructor(scope: Construct, id: string, props: OAuthAuthorizerProps) {
    super(scope, id);
    const minutes = props.accessTokenMinutes ?? 60;
    if (!Number.isInteger(minutes) || minutes < 5 || minutes > 1440) {
      throw new Error(`OAuthAuthorizer: accessTokenMinutes = ${minutes} is out of range; Cognito allows 5 to 1440 minutes.`);
    }

    this.userPool = new CognitoUserPool(this, "pool", {
      name: props.name,
      // Managed login (the hosted sign-in pages, version 2) needs the Essentials tier; up to 10,000
      // monthly active users are in the free tier.
      userPoolTier: "ESSENTIALS",
      usernameAttributes: ["email"],
      autoVerifiedAttributes: ["email"],
      adminCreateUserConfig: { allowAdminCreateUserOnly: true },
      passwordPolicy: { minimumLength: 12, requireLowercase: true, requireUppercase: true, requireNumbers: true, requireSymbols: false, temporaryPasswordValidityDays: 3 },
      mfaConfiguration: "OPTIONAL",
      softwareTokenMfaConfiguration: { enabled: true },
      accountRecoverySetting: { recoveryMechanism: [{ name: "verified_email", priority: 1 }] },
    });

    // Domain prefixes are unique per region across all accounts: a random suffix avoids clashes.
    const suffix = new Id(this, "domain-suffix", { byteLength: 3 });
    this.domain = new CognitoUserPoolDomain(this, "domain", {
      domain: `${props.name}-${suffix.hex}`,
      userPoolId: this.userPool.id,
      managedLoginVersion: 2,
    });

    const resourceServer = new CognitoResourceServer(this, "resource-server", {
      userPoolId: this.userPool.id,
      identifier: props.resource,
      name: "Ankify",
      scope: [{ scopeName: props.scope, scopeDescription: "Build Anki decks with text-to-speech (spends the owner's Amazon Polly budget)" }],
    });
    this.scope = `${props.resource}/${props.scope}`;

    this.client = new CognitoUserPoolClient(this, "client", {
      name: `${props.name}-mcp-clients`,
      userPoolId: this.userPool.id,
      // A public client: MCP clients (Claude, CLIs) cannot keep a secret; PKCE protects the code.
      generateSecret: false,
      allowedOauthFlowsUserPoolClient: true,
      allowedOauthFlows: ["code"],
      allowedOauthScopes: ["openid", this.scope],
      callbackUrls: [...props.callbackUrls],
      supportedIdentityProviders: ["COGNITO"],
      explicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"],
      accessTokenValidity: minutes,
      idTokenValidity: minutes,
      refreshTokenValidity: 30,
      tokenValidityUnits: [{ accessToken: "minutes", idToken: "minutes", refreshToken: "days" }],
      enableTokenRevocation: true,
      preventUserExistenceErrors: "ENABLED",
      dependsOn: [resourceServer],
    });

    // Managed login shows nothing for a client without a branding style; Cognito's own look is enough.
    new CognitoManagedLoginBranding(this, "branding", {
      userPoolId: this.userPool.id,
      clientId: this.client.id,
      useCognitoProvidedValues: true,
    });

    this.issuer = `https://${this.userPool.endpoint}`;
  }
}
