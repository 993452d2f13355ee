/**
 * A web host for MCP Apps, for the browser test: two origins, as the MCP Apps spec requires of a web
 * host ("Sandbox proxy"): the host page on http://127.0.0.1:<port>, and the sandbox proxy on
 * http://localhost:<port> serving the view under the CSP the spec builds from the resource's
 * `_meta.ui.csp` — with a report-uri, so every violation comes back here.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { build } from "esbuild";
import { PROJECT_ROOT } from "../paths";

export interface ResourceCsp {
  readonly connectDomains?: readonly string[];
  readonly resourceDomains?: readonly string[];
  readonly frameDomains?: readonly string[];
  readonly baseUriDomains?: readonly string[];
}

export interface TestHost {
  /** The host page. */
  readonly pageUrl: string;
  /** The sandbox proxy's page (another origin). */
  readonly sandboxUrl: string;
  /** CSP violation reports (report-uri bodies) received so far. */
  readonly cspReports: unknown[];
  close(): Promise<void>;
}

/** SEP-1865's "CSP Construction from Metadata", word for word, plus where to report. */
export function cspHeader(csp: ResourceCsp, reportUri: string): string {
  const list = (domains: readonly string[] | undefined) => (domains ?? []).filter((d) => !/[;\r\n'" ]/.test(d)).join(" ");
  const resources = list(csp.resourceDomains);
  return [
    "default-src 'none'",
    `script-src 'self' 'unsafe-inline' ${resources}`,
    `style-src 'self' 'unsafe-inline' ${resources}`,
    `connect-src 'self' ${list(csp.connectDomains)}`,
    `img-src 'self' data: ${resources}`,
    `font-src 'self' ${resources}`,
    `media-src 'self' data: ${resources}`,
    `frame-src ${list(csp.frameDomains) || "'none'"}`,
    "object-src 'none'",
    `base-uri ${list(csp.baseUriDomains) || "'self'"}`,
    `report-uri ${reportUri}`,
  ].map((directive) => directive.trim()).join("; ");
}

const HOST_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Test host</title>
<style>
  html { color-scheme: light; background: #f0eee6; color: #1f1e1d; font: 15px/1.4 system-ui, sans-serif; }
  html[data-theme="dark"] { color-scheme: dark; background: #1f1e1d; color: #f5f4ef; }
  body { margin: 0; padding: 16px; }
  .turn { max-width: 860px; margin: 0 auto; }
  .said { margin: 0 0 10px; opacity: 0.8; }
  #result iframe { display: block; width: 100%; height: 300px; border: 1px solid #8885; border-radius: 12px; background: transparent; }
</style></head>
<body><div class="turn"><p class="said">create_deck · Ankify</p><div id="result"></div></div>
<script src="/host.js"></script></body></html>`;

// Relays between the host (parent) and the view (inner frame), and writes the view's HTML into the
// inner frame, which so inherits this page's CSP (examples/basic-host/src/sandbox.ts does the same).
const SANDBOX_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><style>html,body{margin:0;height:100%;background:transparent}iframe{border:0;width:100%;height:100%;display:block}</style></head>
<body><script>
const HOST = new URL(location.href).searchParams.get("host");
const inner = document.createElement("iframe");
inner.setAttribute("sandbox", "allow-scripts allow-same-origin");
document.body.appendChild(inner);
window.addEventListener("message", (event) => {
  if (event.source === window.parent) {
    if (event.origin !== HOST) return;
    if (event.data && event.data.method === "ui/notifications/sandbox-resource-ready") {
      const doc = inner.contentDocument;
      doc.open();
      doc.write(event.data.params.html);
      doc.close();
    } else if (inner.contentWindow) inner.contentWindow.postMessage(event.data, "*");
  } else if (event.source === inner.contentWindow) window.parent.postMessage(event.data, HOST);
});
window.parent.postMessage({ jsonrpc: "2.0", method: "ui/notifications/sandbox-proxy-ready", params: {} }, HOST);
</script></body></html>`;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return (server.address() as AddressInfo).port;
}

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    req.on("end", () => resolve(text));
  });

export async function startTestHost(): Promise<TestHost> {
  const bundle = await build({
    entryPoints: [join(__dirname, "host-page.js")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "chrome120",
    write: false,
    logLevel: "warning",
    // ext-apps is the function workspace's dependency (npm cannot hoist it past the root's React).
    nodePaths: [join(PROJECT_ROOT, "lambda", "node_modules"), join(PROJECT_ROOT, "node_modules")],
  });
  const hostScript = bundle.outputFiles[0]!.text;
  const cspReports: unknown[] = [];
  let hostOrigin = "";

  const host = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const path = new URL(req.url ?? "/", hostOrigin).pathname;
      if (req.method === "POST" && path === "/csp-report") {
        cspReports.push(JSON.parse((await body(req)) || "null"));
        res.writeHead(204).end();
      } else if (path === "/") res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(HOST_PAGE);
      else if (path === "/host.js") res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(hostScript);
      else res.writeHead(404).end();
    })();
  });
  hostOrigin = `http://127.0.0.1:${await listen(host)}`;

  const sandbox = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/sandbox.html") {
      res.writeHead(404).end();
      return;
    }
    const csp = JSON.parse(url.searchParams.get("csp") ?? "{}") as ResourceCsp;
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": cspHeader(csp, `${hostOrigin}/csp-report`),
      "cache-control": "no-store",
    }).end(SANDBOX_PAGE);
  });
  // "localhost" is another site than "127.0.0.1" to the browser: the spec's separate origin.
  const sandboxUrl = `http://localhost:${await listen(sandbox)}/sandbox.html`;

  return {
    pageUrl: `${hostOrigin}/`,
    sandboxUrl,
    cspReports,
    close: async () => {
      host.closeAllConnections();
      sandbox.closeAllConnections();
      await Promise.all([new Promise((resolve) => host.close(resolve)), new Promise((resolve) => sandbox.close(resolve))]);
    },
  };
}
