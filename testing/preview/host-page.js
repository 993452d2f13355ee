// The browser side of the test host (host-server.ts): a page that renders an MCP App the way a web
// host does — the view in a sandbox proxy on another origin, driven through ext-apps' AppBridge.
// Plain JavaScript, bundled for the browser by host-server.ts (ext-apps lives in the lambda
// workspace's node_modules).
import { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";

// A few of the standard theme variables, as a chat app would pass them (MCP Apps "Theming").
const STYLES = {
  light: { "--color-background-primary": "#faf9f5", "--color-background-secondary": "#ffffff", "--color-text-primary": "#1f1e1d", "--color-text-secondary": "#5e5d59", "--color-border-primary": "#dedcd1", "--font-sans": "system-ui, sans-serif" },
  dark: { "--color-background-primary": "#262624", "--color-background-secondary": "#30302e", "--color-text-primary": "#f5f4ef", "--color-text-secondary": "#b7b5a9", "--color-border-primary": "#4a4945", "--font-sans": "system-ui, sans-serif" },
};

const context = (theme) => ({ theme, styles: { variables: STYLES[theme] }, locale: "en-GB", timeZone: "UTC", platform: "web", displayMode: "inline" });

window.ankifyHost = {
  /** Every ui/open-link request the view made, by URL. */
  openLinks: [],
  bridge: undefined,

  /** Shows `result` of a call with `input` in the view `html`, in a sandbox that enforces `csp` (its URL's query). */
  async load({ html, csp, input, result, theme, sandboxUrl }) {
    document.documentElement.dataset.theme = theme;
    const iframe = document.createElement("iframe");
    iframe.id = "view";
    iframe.title = "Deck preview";
    iframe.setAttribute("sandbox", "allow-scripts allow-same-origin");
    const proxyReady = new Promise((resolve) => {
      const listener = (event) => {
        if (event.source === iframe.contentWindow && event.data?.method === "ui/notifications/sandbox-proxy-ready") {
          window.removeEventListener("message", listener);
          resolve();
        }
      };
      window.addEventListener("message", listener);
    });
    const url = new URL(sandboxUrl);
    url.searchParams.set("csp", JSON.stringify(csp ?? {}));
    url.searchParams.set("host", window.location.origin);
    iframe.src = url.href;
    document.getElementById("result").replaceChildren(iframe);
    await proxyReady;

    const bridge = new AppBridge(null, { name: "Ankify test host", version: "1.0.0" }, { openLinks: {} }, { hostContext: context(theme) });
    this.bridge = bridge;
    bridge.onopenlink = async ({ url: link }) => {
      this.openLinks.push(link);
      return {};
    };
    bridge.onsizechange = ({ height }) => {
      if (height !== undefined) iframe.style.height = `${height}px`;
    };
    const initialized = new Promise((resolve) => (bridge.oninitialized = () => resolve()));
    await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
    await bridge.sendSandboxResourceReady({ html, csp });
    await initialized;
    await bridge.sendToolInput({ arguments: input });
    await bridge.sendToolResult(result);
  },

  setTheme(theme) {
    document.documentElement.dataset.theme = theme;
    this.bridge.setHostContext(context(theme));
  },
};
