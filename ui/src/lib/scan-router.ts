// Where the capture's events go, and the last line of defence against a scan in a field.
//
// The capture (scan-capture.ts) tells scans from typing by timing. Under load a scanner's burst
// can arrive with pauses a person would make, and its first part is then handed to the focused
// field as typing. The router remembers what it typed into a field in one quick run (a "chain")
// and, when the run turns out to be a barcode (it ends in a scan, or Enter/Tab ends it and the
// whole looks like one), takes it back out of the field and hands the whole to the scan handler.
// A quantity field is checked for any barcode shape; a screen's scan entry takes back any run that
// ends in a scan (a location code is no barcode shape, but it is what that field is for); other
// fields only what nothing but a scanner sends (a GS separator, a symbology identifier), so typing
// an order number is left alone.
// DOM-free so that it can be property-tested with the capture; keyboard.ts wires it to fields.
import { looksLikeBarcode, scannerOnly } from "./barcode-shape";
import type { CaptureEvent } from "./scan-capture";

/** A text field as the router sees it. */
export interface FieldLike {
  readonly value: string;
  /** A quantity (numeric) field: any barcode shape in it is a scan. */
  readonly quantity: boolean;
  /** A screen's scan entry (`data-scan`): a run typed into it that ends in a scan is one scan. */
  readonly scanEntry?: boolean;
}

export interface RouterOutput<F extends FieldLike> {
  scan: (data: string) => void;
  /** Typed text with no field to take it (the screen's manual entry). */
  stray: (text: string, submit: boolean) => void;
  /** Inserts typed text at the field's caret. */
  type: (field: F, text: string) => void;
  /** Puts a field back as it was. */
  restore: (field: F, value: string) => void;
  /** Enter or Tab typed in a field: submit its form, or move on. */
  submit: (field: F, how: "Enter" | "Tab") => void;
}

/** Text typed into one field with no pause longer than this belongs to one run (the pause is
 * measured to the first key of the next event: the capture may hold a burst's keys a long while
 * on a busy machine, and a run judged by when events arrive would break in the middle). */
export const CHAIN_MS = 1000;

interface Chain<F> {
  field: F;
  before: string;
  text: string;
  last: number;
}

export class ScanRouter<F extends FieldLike> {
  private chain: Chain<F> | null = null;

  constructor(private readonly out: RouterOutput<F>) {}

  /**
   * One event from the capture at `now` ms, whose first key came at `first`; `field` is where
   * typed text goes (or null).
   */
  deliver(e: CaptureEvent, field: F | null, now: number, first = now): void {
    const chain = this.chain !== null && first - this.chain.last <= CHAIN_MS ? this.chain : null;
    if (e.kind === "scan") {
      this.chain = null;
      // A scan entry takes only codes: whatever ran into it just before is the burst's head.
      if (chain !== null && (chain.field.scanEntry === true || this.isScan(chain.field, chain.text + e.data))) {
        this.out.restore(chain.field, chain.before);
        this.out.scan(chain.text + e.data);
      } else {
        this.out.scan(e.data);
      }
      return;
    }
    if (field === null) {
      this.chain = null;
      this.out.stray(e.text, e.submit !== null);
      return;
    }
    const run: Chain<F> =
      chain !== null && chain.field === field
        ? { ...chain, text: chain.text + e.text, last: now }
        : { field, before: field.value, text: e.text, last: now };
    if (e.submit !== null) {
      this.chain = null;
      if (run.text.length > 0 && this.isScan(field, run.text)) {
        this.out.restore(field, run.before);
        this.out.scan(run.text);
        return;
      }
      if (e.text !== "") this.out.type(field, e.text);
      this.out.submit(field, e.submit);
      return;
    }
    this.chain = run;
    if (e.text !== "") this.out.type(field, e.text);
  }

  private isScan(field: F, text: string): boolean {
    return field.quantity ? looksLikeBarcode(text) : scannerOnly(text);
  }
}
