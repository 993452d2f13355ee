/** `GET /`: what this server is and speaks, public (it names no client, key or secret). */
import { PROTOCOL_VERSIONS } from "./protocol";
import { SERVER_INFO } from "./server";

export function statusDocument(what: { readonly originProtection: string; readonly clientAuth: string; readonly jobs: boolean }) {
  return {
    service: SERVER_INFO.name,
    version: SERVER_INFO.version,
    mcp: "/mcp",
    protocolVersions: PROTOCOL_VERSIONS,
    tools: what.jobs ? ["create_deck", "get_deck"] : ["create_deck"],
    originProtection: what.originProtection,
    clientAuth: what.clientAuth,
  };
}
