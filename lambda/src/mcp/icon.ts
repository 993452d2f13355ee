/**
 * Ankify's icon for connector directories and hosts (MCP 2025-11-25 `icons`, on the server's info and
 * on each tool): a flashcard with sound. One drawing, two data URIs: SVG (sharp at any size) and a
 * 64×64 PNG, since hosts must render PNG and need not render SVG. Drawn here rather than shipped as a
 * file so the function's bundle stays one file, and so the two can never differ.
 */
import { crc32, deflateSync } from "node:zlib";
import type { Icon } from "@modelcontextprotocol/server";

type Shape =
  | { readonly kind: "rect"; readonly x: number; readonly y: number; readonly w: number; readonly h: number; readonly r: number; readonly color: string }
  /** A ring segment centred on (cx, cy), from `from` to `to` degrees (0 = right, clockwise). */
  | { readonly kind: "arc"; readonly cx: number; readonly cy: number; readonly r: number; readonly width: number; readonly from: number; readonly to: number; readonly color: string };

// Module-scope copies of the Math functions the sampling loop calls ~400,000 times: under jest each
// test file runs in a vm context, where every global lookup (Math included) is a C++ interceptor
// call, and that made the first draw 5x slower there (400 ms against 87) than in Lambda.
const { abs, atan2, max, round, sqrt, PI } = Math;

const BLUE = "#1d4ed8";
const PALE = "#93c5fd";
const WHITE = "#ffffff";
/** On a 64-unit square, back to front. */
const DRAWING: readonly Shape[] = [
  { kind: "rect", x: 0, y: 0, w: 64, h: 64, r: 14, color: BLUE },
  { kind: "rect", x: 9, y: 13, w: 30, h: 38, r: 4, color: WHITE },
  { kind: "rect", x: 14, y: 21, w: 20, h: 4, r: 2, color: BLUE },
  { kind: "rect", x: 14, y: 30, w: 15, h: 3, r: 1.5, color: PALE },
  { kind: "rect", x: 14, y: 37, w: 18, h: 3, r: 1.5, color: PALE },
  { kind: "arc", cx: 40, cy: 32, r: 9, width: 3.5, from: -50, to: 50, color: WHITE },
  { kind: "arc", cx: 40, cy: 32, r: 16, width: 3.5, from: -50, to: 50, color: WHITE },
];

const at = (cx: number, cy: number, r: number, degrees: number) => {
  const a = (degrees * Math.PI) / 180;
  return `${+(cx + r * Math.cos(a)).toFixed(2)} ${+(cy + r * Math.sin(a)).toFixed(2)}`;
};

export function iconSvg(): string {
  const body = DRAWING.map((s) => s.kind === "rect"
    ? `<rect x="${s.x}" y="${s.y}" width="${s.w}" height="${s.h}" rx="${s.r}" fill="${s.color}"/>`
    : `<path d="M${at(s.cx, s.cy, s.r, s.from)}A${s.r} ${s.r} 0 0 1 ${at(s.cx, s.cy, s.r, s.to)}" fill="none" stroke="${s.color}" stroke-width="${s.width}"/>`).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">${body}</svg>`;
}

function covers(shape: Shape, x: number, y: number): boolean {
  if (shape.kind === "rect") {
    // Distance outside a rectangle shrunk by the corner radius: inside when within the radius.
    const dx = max(shape.x + shape.r - x, 0, x - (shape.x + shape.w - shape.r));
    const dy = max(shape.y + shape.r - y, 0, y - (shape.y + shape.h - shape.r));
    return dx * dx + dy * dy <= shape.r * shape.r;
  }
  const d = sqrt((x - shape.cx) ** 2 + (y - shape.cy) ** 2);
  if (abs(d - shape.r) > shape.width / 2) return false;
  const angle = (atan2(y - shape.cy, x - shape.cx) * 180) / PI;
  return angle >= shape.from && angle <= shape.to;
}

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
/** Front to back, each with its colour as numbers: what a sample hits first is what it shows. */
const FRONT_FIRST = [...DRAWING].reverse().map((shape) => ({ shape, rgb: rgb(shape.color) }));

/** The drawing at `size`×`size` pixels, RGBA, 4×4 samples per pixel (smooth edges). */
export function iconPng(size = 64): Buffer {
  const samples = 4;
  const rows: Buffer[] = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0: none
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = ((px + (sx + 0.5) / samples) * 64) / size;
          const y = ((py + (sy + 0.5) / samples) * 64) / size;
          const top = FRONT_FIRST.find(({ shape }) => covers(shape, x, y));
          if (!top) continue;
          const [r, g, b] = top.rgb;
          sum[0]! += r; sum[1]! += g; sum[2]! += b; sum[3]! += 255;
        }
      }
      const n = samples * samples;
      const alpha = sum[3]! / n;
      // Colour averaged over the covered samples only (straight, not premultiplied, alpha).
      for (let c = 0; c < 3; c++) row[1 + px * 4 + c] = alpha > 0 ? round((sum[c]! * 255) / sum[3]!) : 0;
      row[1 + px * 4 + 3] = round(alpha);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method variants, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** Made once per execution environment (a few milliseconds), then shared by every server instance. */
let icons: Icon[] | undefined;
export function ankifyIcons(): Icon[] {
  icons ??= [
    { src: `data:image/png;base64,${iconPng(64).toString("base64")}`, mimeType: "image/png", sizes: ["64x64"] },
    { src: `data:image/svg+xml;base64,${Buffer.from(iconSvg()).toString("base64")}`, mimeType: "image/svg+xml", sizes: ["any"] },
  ];
  return icons;
}
