/**
 * Builds the upgrade fixtures in __tests__/fixtures/decks/: one small deck per note type, as the
 * function builds them, for the test that a deck built by an earlier release and rebuilt by this one
 * imports as updates (same note types, same notes, nothing skipped).
 *
 * The committed fixtures were built by this script at the commit that added it, i.e. with the code
 * of every release before note modification times were remembered (issue #23). Rebuilding them with
 * later code would defeat their purpose: run it again only to add a fixture for a newer release,
 * under a new directory name.
 *
 *   node -r sucrase/register testing/function/build-upgrade-fixtures.ts [OUT_DIR]
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createDeck, type DeckRequest } from "../../lambda/src/deck/create-deck";
import type { DeckStore } from "../../lambda/src/storage/s3";
import { SilentSynthesizer } from "../../lambda/src/tts/stand-in";

/** The cards of each fixture; the upgrade test rebuilds exactly these. */
export const UPGRADE_FIXTURES: Readonly<Record<string, DeckRequest>> = {
  "basic.apkg": {
    deck_name: "Ankify upgrade::Basic",
    cards: [{ front: "hola", back: "hello" }, { front: "gato", back: "cat" }, { front: "banco", back: "bank" }, { front: "banco", back: "bench" }],
    tags: ["fixture"],
    language: "es-ES",
    audio: "front",
  },
  "basic-and-reversed.apkg": {
    deck_name: "Ankify upgrade::Reversed",
    note_type: "basic-and-reversed",
    cards: [{ front: "perro", back: "dog" }, { front: "casa", back: "house" }],
    language: "es-ES",
    audio: "none",
  },
  "cloze.apkg": {
    deck_name: "Ankify upgrade::Cloze",
    note_type: "cloze",
    cards: [{ text: "{{c1::Madrid}} is the capital of {{c2::Spain}}.", extra: "since 1561" }, { text: "Water boils at {{c1::100}} °C." }],
    language: "en-US",
    audio: "none",
  },
};

/** A DeckStore that copies the package to a file. */
function fileStore(target: string): DeckStore {
  return {
    async save(_key, file) {
      copyFileSync(file.path, target);
      return { url: `file://${target}`, expiresAt: new Date() };
    },
  };
}

async function main(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  for (const [file, request] of Object.entries(UPGRADE_FIXTURES)) {
    const target = join(outDir, file);
    const result = await createDeck(request, {
      synthesizer: new SilentSynthesizer(),
      store: fileStore(target),
      deckPrefix: "decks/",
      deadline: Date.now() + 60_000,
      maxSpeechCharacters: 60_000,
    });
    console.log(`${target}: ${result.note_count} notes, ${result.audio_clips} clips, ${result.size_bytes} bytes`);
  }
}

if (require.main === module) {
  main(process.argv[2] ?? join(__dirname, "..", "..", "__tests__", "fixtures", "decks", "before-issue-23")).catch((error: Error) => {
    console.error(error);
    process.exit(1);
  });
}
