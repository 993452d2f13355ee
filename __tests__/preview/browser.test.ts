/**
 * The deck preview in a real browser: headless Chromium loads the ui:// resource the way a web host
 * renders an MCP App (sandbox proxy on its own origin, the resource's CSP, ext-apps' AppBridge), and
 * hands it a real create_deck result from the dev server, fetched by a real MCP client.
 *
 * ANKIFY_PREVIEW_SCREENSHOTS=docs also saves the screenshots docs/preview.md shows.
 */
import { join } from "node:path";
import type { Frame, Page } from "playwright-core";
import { runDevServer, type Running, type ToolResult } from "../../testing/function/harness";
import { launchChromium, type Browser } from "../../testing/preview/chromium";
import { startTestHost, type ResourceCsp, type TestHost } from "../../testing/preview/host-server";
import { takeQuietTurn } from "../../testing/quiet";

// A loaded machine starts Chromium and speaks clips slowly: generous bounds, never a timing assertion.
jest.setTimeout(240_000);
const WAIT = { timeout: 60_000 };

interface Resource { uri: string; mimeType?: string; text?: string; _meta?: { ui?: { csp?: ResourceCsp } } }
interface AppsClient {
  listTools(): Promise<{ tools: Array<{ name: string; _meta?: { ui?: { resourceUri?: string } } }> }>;
  readResource(params: { uri: string }): Promise<{ contents: Resource[] }>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<ToolResult>;
}

const CARDS = [
  { front: "el <b>gato</b>", back: "the cat" },
  { front: "la casa", back: "the <i>house</i>" },
  { front: "el perro", back: "the dog" },
  { front: "buenos días", back: "good morning" },
];
const INPUT = { deck_name: "Preview::Spanish", note_type: "basic-and-reversed", format: "html", cards: CARDS, language: "es-ES", audio: "both" };
const plain = (html: string) => html.replace(/<[^>]+>/g, "");
/** Text as a reader sees it: markup gone, whitespace collapsed. */
const shown = async (locator: { textContent(): Promise<string | null> }) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();

/** Resolves once `check` holds, checking every 100 ms up to `timeout`. */
async function until(check: () => boolean, { timeout }: { timeout: number }): Promise<void> {
  for (const started = Date.now(); !check(); await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (Date.now() - started > timeout) throw new Error("timed out waiting");
  }
}

let run: Running;
let host: TestHost;
let browser: Browser;
let client: AppsClient;
let resource: Resource;
let result: ToolResult;
const requests: string[] = [];
const consoleViolations: string[] = [];
let releaseTurn: (() => void) | undefined;

beforeAll(async () => {
  // Chromium loads every core for seconds: not while a suite that measures time between events runs.
  releaseTurn = await takeQuietTurn();
  [run, host, browser] = await Promise.all([runDevServer(), startTestHost(), launchChromium()]);
  client = (await run.client({ apps: true })) as unknown as AppsClient;
  browser.context.on("request", (request) => requests.push(request.url()));
  browser.context.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) consoleViolations.push(message.text());
  });
  const { tools } = await client.listTools();
  const uri = tools.find((tool) => tool.name === "create_deck")!._meta!.ui!.resourceUri!;
  resource = (await client.readResource({ uri })).contents[0]!;
  result = await client.callTool({ name: "create_deck", arguments: INPUT });
});

afterAll(async () => {
  try {
    await browser?.close();
    await host?.close();
    await run?.stop();
  } finally {
    releaseTurn?.();
  }
});

/** The view's frame: inside the sandbox proxy's, inside the host page. */
async function viewFrame(page: Page): Promise<Frame> {
  await page.waitForFunction(() => document.querySelector("#view") !== null, undefined, WAIT);
  for (;;) {
    const frame = page.frames().find((f) => f.parentFrame()?.parentFrame() === page.mainFrame());
    if (frame && (await frame.locator("#deck-name").count()) > 0) return frame;
    await page.waitForTimeout(100);
  }
}

async function open(csp: ResourceCsp | undefined, theme: "light" | "dark" = "light"): Promise<{ page: Page; view: Frame }> {
  const page = await browser.context.newPage();
  await page.goto(host.pageUrl);
  await page.evaluate((load) => (window as unknown as { ankifyHost: { load(o: unknown): Promise<void> } }).ankifyHost.load(load),
    { html: resource.text!, csp, input: INPUT, result, theme, sandboxUrl: host.sandboxUrl });
  const view = await viewFrame(page);
  await view.locator("article.card").first().waitFor(WAIT);
  return { page, view };
}

describe("the deck preview in headless Chromium, as a web host renders an MCP App", () => {
  it("is a self-contained MCP App page whose CSP declares the local store, linked from create_deck", () => {
    expect(result.isError).toBeUndefined();
    expect(resource.mimeType).toBe("text/html;profile=mcp-app");
    expect(resource._meta?.ui?.csp?.resourceDomains).toEqual([run.dev.s3Endpoint]);
    expect(resource._meta?.ui?.csp?.connectDomains).toEqual([]);
    const preview = result.structuredContent!["preview"] as { cards: unknown[]; files: Record<string, string> };
    expect(preview.cards).toHaveLength(8);
    for (const link of Object.values(preview.files)) expect(new URL(link).origin).toBe(run.dev.s3Endpoint);
  });

  it("shows every card's text, flips by keyboard, plays a clip from the store, studies by keyboard and asks the host to open the download", async () => {
    const { page, view } = await open(resource._meta?.ui?.csp);
    const out = result.structuredContent!;

    await expect(view.locator("#deck-name").textContent()).resolves.toBe("Preview::Spanish");
    await expect(view.locator(".counts").textContent()).resolves.toBe("8 cards · 4 notes · 8 audio clips · " + (await view.locator(".counts").textContent())!.split(" · ")[3]);
    await expect(view.locator("#expiry").textContent()).resolves.toMatch(/^The download link expires at \d\d:\d\d \(in (59|60) minutes\)\.$/);

    // Every card renders its question: note by note, front → back then back → front.
    const cards = view.locator("article.card");
    await expect(cards.count()).resolves.toBe(8);
    for (let i = 0; i < 8; i++) {
      const card = CARDS[Math.floor(i / 2)]!;
      const [question, answer] = i % 2 === 0 ? [card.front, card.back] : [card.back, card.front];
      await expect(cards.nth(i).locator(".face:not([hidden]) .content").textContent()).resolves.toBe(plain(question));
      // Flipped with the keyboard: Enter on its button shows the answer side (front, rule, back), Space flips back.
      const flip = cards.nth(i).locator("button.flip");
      await flip.focus();
      await page.keyboard.press("Enter");
      await expect(cards.nth(i).getAttribute("data-side")).resolves.toBe("answer");
      await expect(shown(cards.nth(i).locator(".face:not([hidden]) .content"))).resolves.toBe(`${plain(question)} ${plain(answer)}`);
      await expect(cards.nth(i).locator(".face:not([hidden]) .content hr").count()).resolves.toBe(1);
      await page.keyboard.press(" ");
      await expect(cards.nth(i).getAttribute("data-side")).resolves.toBe("question");
    }
    // The formatting is the deck's: <b> stays bold.
    await expect(cards.nth(0).locator(".face:not([hidden]) .content b").textContent()).resolves.toBe("gato");

    // A clip plays: the audio element loads the WAV from the local store and knows its length.
    await cards.nth(0).locator("button.play").first().click();
    await view.waitForFunction(() => {
      const audio = document.querySelector<HTMLAudioElement>("#player")!;
      return audio.duration > 0 && Number.isFinite(audio.duration);
    }, undefined, WAIT);
    const played = await view.evaluate(() => ({ src: document.querySelector<HTMLAudioElement>("#player")!.currentSrc, duration: document.querySelector<HTMLAudioElement>("#player")!.duration }));
    expect(new URL(played.src).origin).toBe(run.dev.s3Endpoint);
    expect(played.duration).toBeGreaterThan(0.2);

    // Study mode, keyboard only: Enter on Study, Space shows the answer and goes on, ← goes back, Esc leaves.
    await view.locator("#study").focus();
    await page.keyboard.press("Enter");
    const study = view.locator("#study-view");
    await expect(study.getAttribute("data-index")).resolves.toBe("0");
    await expect(study.getAttribute("data-side")).resolves.toBe("question");
    await view.locator("body").focus();
    for (const [key, index, side] of [[" ", "0", "answer"], [" ", "1", "question"], [" ", "1", "answer"], ["ArrowRight", "2", "question"], ["ArrowLeft", "1", "question"]] as const) {
      await view.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.keyboard.press(key);
      await expect(study.getAttribute("data-index")).resolves.toBe(index);
      await expect(study.getAttribute("data-side")).resolves.toBe(side);
    }
    await expect(study.locator(".content").textContent()).resolves.toBe(plain(CARDS[0]!.back));
    // The focused button takes Space and Enter as a button does: Show answer, then Next card.
    await view.locator("#study-primary").focus();
    await page.keyboard.press("Enter");
    await expect(study.getAttribute("data-side")).resolves.toBe("answer");
    await settled(page, view);
    await shoot(page, "preview-study.png");
    await page.keyboard.press("Escape");
    await expect(view.locator("#study-view").count()).resolves.toBe(0);
    await expect(cards.count()).resolves.toBe(8);

    // Download asks the host to open the deck's link (ui/open-link), by keyboard too.
    await view.locator("#download").focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => (window as unknown as { ankifyHost: { openLinks: string[] } }).ankifyHost.openLinks.length > 0, undefined, WAIT);
    const links = await page.evaluate(() => (window as unknown as { ankifyHost: { openLinks: string[] } }).ankifyHost.openLinks);
    expect(links).toEqual([out["url"]]);
    // The host's answer reaches the view by postMessage after the host has recorded the link: until
    // then the notice says "Asking your chat app…". Wait for the answer (the bound only catches a hang).
    await view.waitForFunction(() => !/^Asking/.test(document.querySelector("#download-notice")?.textContent ?? ""), undefined, WAIT);
    await expect(view.locator("#download-notice").textContent()).resolves.toMatch(/^Opened the download link/);

    // Nothing was loaded from anywhere but the host, its sandbox and the declared store; nothing was refused.
    const declared = new Set([new URL(host.pageUrl).origin, new URL(host.sandboxUrl).origin, ...resource._meta!.ui!.csp!.resourceDomains!]);
    const origins = new Set(requests.filter((url) => /^https?:/.test(url)).map((url) => new URL(url).origin));
    expect([...origins].filter((origin) => !declared.has(origin))).toEqual([]);
    expect(requests.some((url) => url.startsWith(run.dev.s3Endpoint))).toBe(true);
    expect(consoleViolations).toEqual([]);
    expect(host.cspReports).toEqual([]);
    await page.close();
  });

  it("follows the host's light and dark themes, and fits a phone's width", async () => {
    const { page, view } = await open(resource._meta?.ui?.csp);
    // The picture docs/preview.md shows: the first card turned to its answer, then the same in dark.
    await view.locator("article.card").first().locator("button.flip").focus();
    await page.keyboard.press("Enter");
    await view.locator("article.card").nth(1).locator(".face:not([hidden]) button.play").click();
    await settled(page, view);
    await shoot(page, "preview.png");
    const background = () => view.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await expect(background()).resolves.toBe("rgb(250, 249, 245)");
    await expect(view.evaluate(() => getComputedStyle(document.documentElement).colorScheme)).resolves.toBe("light");

    await page.evaluate(() => (window as unknown as { ankifyHost: { setTheme(t: string): void } }).ankifyHost.setTheme("dark"));
    await view.waitForFunction(() => getComputedStyle(document.body).backgroundColor === "rgb(38, 38, 36)", undefined, WAIT);
    await expect(view.evaluate(() => getComputedStyle(document.documentElement).colorScheme)).resolves.toBe("dark");
    // Text stays readable on the dark background: the host's light text colour, not the page's default.
    await expect(view.evaluate(() => getComputedStyle(document.querySelector(".content")!).color)).resolves.toBe("rgb(245, 244, 239)");
    await settled(page, view);
    await shoot(page, "preview-dark.png");

    // Phone width: one column, nothing wider than the screen.
    await page.evaluate(() => (window as unknown as { ankifyHost: { setTheme(t: string): void } }).ankifyHost.setTheme("light"));
    await page.setViewportSize({ width: 390, height: 844 });
    await view.waitForFunction(() => document.documentElement.clientWidth < 400, undefined, WAIT);
    const layout = await view.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      columns: getComputedStyle(document.querySelector(".grid")!).gridTemplateColumns.split(" ").length,
    }));
    expect(layout).toEqual({ overflow: 0, columns: 1 });
    await settled(page, view);
    await shoot(page, "preview-phone.png");
    expect(consoleViolations).toEqual([]);
    expect(host.cspReports).toEqual([]);
    await page.close();
  });

  it("is held to its CSP: with the store left undeclared, the browser refuses the clip and says so", async () => {
    const reports = host.cspReports.length;
    const { page, view } = await open({ resourceDomains: [], connectDomains: [] });
    await view.locator("article.card").first().locator("button.play").first().click();
    await until(() => host.cspReports.length > reports && consoleViolations.length > 0, WAIT);
    const said = JSON.stringify([...host.cspReports.slice(reports), ...consoleViolations]);
    expect(said).toMatch(/media-src/);
    expect(await view.evaluate(() => document.querySelector<HTMLAudioElement>("#player")!.duration)).toBeNaN();
    consoleViolations.length = 0;
    host.cspReports.length = reports;
    await page.close();
  });
});

/** Waits until the host has sized the view's frame to the view's content (ui/notifications/size-changed). */
async function settled(page: Page, view: Frame): Promise<void> {
  const height = await view.evaluate(() => Math.ceil(document.querySelector("main")!.getBoundingClientRect().height));
  await page.waitForFunction((h) => Math.abs(document.querySelector("#view")!.getBoundingClientRect().height - h) <= 4, height, WAIT);
}

async function shoot(page: Page, name: string): Promise<void> {
  const dir = process.env["ANKIFY_PREVIEW_SCREENSHOTS"];
  if (!dir) return;
  // What the screen shows (a cross-process frame is not painted beyond the viewport anyway).
  await page.screenshot({ path: join(dir, name) });
}
