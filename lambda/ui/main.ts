/**
 * The deck preview, an MCP App: the host renders this page next to a create_deck result and hands it
 * the tool's arguments, then its result (ext-apps' App speaks the protocol). It shows the deck, its
 * cards and their audio, steps through them in study mode, and asks the host to open the download.
 */
import "./no-eval";
import { App, applyDocumentTheme, applyHostStyleVariables, type McpUiHostContext } from "@modelcontextprotocol/ext-apps";
import { h } from "./dom";
import { expiryText } from "./format";
import { studyKey } from "./keys";
import { Player } from "./player";
import { cardList, clipLinks, header, studyView, type StudyActions } from "./render";
import { stateFromInput, stateFromResult, type DeckResult, type ViewState } from "./result";
import { startStudy, step, type Study, type StudyStep } from "./study";

const root = document.getElementById("app")!;
const audio = h("audio", { id: "player", preload: "none" });
document.body.append(audio);
const player = new Player(audio);
/** The play button whose clip is playing, marked while it plays. */
let playingFrom: HTMLButtonElement | undefined;
player.onchange = (playing) => {
  if (playing.length === 0) {
    playingFrom?.classList.remove("playing");
    playingFrom = undefined;
  }
};

const app = new App({ name: "Ankify deck preview", version: "1.0.0" }, {}, { autoResize: true });
let state: ViewState = { kind: "waiting" };
let study: Study | undefined;
let context: McpUiHostContext = {};
const locale = () => ({ ...(context.locale ? { locale: context.locale } : {}), ...(context.timeZone ? { timeZone: context.timeZone } : {}) });

const actions: StudyActions = {
  play: (links, from) => {
    void player.play(links);
    playingFrom = from;
    from?.classList.add("playing");
  },
  download: () => void download(),
  study: (from) => {
    if (state.kind !== "ready") return;
    study = startStudy(state.deck.preview?.cards.length ?? 0, from);
    render();
    autoplay();
  },
  advance: () => move("advance"),
  previous: () => move("previous"),
  exit: () => {
    const index = study?.index;
    study = undefined;
    player.stop();
    render();
    document.querySelector<HTMLElement>(`article.card[data-index="${index ?? 0}"] button.flip`)?.focus();
  },
  restart: () => actions.study(0),
};

function render(): void {
  root.removeAttribute("aria-busy");
  if (state.kind === "waiting") root.replaceChildren(h("p", { class: "status" }, "Waiting for the deck…"));
  else if (state.kind === "building") {
    const what = state.deckName ? `“${state.deckName}”` : "the deck";
    root.replaceChildren(h("p", { class: "status", role: "status" }, state.job
      ? `Building ${what} in the background (step ${state.job.done} of ${state.job.total}): it shows here when get_deck returns it.`
      : `Building ${what}${state.cards ? ` from ${state.cards} cards` : ""}: speech takes a moment…`));
  } else if (state.kind === "failed") root.replaceChildren(h("p", { class: "status error", role: "alert" }, state.message));
  else {
    const deck = state.deck;
    root.replaceChildren(header(deck, locale(), actions, Date.now()), study ? studyView(deck, study, actions) : cardList(deck, actions, context.locale));
    if (study) document.getElementById("study-primary")?.focus();
  }
}

function move(action: StudyStep): void {
  if (!study) return;
  const before = study;
  study = step(study, action);
  render();
  if (study.index !== before.index || study.revealed !== before.revealed) autoplay(before.index === study.index && study.revealed);
}

/** Plays what Anki would on showing a side: the question's clips, or the answer's own on revealing it. */
function autoplay(revealing = false): void {
  if (!study || study.finished || state.kind !== "ready" || !state.deck.preview) return;
  const { cards, files } = state.deck.preview;
  const card = cards[study.index]!;
  const question = clipLinks(card.question, files);
  void player.play(study.revealed ? clipLinks(card.answer, files).filter((link) => !revealing || !question.includes(link)) : question);
}

async function download(): Promise<void> {
  if (state.kind !== "ready") return;
  const deck: DeckResult = state.deck;
  const notice = document.getElementById("download-notice")!;
  notice.hidden = false;
  notice.textContent = "Asking your chat app to open the download…";
  let opened = false;
  try {
    opened = !(await app.openLink({ url: deck.url })).isError;
  } catch {
    opened = false;
  }
  if (opened) notice.textContent = "Opened the download link: import the .apkg into Anki (File → Import), or open it on your phone.";
  else {
    const field = h("input", { type: "text", readonly: true, value: deck.url, "aria-label": "Download link", onfocus: (event) => (event.target as HTMLInputElement).select() });
    notice.replaceChildren("Your chat app did not open the link. Copy it into your browser: ", field);
  }
}

document.addEventListener("keydown", (event) => {
  if (!study) return;
  const target = event.target as HTMLElement | null;
  const action = studyKey(event.key, { onButton: target?.localName === "button" || target?.localName === "input", modified: event.ctrlKey || event.metaKey || event.altKey });
  if (!action) return;
  event.preventDefault();
  if (action === "exit") actions.exit();
  else if (action === "replay") autoplay();
  else move(action);
});

function applyContext(update: McpUiHostContext): void {
  context = { ...context, ...update };
  if (context.theme) applyDocumentTheme(context.theme);
  if (context.styles?.variables) applyHostStyleVariables(context.styles.variables);
  const insets = context.safeAreaInsets;
  if (insets) for (const side of ["top", "right", "bottom", "left"] as const) document.documentElement.style.setProperty(`--inset-${side}`, `${insets[side]}px`);
}

app.ontoolinput = ({ arguments: args }) => {
  if (state.kind === "ready") return;
  state = stateFromInput(args);
  render();
};
app.ontoolresult = (result) => {
  state = stateFromResult(result);
  study = undefined;
  render();
};
app.ontoolcancelled = ({ reason }) => {
  state = { kind: "failed", message: `The deck was cancelled${reason ? `: ${reason}` : ""}.` };
  render();
};
app.onhostcontextchanged = (update) => {
  applyContext(update);
  if (update.locale || update.timeZone) render();
};
app.onteardown = async () => {
  player.stop();
  return {};
};

// The link's "in N minutes" stays true while the page is open.
setInterval(() => {
  if (state.kind !== "ready") return;
  const expiry = document.getElementById("expiry");
  if (expiry) expiry.textContent = expiryText(state.deck.expires_at, Date.now(), locale());
}, 30_000);

app.connect().then(() => {
  applyContext(app.getHostContext() ?? {});
  render();
}, (error: unknown) => {
  state = { kind: "failed", message: `This preview could not reach the chat app (${error instanceof Error ? error.message : String(error)}).` };
  render();
});
