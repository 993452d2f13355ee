/** Study mode: one card at a time, question then answer, as Anki steps through a deck. */

export interface Study {
  /** The card shown, from 0. */
  readonly index: number;
  readonly revealed: boolean;
  readonly total: number;
  /** Past the last card. */
  readonly finished: boolean;
}

/** `advance` is Anki's space bar: show the answer, or go on to the next card. */
export type StudyStep = "advance" | "reveal" | "next" | "previous";

export function startStudy(total: number, index = 0): Study {
  return { index: Math.min(Math.max(0, index), Math.max(0, total - 1)), revealed: false, total, finished: total === 0 };
}

export function step(study: Study, action: StudyStep): Study {
  if (study.finished) {
    // Back from the end: the last card, answer shown.
    return action === "previous" && study.total > 0 ? { ...study, finished: false, index: study.total - 1, revealed: true } : study;
  }
  switch (action) {
    case "reveal":
      return { ...study, revealed: true };
    case "advance":
      return study.revealed ? step(study, "next") : { ...study, revealed: true };
    case "next":
      return study.index + 1 >= study.total ? { ...study, finished: true } : { ...study, index: study.index + 1, revealed: false };
    case "previous":
      return study.index === 0 ? { ...study, revealed: false } : { ...study, index: study.index - 1, revealed: false };
  }
}
