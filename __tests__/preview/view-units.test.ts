/** The view's own logic (lambda/ui/), outside a browser: study mode, keys, words, and what it accepts. */
import { countsText, expiryText, moreText, sizeText } from "../../lambda/ui/format";
import { studyKey } from "../../lambda/ui/keys";
import { stateFromInput, stateFromResult } from "../../lambda/ui/result";
import { startStudy, step, type Study, type StudyStep } from "../../lambda/ui/study";

describe("study mode", () => {
  const walk = (study: Study, steps: StudyStep[]) => steps.reduce(step, study);
  const at = (s: Study) => (s.finished ? "done" : `${s.index}${s.revealed ? "a" : "q"}`);

  it("steps as Anki's space bar does: question, answer, next card, and done after the last answer", () => {
    const seen: string[] = [];
    let study = startStudy(2);
    for (let i = 0; i < 5; i++) {
      seen.push(at(study));
      study = step(study, "advance");
    }
    expect(seen).toEqual(["0q", "0a", "1q", "1a", "done"]);
    expect(at(study)).toBe("done");
  });

  it("goes back a card (to its question), not before the first, and from the end to the last answer", () => {
    expect(at(walk(startStudy(3), ["advance", "advance", "previous"]))).toBe("0q");
    expect(at(walk(startStudy(3), ["previous"]))).toBe("0q");
    expect(at(walk(startStudy(1), ["advance", "advance", "previous"]))).toBe("0a");
  });

  it("skips ahead without revealing, starts where asked, and has nothing to study in an empty deck", () => {
    expect(at(walk(startStudy(3), ["next", "next"]))).toBe("2q");
    expect(at(startStudy(3, 2))).toBe("2q");
    expect(at(startStudy(3, 9))).toBe("2q");
    expect(startStudy(0).finished).toBe(true);
  });
});

describe("study keys", () => {
  const free = { onButton: false, modified: false };
  it.each([[" ", "advance"], ["Enter", "advance"], ["ArrowRight", "next"], ["ArrowLeft", "previous"], ["Escape", "exit"], ["r", "replay"], ["R", "replay"], ["x", undefined]])("%j → %s", (key, action) => {
    expect(studyKey(key, free)).toBe(action);
  });

  it("leaves Space and Enter to a focused button, and every key with a modifier to the host", () => {
    expect(studyKey(" ", { onButton: true, modified: false })).toBeUndefined();
    expect(studyKey("Enter", { onButton: true, modified: false })).toBeUndefined();
    expect(studyKey("ArrowRight", { onButton: true, modified: false })).toBe("next");
    expect(studyKey("r", { onButton: false, modified: true })).toBeUndefined();
  });
});

describe("the view's words", () => {
  it("counts cards, notes (when they differ), clips and size", () => {
    expect(countsText({ card_count: 8, note_count: 4, audio_clips: 8, size_bytes: 305_118 })).toBe("8 cards · 4 notes · 8 audio clips · 305 KB");
    expect(countsText({ card_count: 1, note_count: 1, audio_clips: 1, size_bytes: 900 })).toBe("1 card · 1 audio clip · 900 bytes");
    expect(countsText({ card_count: 1200, note_count: 500, audio_clips: 0, size_bytes: 2_450_000 }, { locale: "de-DE" })).toBe("1.200 cards · 500 notes · 0 audio clips · 2,5 MB");
    expect(sizeText(1)).toBe("1 byte");
  });

  it("says when the link expires, in the host's time zone, and when it has", () => {
    const now = Date.parse("2026-11-30T10:00:00Z");
    expect(expiryText("2026-11-30T10:59:30Z", now, { locale: "en-GB", timeZone: "Europe/Madrid" })).toBe("The download link expires at 11:59 (in 60 minutes).");
    expect(expiryText("2026-11-30T22:00:00Z", now, { locale: "en-GB", timeZone: "UTC" })).toBe("The download link expires at 30 Nov 2026, 22:00 (in 12 hours).");
    expect(expiryText("2026-11-30T09:00:00Z", now, { locale: "en-GB", timeZone: "UTC" })).toBe("The download link expired at 09:00. Ask for the deck again to get a new one.");
    expect(expiryText("not a date", now)).toBe("");
  });

  it("says the deck has more cards than the preview, only when it does", () => {
    expect(moreText(50, 1000)).toBe("Showing the first 50 cards of 1,000; the deck has them all.");
    expect(moreText(8, 8)).toBeUndefined();
  });
});

describe("what the view accepts from a result", () => {
  const deck = { url: "https://b.s3.eu-west-1.amazonaws.com/decks/a.apkg?X-Amz-Signature=1", expires_at: "2026-11-30T11:00:00.000Z", deck_name: "D", card_count: 1, note_count: 1, audio_clips: 1, size_bytes: 10, note_type: "basic" };
  const preview = { cards: [{ note: 0, template: "Card 1", question: { html: "a", media: [{ kind: "audio", file: "a.mp3" }] }, answer: { html: "a<hr id=answer>b", media: [] } }], files: { "a.mp3": "https://b.s3.eu-west-1.amazonaws.com/a.mp3", "b.mp3": "javascript:alert(1)" } };

  it("shows a deck, dropping any link that is not http(s)", () => {
    const state = stateFromResult({ structuredContent: { ...deck, preview } });
    expect(state).toEqual({ kind: "ready", deck: expect.objectContaining({ deck_name: "D", preview: { cards: preview.cards, files: { "a.mp3": preview.files["a.mp3"] } } }) });
    expect(stateFromResult({ structuredContent: deck })).toEqual({ kind: "ready", deck: expect.objectContaining({ deck_name: "D" }) });
  });

  it("refuses a deck link that is not http(s), shows a tool error's text, and says so when there is no deck", () => {
    expect(stateFromResult({ structuredContent: { ...deck, url: "javascript:alert(1)" } })).toEqual({ kind: "failed", message: "This result has no deck to show." });
    expect(stateFromResult({ isError: true, content: [{ type: "text", text: "Too many characters (request r-1)" }] })).toEqual({ kind: "failed", message: "Too many characters (request r-1)" });
    expect(stateFromResult({ content: [{ type: "text", text: "hi" }] }).kind).toBe("failed");
  });

  it("shows a deck job's handle as a deck being built, and a cancelled job as why there is no deck", () => {
    expect(stateFromResult({ structuredContent: { status: "running", job_id: "j", progress: { done: 3, total: 42 }, poll_after_seconds: 5 } }))
      .toEqual({ kind: "building", job: { done: 3, total: 42 } });
    expect(stateFromResult({ structuredContent: { status: "cancelled", job_id: "j", message: "The deck was cancelled; nothing was uploaded." } }))
      .toEqual({ kind: "failed", message: "The deck was cancelled; nothing was uploaded." });
    // get_deck's done answer is create_deck's result with status and job_id: a deck like any other.
    expect(stateFromResult({ structuredContent: { ...deck, status: "done", job_id: "j" } }).kind).toBe("ready");
  });

  it("says what is being built from the tool's arguments", () => {
    expect(stateFromInput({ deck_name: "Spanish", cards: [{}, {}] })).toEqual({ kind: "building", deckName: "Spanish", cards: 2 });
    expect(stateFromInput(undefined)).toEqual({ kind: "building" });
  });
});
