/**
 * Whether every clip in a deck says its own text: it lasts as long as that text spoken alone, in
 * that side's voice, by the Polly fake (within 0.2 s), and nearer that than any text of a clearly
 * different length on the same side. Used on decks read back by the independent Python reader and on
 * decks a real Anki imported.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PollyClient, SynthesizeSpeechCommand } from "@aws-sdk/client-polly";
import type { PollyFake } from "../polly-fake/server";
import { audioSeconds } from "./harness";

/** A Spanish → English vocabulary deck: texts of clearly different lengths, so each clip's length names its text. */
export const SPANISH = [
  { front: "sí", back: "yes" },
  { front: "comer", back: "to eat" },
  { front: "el desayuno de los domingos", back: "Sunday breakfast" },
  { front: "¿Dónde está la estación de tren más cercana?", back: "Where is the nearest train station?" },
  { front: "Me gustaría reservar una mesa para cuatro personas esta noche, por favor.", back: "I would like to book a table for four people tonight, please." },
];

/** A Polly client of the fake's, as the function makes one (the SDK's retries off). */
export function fakePollyClient(fake: PollyFake): PollyClient {
  return new PollyClient({ endpoint: fake.url, region: "eu-west-1", credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" }, maxAttempts: 1 });
}

/** Seconds of `text` spoken alone by `voiceId`, in a request of its own (its MP3 is written under `dir`). */
export async function aloneSeconds(fake: PollyFake, dir: string, voiceId: string, text: string, ssmlRate?: "slow"): Promise<number> {
  const escaped = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const input = ssmlRate
    ? { Text: `<speak><prosody rate="${ssmlRate}"><s>${escaped}</s></prosody></speak>`, TextType: "ssml" as const }
    : { Text: text };
  const result = await fakePollyClient(fake).send(new SynthesizeSpeechCommand({ ...input, VoiceId: voiceId as never, Engine: "neural", OutputFormat: "mp3" }));
  const file = join(dir, `alone-${Math.random().toString(36).slice(2)}.mp3`);
  writeFileSync(file, await result.AudioStream!.transformToByteArray());
  return audioSeconds(file);
}

/** The seconds of each text spoken alone by `voiceId`. */
export async function aloneSecondsOf(fake: PollyFake, dir: string, voiceId: string, texts: readonly string[]): Promise<Map<string, number>> {
  return new Map(await Promise.all(texts.map(async (text) => [text, await aloneSeconds(fake, dir, voiceId, text)] as const)));
}

export interface CardClips {
  front: string;
  back: string;
  frontSeconds: number;
  backSeconds: number;
  /** The front's and the back's sound file. */
  names: [string, string];
}

/** Each basic note's front and back clip, as its fields name them (`[sound:…]`), with the seconds each lasts. */
export function clipsOf(notes: ReadonlyArray<{ readonly flds: readonly string[] }>, mediaDir: string): CardClips[] {
  const sound = (field: string) => /\[sound:([^\]]+)\]/.exec(field)![1]!;
  return notes.map((note) => {
    const names: [string, string] = [sound(note.flds[0]!), sound(note.flds[1]!)];
    return {
      front: note.flds[0]!.replace(/\[sound:[^\]]+\]/, ""),
      back: note.flds[1]!.replace(/\[sound:[^\]]+\]/, ""),
      frontSeconds: audioSeconds(join(mediaDir, names[0])),
      backSeconds: audioSeconds(join(mediaDir, names[1])),
      names,
    };
  });
}

/**
 * Each clip is its own text's: within 0.2 s of it spoken alone, and nearer that than any text of a
 * clearly different length on the same side (the clip on the right card, roughly).
 */
export function expectOwnTexts(side: "front" | "back", clips: readonly CardClips[], alone: ReadonlyMap<string, number>): void {
  for (const clip of clips) {
    const own = alone.get(clip[side])!;
    const seconds = side === "front" ? clip.frontSeconds : clip.backSeconds;
    expect({ text: clip[side], difference: Math.abs(seconds - own) <= 0.2 }).toEqual({ text: clip[side], difference: true });
    const nearer = [...alone].filter(([text, other]) => text !== clip[side] && Math.abs(other - own) > 0.4 && Math.abs(other - seconds) <= Math.abs(own - seconds));
    expect({ text: clip[side], nearer }).toEqual({ text: clip[side], nearer: [] });
  }
}
