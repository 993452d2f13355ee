/** The view's parts as DOM: the deck's header, a card's face, the card list and study mode. */
import { h } from "./dom";
import { countsText, expiryText, moreText, plural, type Locale } from "./format";
import type { DeckPreviewData, DeckResult } from "./result";
import { cardFragment } from "./sanitize";
import type { Study } from "./study";

export type PreviewCard = DeckPreviewData["cards"][number];
type Side = PreviewCard["question"];

export interface Actions {
  /** Plays the links in order (one side's clips); `from` is the button asked, shown as playing. */
  play(links: readonly string[], from?: HTMLButtonElement): void;
  download(): void;
  study(from?: number): void;
}

/** The links of a side's clips that the result could link. */
export function clipLinks(side: Side, files: Readonly<Record<string, string>>): string[] {
  return side.media.filter((m) => m.kind === "audio" && files[m.file]).map((m) => files[m.file]!);
}

/** A side as Anki shows it: its HTML, its pictures, and a play button per clip. */
export function face(side: Side, files: Readonly<Record<string, string>>, actions: Actions, label: string): HTMLElement {
  const { fragment, pictures } = cardFragment(side.html, files);
  const content = h("div", { class: "content" });
  content.append(fragment);
  for (const media of side.media) {
    if (media.kind === "image" && !pictures.has(media.file) && files[media.file]) content.append(h("img", { src: files[media.file], alt: "", loading: "lazy" }));
  }
  const clips = side.media.filter((m) => m.kind === "audio");
  const buttons = clips.map((clip, i) => {
    const link = files[clip.file];
    const button: HTMLButtonElement = h("button", {
      type: "button",
      class: "play",
      "data-clip": clip.file,
      "aria-label": clips.length > 1 ? `Play the ${label}'s audio, clip ${i + 1} of ${clips.length}` : `Play the ${label}'s audio`,
      disabled: !link,
      title: link ? "Play" : "This clip could not be linked",
      onclick: () => link && actions.play([link], button),
    }, h("span", { "aria-hidden": "true" }, "▶"), " Play");
    return button;
  });
  return h("div", { class: "face" }, content, buttons.length > 0 && h("div", { class: "clips" }, ...buttons));
}

export function header(deck: DeckResult, context: Locale, actions: Actions, now: number): HTMLElement {
  const cards = deck.preview?.cards.length ?? 0;
  return h("header", { class: "deck" },
    h("h1", { id: "deck-name" }, deck.deck_name),
    h("p", { class: "counts" }, countsText(deck, context)),
    h("p", { class: "expiry", id: "expiry" }, expiryText(deck.expires_at, now, context)),
    h("div", { class: "actions" },
      cards > 0 && h("button", { type: "button", id: "study", onclick: () => actions.study() }, "Study"),
      h("button", { type: "button", id: "download", class: "primary", onclick: () => actions.download() }, "Download .apkg"),
    ),
    h("p", { class: "notice", id: "download-notice", role: "status", hidden: true }),
  );
}

/** One card in the list: the question, flipped to the answer with its button (Enter or Space). */
export function cardItem(card: PreviewCard, index: number, total: number, files: Readonly<Record<string, string>>, actions: Actions): HTMLElement {
  const question = face(card.question, files, actions, "question");
  const answer = face(card.answer, files, actions, "answer");
  answer.hidden = true;
  const title = `Card ${index + 1} of ${total}`;
  const flip = h("button", { type: "button", class: "flip", "aria-pressed": "false" }, "Show answer");
  const item = h("article", { class: "card", "data-index": index, "data-side": "question", "aria-label": `${title}, ${card.template}` },
    h("div", { class: "card-head" }, h("span", { class: "card-number" }, `${index + 1}`), h("span", { class: "template" }, card.template)),
    h("div", { class: "sides", "aria-live": "polite" }, question, answer),
    h("div", { class: "card-actions" }, flip),
  );
  flip.addEventListener("click", () => {
    const showAnswer = item.dataset["side"] === "question";
    item.dataset["side"] = showAnswer ? "answer" : "question";
    question.hidden = showAnswer;
    answer.hidden = !showAnswer;
    flip.setAttribute("aria-pressed", String(showAnswer));
    flip.textContent = showAnswer ? "Show question" : "Show answer";
  });
  return item;
}

export function cardList(deck: DeckResult, actions: Actions, locale?: string): HTMLElement {
  const preview = deck.preview;
  const cards = preview?.cards ?? [];
  const more = moreText(cards.length, deck.card_count, locale);
  return h("section", { id: "cards", "aria-label": "Cards" },
    cards.length === 0
      ? h("p", { class: "status" }, "This result has no card preview; download the deck to see its cards in Anki.")
      : h("div", { class: "grid" }, ...cards.map((card, i) => cardItem(card, i, cards.length, preview!.files, actions))),
    more && h("p", { class: "more" }, more),
  );
}

export interface StudyActions extends Actions {
  advance(): void;
  previous(): void;
  exit(): void;
  restart(): void;
}

/** Study mode: the card, its side, where you are, and the buttons (the keys are in keys.ts). */
export function studyView(deck: DeckResult, study: Study, actions: StudyActions): HTMLElement {
  const cards = deck.preview?.cards ?? [];
  const files = deck.preview?.files ?? {};
  const exit = h("button", { type: "button", class: "exit", onclick: () => actions.exit() }, "Back to cards");
  if (study.finished) {
    return h("section", { id: "study-view", class: "study", "aria-label": "Study" },
      h("p", { class: "done", role: "status" }, `Done: you went through ${plural(study.total, "card")}.`),
      h("div", { class: "study-actions" }, h("button", { type: "button", class: "primary", id: "study-primary", onclick: () => actions.restart() }, "Study again"), exit),
    );
  }
  const card = cards[study.index]!;
  const side = study.revealed ? card.answer : card.question;
  return h("section", { id: "study-view", class: "study", "aria-label": "Study", "data-index": study.index, "data-side": study.revealed ? "answer" : "question" },
    h("p", { class: "progress", role: "status" }, `Card ${study.index + 1} of ${study.total} · ${study.revealed ? "answer" : "question"}`),
    h("div", { class: "card big" }, face(side, files, actions, study.revealed ? "answer" : "question")),
    h("div", { class: "study-actions" },
      h("button", { type: "button", class: "secondary", onclick: () => actions.previous(), disabled: study.index === 0 && !study.revealed }, "Previous"),
      h("button", { type: "button", class: "primary", id: "study-primary", onclick: () => actions.advance() }, study.revealed ? (study.index + 1 === study.total ? "Finish" : "Next card") : "Show answer"),
      exit,
    ),
    h("p", { class: "keys" }, "Keys: Space shows the answer and goes on, ← and → move, R replays, Esc leaves."),
  );
}
