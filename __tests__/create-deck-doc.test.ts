import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createDeckInput, createDeckOutput, LIMITS } from "../lambda/src/mcp/create-deck-tool";
import { MAX_DECK_CARDS } from "../lambda/src/limits";
import { VOICES } from "../lambda/src/tts/index";
import { PROJECT_ROOT } from "../testing/paths";

/** docs/create-deck.md is the tool's contract for people: it holds the tool's own schemas' names and bounds. */
const doc = readFileSync(join(PROJECT_ROOT, "docs", "create-deck.md"), "utf8");

/** The text from a heading (`## Arguments`, `### Card fields`) to the next heading of any level. */
const section = (heading: string) => {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/create-deck.md has no "${heading}" section`);
  const end = doc.slice(start + heading.length + 2).search(/^#{2,3} /m);
  return doc.slice(start, end < 0 ? undefined : start + heading.length + 2 + end);
};
/** The names in backticks in the first cell of each table row, below the header. */
const firstCells = (text: string) =>
  text.split("\n").filter((line) => line.startsWith("| `")).flatMap((line) => [...line.split("|")[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
const rowOf = (text: string, name: string) => text.split("\n").find((line) => line.startsWith(`| \`${name}\` |`)) ?? "";

const cardShape = (createDeckInput.shape.cards as unknown as { element: { shape: Record<string, unknown> } }).element.shape;

describe("docs/create-deck.md", () => {
  it("has one row per create_deck argument, and none the tool does not take", () => {
    expect(firstCells(section("## Arguments")).sort()).toEqual(Object.keys(createDeckInput.shape).sort());
  });

  it("names every card field, and none the tool does not take", () => {
    expect(firstCells(section("### Card fields")).sort()).toEqual(Object.keys(cardShape).sort());
  });

  it("names every field of the result (the tool's output schema), and no other", () => {
    expect(firstCells(section("## The result")).sort()).toEqual(Object.keys(createDeckOutput.shape).sort());
  });

  it("gives the bounds on notes and Anki cards the function enforces", () => {
    const cards = rowOf(section("## Arguments"), "cards");
    expect(cards).toContain(`1–${LIMITS.cards} notes`);
    expect(cards).toContain(`at most ${MAX_DECK_CARDS.toLocaleString("en-US")} Anki cards`);
  });

  it("lists the languages there are voices for", () => {
    const languages = rowOf(section("## Arguments"), "language").split("|")[3]!.split(":")[0]!;
    expect([...languages.matchAll(/`([^`]+)`/g)].map((m) => m[1])).toEqual(Object.keys(VOICES));
  });
});
