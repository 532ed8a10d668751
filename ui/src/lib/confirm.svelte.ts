// A question the operator answers before something unusual is recorded (a quantity that looks
// like a barcode, or far more than expected). One at a time, shown by the app frame over the
// screen; a scan while it is open answers "no", so nothing unusual is recorded by accident.

import { say } from "./feedback.svelte";
import { t } from "./i18n.svelte";
import { quantityDoubt } from "./work";

export interface Question {
  /** Tells questions apart (the state holds a proxy of the object, not the object). */
  id: number;
  text: string;
  /** The words on the button that goes ahead. */
  yes: string;
  answer: (yes: boolean) => void;
}

export const question: { current: Question | null } = $state({ current: null });

let asked = 0;

/** Asks, and resolves to the answer; an earlier open question is answered "no". */
export function ask(text: string, yes: string): Promise<boolean> {
  question.current?.answer(false);
  return new Promise((resolve) => {
    asked += 1;
    const id = asked;
    const q: Question = {
      id,
      text,
      yes,
      answer: (ok) => {
        if (question.current?.id === id) question.current = null;
        resolve(ok);
      },
    };
    question.current = q;
  });
}

/** Answers an open question "no" (a scan arrived, or the screen changed). */
export function dismiss(): void {
  question.current?.answer(false);
}

/**
 * Whether a typed quantity may be recorded: at once when nothing about it is unusual
 * ([`quantityDoubt`]), else only when the operator confirms it.
 */
export async function quantityOk(text: string, qty: number, limits: { expected?: number | null; onHand?: number | null } = {}): Promise<boolean> {
  const doubt = quantityDoubt(text, qty, limits);
  if (doubt === null) return true;
  say("warn", doubt, [t("confirm.orChange")]);
  return ask(t("confirm.record", { doubt, qty }), t("confirm.yes", { qty }));
}
