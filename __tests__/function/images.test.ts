import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeDataUri, gatherImages, IMAGE_LIMITS, imageExtension, imageSourceProblem, type ImageFetcher } from "../../lambda/src/deck/images";
import { fetchImageBytes, ImageFetchError, type ImageFetchOptions } from "../../lambda/src/http/image-fetch";
import { addressProblem } from "../../lambda/src/http/public-address";
import { LimitError } from "../../lambda/src/limits";
import { dataUri, GIF, JPEG, PNG, pictureServer, pngOfSize, redirect, serve, WEBP, type PictureServer } from "../../testing/function/pictures";

const signal = new AbortController().signal;

describe("which addresses a picture may come from", () => {
  it.each([
    ["93.184.215.14"], ["8.8.8.8"], ["2606:4700:4700::1111"], ["2a00:1450:4001:80b::200e"],
  ])("allows the public address %s", (address) => {
    expect(addressProblem(address)).toBeUndefined();
  });

  it.each([
    ["127.0.0.1", "loopback"], ["127.1.2.3", "loopback"], ["169.254.169.254", "link-local (instance metadata)"],
    ["10.1.2.3", "private"], ["172.31.255.255", "private"], ["192.168.0.1", "private"], ["100.64.0.1", "carrier-grade NAT"],
    ["0.0.0.0", "this network"], ["224.0.0.1", "multicast"], ["255.255.255.255", "reserved"], ["198.18.0.1", "benchmarking"],
    ["192.0.2.1", "documentation"], ["2001:db8::1", "documentation"], ["2002:7f00:1::", "6to4"], ["2001:0:4136:e378::1", "Teredo"],
  ])("refuses %s (%s)", (address, what) => {
    expect(addressProblem(address)).toContain(what);
  });

  it.each([["::1"], ["::"], ["fe80::1"], ["fd00::1"], ["fc00::1"], ["ff02::1"], ["::ffff:127.0.0.1"], ["::ffff:169.254.169.254"], ["::ffff:8.8.8.8"], ["64:ff9b::a9fe:a9fe"], ["::127.0.0.1"]])(
    "refuses the IPv6 address %s, outside global unicast",
    (address) => {
      expect(addressProblem(address)).toMatch(/not a global unicast IPv6 address/);
    },
  );

  it("allows loopback, and only loopback, when the dev server's setting says so", () => {
    expect(addressProblem("127.0.0.1", { allowLoopback: true })).toBeUndefined();
    expect(addressProblem("::1", { allowLoopback: true })).toBeUndefined();
    expect(addressProblem("169.254.169.254", { allowLoopback: true })).toContain("link-local");
    expect(addressProblem("10.0.0.1", { allowLoopback: true })).toContain("private");
    expect(addressProblem("::ffff:127.0.0.1", { allowLoopback: true })).toMatch(/not a global unicast/);
  });
});

describe("a picture's bytes", () => {
  it("are told apart by their first bytes: PNG, JPEG, GIF and WebP, nothing else", () => {
    expect([PNG, JPEG, GIF, WEBP].map(imageExtension)).toEqual(["png", "jpg", "gif", "webp"]);
    for (const other of ['<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<html>", "RIFF\0\0\0\0WAVEfmt ", ""]) {
      expect(imageExtension(Buffer.from(other))).toBeUndefined();
    }
  });

  it("from a data: URI are checked before any work: type by magic bytes, size decoded", () => {
    expect(decodeDataUri(dataUri(PNG))).toEqual({ bytes: PNG });
    // What the URI claims does not matter; the bytes do.
    expect(decodeDataUri(dataUri(GIF, "image/png"))).toEqual({ bytes: GIF });
    expect(imageSourceProblem(dataUri(Buffer.from("<svg></svg>"), "image/svg+xml"))).toBe("must be a PNG, JPEG, GIF or WebP picture (its bytes are not one)");
    expect(imageSourceProblem(dataUri(pngOfSize(IMAGE_LIMITS.dataBytes)))).toBeUndefined();
    expect(imageSourceProblem(dataUri(pngOfSize(IMAGE_LIMITS.dataBytes + 1)))).toBe("must be at most 1 MB");
    expect(imageSourceProblem("data:text/html;base64,PGh0bWw+")).toBe("must be a data:image/…;base64, URI or an https:// URL");
    expect(imageSourceProblem("data:image/png,%89PNG")).toBe("must be a data:image/…;base64, URI or an https:// URL");
  });

  it("from a URL: https, or http to a loopback name (which only the dev server's setting lets through)", () => {
    expect(imageSourceProblem("https://upload.example.org/cat.png")).toBeUndefined();
    expect(imageSourceProblem("http://127.0.0.1:8080/cat.png")).toBeUndefined();
    expect(imageSourceProblem("http://example.org/cat.png")).toBe("must be a data:image/…;base64, URI or an https:// URL");
    expect(imageSourceProblem("ftp://example.org/cat.png")).toBe("must be a data:image/…;base64, URI or an https:// URL");
    expect(imageSourceProblem("https://user:secret@example.org/cat.png")).toBe("must not carry a user name or password");
    expect(imageSourceProblem("cat.png")).toBe("must be a data:image/…;base64, URI or an https:// URL");
    expect(imageSourceProblem(`https://example.org/${"a".repeat(IMAGE_LIMITS.urlLength)}`)).toContain(`at most ${IMAGE_LIMITS.urlLength} characters`);
  });
});

describe("fetching a picture", () => {
  let server: PictureServer;
  let target: PictureServer;
  beforeAll(async () => {
    target = await pictureServer({ "/cat.png": serve(PNG) });
    server = await pictureServer({
      "/cat.png": serve(PNG),
      "/page.html": serve(Buffer.from("<html>not a picture</html>"), "text/html"),
      "/big.png": serve(pngOfSize(3 * 1024 * 1024)),
      "/big-unannounced.png": (_req, res) => {
        res.writeHead(200, { "content-type": "image/png" });
        res.end(pngOfSize(3 * 1024 * 1024));
      },
      "/stall.png": () => undefined,
      "/to-metadata": redirect("http://169.254.169.254/latest/meta-data/"),
      "/to-private": redirect("http://10.0.0.1/cat.png"),
      "/to-mapped": redirect("http://[::ffff:7f00:1]/cat.png"),
      "/to-other-port": redirect(`${target.origin}/cat.png`),
      "/loop": redirect("/loop"),
    });
  });
  afterAll(async () => {
    await server.close();
    await target.close();
  });
  const dev: ImageFetchOptions = { maxBytes: IMAGE_LIMITS.fetchedBytes, timeoutMs: 30_000, allowLoopback: true, runtimeApi: "127.0.0.1:9001" };
  const failure = (url: string, options: ImageFetchOptions = dev) => fetchImageBytes(new URL(url), options, signal).then(
    () => "fetched",
    (error: Error) => `${error.name}: ${error.message}`,
  );

  it("fetches from loopback over http only with the dev server's setting", async () => {
    expect(await fetchImageBytes(new URL(`${server.origin}/cat.png`), dev, signal)).toEqual(PNG);
    const before = server.requests.length;
    expect(await failure(`${server.origin}/cat.png`, { ...dev, allowLoopback: false })).toBe("ImageFetchError: must be an https:// URL (http:// is not fetched)");
    expect(await failure(`https://127.0.0.1:${server.port}/cat.png`, { ...dev, allowLoopback: false })).toBe("ImageFetchError: names a host whose address 127.0.0.1 is loopback, not a public address");
    expect(server.requests.length).toBe(before);
  });

  it("checks every address a host resolves to, and refuses the host when one is not public", async () => {
    const resolve = async () => [{ address: "93.184.215.14", family: 4 }, { address: "10.0.0.7", family: 4 }];
    expect(await failure("https://mixed.example/cat.png", { ...dev, resolve })).toBe("ImageFetchError: names a host whose address 10.0.0.7 is private, not a public address");
    expect(await failure("https://metadata.example/", { ...dev, resolve: async () => [{ address: "169.254.169.254", family: 4 }] }))
      .toBe("ImageFetchError: names a host whose address 169.254.169.254 is link-local (instance metadata), not a public address");
  });

  it("connects to the address it checked, whatever the name resolves to afterwards (no DNS rebinding)", async () => {
    const answers = ["127.0.0.1", "10.9.9.9"];
    let lookups = 0;
    const resolve = async () => [{ address: answers[Math.min(lookups++, 1)]!, family: 4 }];
    expect(await fetchImageBytes(new URL(`http://pictures.test:${server.port}/cat.png`), { ...dev, resolve }, signal)).toEqual(PNG);
    expect(lookups).toBe(1);
  });

  it("checks every redirect like the first URL", async () => {
    expect(await failure(`${server.origin}/to-metadata`)).toBe("ImageFetchError: names a host whose address 169.254.169.254 is link-local (instance metadata), not a public address");
    expect(await failure(`${server.origin}/to-private`)).toBe("ImageFetchError: names a host whose address 10.0.0.1 is private, not a public address");
    expect(await failure(`${server.origin}/to-mapped`)).toMatch(/^ImageFetchError: names a host whose address ::ffff:7f00:1 is not a global unicast IPv6 address/);
    expect(await failure(`${server.origin}/loop`)).toBe("ImageFetchError: was redirected more than 3 times");
    expect(await fetchImageBytes(new URL(`${server.origin}/to-other-port`), dev, signal)).toEqual(PNG);
  });

  it("never reaches the Lambda runtime API, even where loopback is allowed", async () => {
    const runtimeApi = `127.0.0.1:${target.port}`;
    const before = target.requests.length;
    expect(await failure(`${target.origin}/cat.png`, { ...dev, runtimeApi })).toBe("ImageFetchError: names the Lambda runtime API");
    expect(await failure(`http://localhost:${target.port}/cat.png`, { ...dev, runtimeApi: `localhost:${target.port}` })).toBe("ImageFetchError: names the Lambda runtime API");
    expect(await failure(`${server.origin}/to-other-port`, { ...dev, runtimeApi })).toBe("ImageFetchError: names the Lambda runtime API");
    expect(target.requests.length).toBe(before);
  });

  it("stops at the size limit, announced or not, and at the time limit", async () => {
    expect(await failure(`${server.origin}/big.png`)).toBe("ImageFetchError: is larger than 2 MB");
    expect(await failure(`${server.origin}/big-unannounced.png`)).toBe("ImageFetchError: is larger than 2 MB");
    expect(await failure(`${server.origin}/stall.png`, { ...dev, timeoutMs: 300 })).toBe("ImageFetchError: did not arrive within 0.3 s");
    expect(await failure(`${server.origin}/missing.png`)).toBe("ImageFetchError: answered HTTP 404");
  });

  it("gives up on a host that does not resolve in time", async () => {
    const resolve = () => new Promise<never>(() => undefined);
    expect(await failure("https://slow-dns.example/cat.png", { ...dev, resolve, timeoutMs: 300 })).toBe("ImageFetchError: did not arrive within 0.3 s");
  });

  it("stops when the request is cancelled, with the cancellation's reason", async () => {
    const cancel = new AbortController();
    const pending = fetchImageBytes(new URL(`${server.origin}/stall.png`), dev, cancel.signal);
    cancel.abort(new Error("client went away"));
    await expect(pending).rejects.toThrow("client went away");
  });
});

describe("gathering a deck's pictures", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ankify-images-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("names each picture by its bytes, once however many cards show it, from data: URIs and URLs alike", async () => {
    const fetched: string[] = [];
    const fetcher: ImageFetcher = async (url) => {
      fetched.push(url.href);
      return url.pathname === "/gif" ? GIF : PNG;
    };
    const { byCard, files } = await gatherImages([dataUri(PNG), undefined, "https://a.example/png", "https://a.example/gif", "https://a.example/gif"], fetcher, dir, signal);
    expect(fetched).toEqual(["https://a.example/png", "https://a.example/gif"]);
    expect(files.map((f) => f.name)).toEqual([expect.stringMatching(/^ankify-[0-9a-f]{20}\.png$/), expect.stringMatching(/^ankify-[0-9a-f]{20}\.gif$/)]);
    expect(byCard.map((f) => f?.name)).toEqual([files[0]!.name, undefined, files[0]!.name, files[1]!.name, files[1]!.name]);
    expect(readFileSync(files[1]!.path)).toEqual(GIF);
  });

  it("refuses a fetched file that is not a picture, naming the card", async () => {
    const fetcher: ImageFetcher = async () => Buffer.from("<html>");
    await expect(gatherImages([undefined, "https://a.example/page"], fetcher, dir, signal)).rejects.toThrow(
      "cards.1.image (https://a.example/page) is not a PNG, JPEG, GIF or WebP picture. Give another picture, or leave it out; nothing was built.",
    );
  });

  it("bounds the deck's picture bytes and the fetches in flight, and stops the rest at the first failure", async () => {
    let inFlight = 0;
    let most = 0;
    const fetcher: ImageFetcher = async (url, fetchSignal) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      fetchSignal.throwIfAborted();
      return pngOfSize(1000, Number(url.pathname.slice(1)));
    };
    const urls = Array.from({ length: 12 }, (_, i) => `https://a.example/${i}`);
    const { files } = await gatherImages(urls, fetcher, dir, signal);
    expect(files).toHaveLength(12);
    expect(most).toBe(IMAGE_LIMITS.inFlight);
    const error = await gatherImages(urls.map((u) => `${u}?again`), fetcher, dir, signal, 5500).catch((e: Error) => e);
    expect(error).toBeInstanceOf(LimitError);
    expect((error as Error).message).toBe("This deck's pictures add up to more than 0 MB, the most one deck may carry. Use smaller pictures, or split the cards into several decks.");
  });

  it("passes a fetch failure on as the card's problem", async () => {
    const fetcher: ImageFetcher = async () => {
      throw new ImageFetchError("answered HTTP 404");
    };
    await expect(gatherImages(["https://a.example/x.png"], fetcher, dir, signal)).rejects.toThrow("cards.0.image (https://a.example/x.png) answered HTTP 404. Give another picture");
  });
});
