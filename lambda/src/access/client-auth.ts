/**
 * Who may call /mcp, per ANKIFY_CLIENT_AUTH: one gate the handler runs after the origin guard and
 * before anything reads the body. It answers the verified client (as the SDK's AuthInfo, which the
 * MCP handler passes on to the tool) or the response that refuses the request.
 */
import type { AuthInfo } from "@modelcontextprotocol/server";
import type { ClientAuth, OriginProtection } from "../config";
import { authenticateApiKey, type ApiKeyStore } from "./api-keys";
import { OAuthResourceServer } from "./oauth";

export interface ClientGate {
  readonly mode: ClientAuth["mode"];
  /** A public discovery document for this path, if the mode has one. */
  wellKnown(path: string): Promise<Response | undefined>;
  authenticate(request: Request): Promise<AuthInfo | Response>;
}

/** Whoever calls is let in (`none`): an explicit choice, warned about at synth. */
const ANONYMOUS: AuthInfo = { token: "", clientId: "anonymous", scopes: [] };

export function createClientGate(auth: ClientAuth, originProtection: OriginProtection, keyStore?: ApiKeyStore): ClientGate {
  switch (auth.mode) {
    case "none":
      return { mode: auth.mode, wellKnown: async () => undefined, authenticate: async () => ANONYMOUS };
    case "api-key": {
      if (!keyStore) throw new Error("api-key mode needs a key store");
      const options = { readAuthorization: originProtection !== "oac" };
      return { mode: auth.mode, wellKnown: async () => undefined, authenticate: (request) => authenticateApiKey(request, keyStore, options) };
    }
    case "oauth": {
      const server = new OAuthResourceServer(auth);
      return { mode: auth.mode, wellKnown: (path) => server.wellKnown(path), authenticate: (request) => server.authenticate(request) };
    }
  }
}
