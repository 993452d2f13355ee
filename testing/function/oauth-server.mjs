// A real OAuth 2.0 authorization server for the tests: oidc-provider (certified, from npm; ESM-only,
// so it runs in its own process). It issues RS256 JWT access tokens by client credentials for any
// resource indicator, with the scopes the request names out of "decks other".
//   env OAUTH_PRIVATE_JWK  the signing key (RSA private JWK with a kid), so tests can also sign
//                          expired or otherwise crafted tokens with the issuer's own key
//   env OAUTH_CLIENT_SECRET the secret of client "ankify-test"
// Prints one line: {"issuer":"http://127.0.0.1:<port>"}
import { createServer } from "node:http";
import Provider from "oidc-provider";

const server = createServer();
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
const provider = new Provider(issuer, {
  jwks: { keys: [JSON.parse(process.env.OAUTH_PRIVATE_JWK)] },
  clients: [
    {
      client_id: "ankify-test",
      client_secret: process.env.OAUTH_CLIENT_SECRET,
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
    },
  ],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => ({
        scope: "decks other",
        audience: resource,
        accessTokenTTL: 600,
        accessTokenFormat: "jwt",
        jwt: { sign: { alg: "RS256" } },
      }),
    },
  },
});
server.on("request", provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
