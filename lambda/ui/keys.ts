/** The keyboard in study mode: Anki's keys where Anki has one, arrows and Escape for the rest. */

export type StudyKeyAction = "advance" | "next" | "previous" | "exit" | "replay";

/**
 * The action for a key pressed in study mode, or undefined to leave it alone. On a focused button
 * Space and Enter press the button (the browser's own behaviour), so they are not taken twice.
 */
export function studyKey(key: string, { onButton, modified }: { onButton: boolean; modified: boolean }): StudyKeyAction | undefined {
  if (modified) return undefined;
  switch (key) {
    case " ":
    case "Enter":
      return onButton ? undefined : "advance";
    case "ArrowRight":
      return "next";
    case "ArrowLeft":
      return "previous";
    case "Escape":
      return "exit";
    case "r":
    case "R":
      return "replay";
    default:
      return undefined;
  }
}
