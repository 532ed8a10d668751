// Routes every key press through the scan capture, wherever focus is. Scans go to the current
// screen's scan handler (never into a text field); what a person types goes into the focused
// field, or, with no field focused, to the screen's manual entry.
import { type CaptureConfig, type CaptureEvent, DEFAULT_CONFIG, ScanCapture, type Suffix } from "./scan-capture";
import { ScanRouter } from "./scan-router";

const STORAGE_KEY = "aisle.scanner";

/** The scanner settings saved on this tablet (prefix and suffix as configured on the scanner). */
export function loadScannerConfig(storage: Pick<Storage, "getItem"> | null): CaptureConfig {
  const raw = storage?.getItem(STORAGE_KEY) ?? null;
  if (raw === null) return DEFAULT_CONFIG;
  try {
    const saved = JSON.parse(raw) as { prefix?: unknown; suffix?: unknown };
    const suffixes: Suffix[] = ["Enter", "Tab", "EnterOrTab", "none"];
    return {
      ...DEFAULT_CONFIG,
      prefix: typeof saved.prefix === "string" ? saved.prefix : DEFAULT_CONFIG.prefix,
      suffix: suffixes.find((s) => s === saved.suffix) ?? DEFAULT_CONFIG.suffix,
    };
  } catch {
    return DEFAULT_CONFIG;
  }
}

export function saveScannerConfig(storage: Pick<Storage, "setItem">, prefix: string, suffix: Suffix): void {
  storage.setItem(STORAGE_KEY, JSON.stringify({ prefix, suffix }));
}

export interface Routes {
  scan: (data: string) => void;
  /** Typed text with no field focused; `submit` when Enter or Tab ended it. */
  stray: (text: string, submit: boolean) => void;
}

type TextField = HTMLInputElement | HTMLTextAreaElement;

function isTextField(el: Element | null): el is TextField {
  return (
    (el instanceof HTMLInputElement && ["text", "password", "search", "number", "tel", ""].includes(el.type)) ||
    el instanceof HTMLTextAreaElement
  );
}

/** A quantity field: marked `data-quantity`, or asking for a numeric keyboard. */
function isQuantity(field: TextField): boolean {
  return field.dataset.quantity !== undefined || field.inputMode === "numeric" || field.inputMode === "decimal";
}

function typeInto(field: TextField, text: string): void {
  const start = field.selectionStart ?? field.value.length;
  const end = field.selectionEnd ?? field.value.length;
  field.setRangeText(text, start, end, "end");
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

function focusNext(from: Element): void {
  const all = Array.from(document.querySelectorAll<HTMLElement>("input, select, button, textarea")).filter(
    (el) => !el.hasAttribute("disabled") && el.tabIndex >= 0,
  );
  const i = all.indexOf(from as HTMLElement);
  all[i + 1]?.focus();
}

/** A field as the router sees it. */
class DomField {
  constructor(readonly el: TextField) {}
  get value(): string {
    return this.el.value;
  }
  get quantity(): boolean {
    return isQuantity(this.el);
  }
  get scanEntry(): boolean {
    return this.el.dataset.scan !== undefined;
  }
}

/** The key a scanner sends for GS when set to "Ctrl+]" (ASCII 29 is Ctrl and the `]` key). */
export function gsChord(e: Pick<KeyboardEvent, "ctrlKey" | "altKey" | "metaKey" | "key" | "code">): boolean {
  return e.ctrlKey && !e.altKey && !e.metaKey && (e.key === "]" || e.key === "\u001d" || e.code === "BracketRight");
}

/** Listens on the window; returns the function that stops listening. */
export function installScanInput(config: CaptureConfig, routes: Routes): () => void {
  // The field the keys now held by the capture were typed in.
  let typedIn: Element | null = null;
  const fields = new WeakMap<TextField, DomField>();
  const wrap = (el: TextField): DomField => {
    let f = fields.get(el);
    if (f === undefined) {
      f = new DomField(el);
      fields.set(el, f);
    }
    return f;
  };
  const router = new ScanRouter<DomField>({
    scan: routes.scan,
    stray: routes.stray,
    type: (f, text) => typeInto(f.el, text),
    restore: (f, value) => {
      if (f.el.value !== value) {
        f.el.value = value;
        f.el.dispatchEvent(new Event("input", { bubbles: true }));
      }
    },
    submit: (f, how) => {
      if (how === "Enter") f.el.form?.requestSubmit();
      else focusNext(f.el);
    },
  });
  const deliver = (ev: CaptureEvent, first: number): void => {
    // Typed text goes where it was typed, even if focus has moved on since.
    const target = typedIn !== null && typedIn.isConnected && isTextField(typedIn) ? typedIn : document.activeElement;
    router.deliver(ev, isTextField(target) ? wrap(target) : null, performance.now(), first);
  };
  const capture = new ScanCapture(config, deliver);
  const onKey = (e: KeyboardEvent): void => {
    if (e.isComposing) return;
    const key = gsChord(e) ? "\u001d" : e.key;
    if (key !== "\u001d" && (e.ctrlKey || e.altKey || e.metaKey)) return;
    // Anything held was typed here: a focus change flushes it first (`focusin` below).
    typedIn = document.activeElement;
    lastKey = performance.now();
    if (capture.key(key, e.timeStamp)) {
      e.preventDefault();
    } else {
      // Backspace, arrows and the like act on the field now: first hand it what was typed.
      capture.tick(Number.POSITIVE_INFINITY);
    }
  };
  // A tap ends typing: what was typed goes into the field that had focus before the tap moves
  // focus away (held until the pause that tells typing from a scan, it was lost when a person
  // typed the last key and tapped a button at once).
  // So does focus moving on (a script, or a person tabbing through): held text goes to the field
  // it was typed in.
  const onTap = (): void => capture.tick(Number.POSITIVE_INFINITY);
  window.addEventListener("keydown", onKey, true);
  window.addEventListener("pointerdown", onTap, true);
  window.addEventListener("mousedown", onTap, true);
  window.addEventListener("focusin", onTap, true);
  // The pause that ends typing is only judged while the page keeps time: a timer that fires late
  // means the page was busy, and keys of a burst may still be waiting to be handled, so a late
  // tick (or the first after a key) decides nothing.
  let lastTick = performance.now();
  let lastKey = 0;
  const timer = window.setInterval(() => {
    const now = performance.now();
    const onTime = now - lastTick <= TICK_MS * 2;
    lastTick = now;
    if (onTime && now - lastKey > TICK_MS) capture.tick(now);
  }, TICK_MS);
  return () => {
    window.removeEventListener("keydown", onKey, true);
    window.removeEventListener("pointerdown", onTap, true);
    window.removeEventListener("mousedown", onTap, true);
    window.removeEventListener("focusin", onTap, true);
    window.clearInterval(timer);
  };
}

/** How often held keys are looked at. */
const TICK_MS = 50;
