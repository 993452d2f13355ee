/**
 * The deck preview as an MCP App (extension io.modelcontextprotocol/ui): a `ui://` resource holding
 * the view's page, and the link a tool's `_meta` gives to it. A host that renders MCP Apps shows the
 * page next to the tool's result and hands it that result; any other client ignores both.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import { getUiCapability, RESOURCE_MIME_TYPE } from "@modelcontextprotocol/ext-apps/server";
import { viewHtml } from "./view-html";

export const DECK_PREVIEW_URI = "ui://ankify/deck-preview.html";

/** A tool's `_meta` that shows its result in the preview: `_meta: DECK_PREVIEW_LINK`. */
export const DECK_PREVIEW_LINK = { ui: { resourceUri: DECK_PREVIEW_URI } } as const;

/** Where a 2026-07-28 request carries its client's capabilities (the SDK lifts this envelope out of `_meta` into `ctx.mcpReq.envelope`; 2025 requests have none). */
const CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";

/**
 * Whether this request's client may show the preview. A 2026-07-28 request says, per request, whether
 * its client renders MCP Apps: one that does not gets exactly the result it got before previews
 * existed, and nothing is published for it. A 2025 request cannot say (its client declared its
 * capabilities in an initialize this stateless server never sees again), so it gets the preview
 * data, one optional field it may ignore.
 */
export function clientMayShowPreview(envelope: Readonly<Record<string, unknown>> | undefined): boolean {
  const capabilities = envelope?.[CLIENT_CAPABILITIES];
  if (capabilities === undefined || capabilities === null || typeof capabilities !== "object") return true;
  return getUiCapability(capabilities as Parameters<typeof getUiCapability>[0])?.mimeTypes?.includes(RESOURCE_MIME_TYPE) === true;
}

/**
 * What the page may load besides itself, for the host's CSP: clips and pictures from the deck
 * store's origin, and nothing else (no fetch, no frames, no fonts or scripts from elsewhere).
 */
export function previewResourceMeta(mediaOrigin: string | undefined) {
  return {
    ui: {
      csp: { resourceDomains: mediaOrigin ? [mediaOrigin] : [], connectDomains: [] },
      // The page draws its own cards on the host's background; a frame around it reads as one object.
      prefersBorder: true,
    },
  };
}

export function registerDeckPreview(server: McpServer, mediaOrigin: string | undefined): void {
  const meta = previewResourceMeta(mediaOrigin);
  // What ext-apps' registerAppResource does (set the MCP App MIME type), on the server's own method:
  // the helper's types come from the SDK's ES module build and ours from its CommonJS one.
  server.registerResource(
    "Deck preview",
    DECK_PREVIEW_URI,
    {
      mimeType: RESOURCE_MIME_TYPE,
      description: "Shows a deck made by create_deck: its cards as Anki shows them, their audio, a study mode and a download button.",
      _meta: meta,
    },
    async () => ({ contents: [{ uri: DECK_PREVIEW_URI, mimeType: RESOURCE_MIME_TYPE, text: await viewHtml(), _meta: meta }] }),
  );
}
