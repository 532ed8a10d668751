// Routes every key press through the scan capture, wherever focus is. Scans go to the current
// screen's scan handler (never into a text field); what a person types goes into the focused
// field, or, with no field focused, to the screen's manual entry.
import { type CaptureConfig, type CaptureEvent, DEFAULT_CONFIG, ScanCapture, type Suffix } from "./scan-capture";

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

function isTextField(el: Element | null): el is HTMLInputElement | HTMLTextAreaElement {
  return (
    (el instanceof HTMLInputElement && ["text", "password", "search", ""].includes(el.type)) ||
    el instanceof HTMLTextAreaElement
  );
}

function typeInto(field: HTMLInputElement | HTMLTextAreaElement, text: string): void {
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

function deliver(e: CaptureEvent, routes: Routes, typedIn: Element | null): void {
  if (e.kind === "scan") {
    routes.scan(e.data);
    return;
  }
  // Typed text goes where it was typed, even if focus has moved on since.
  const field = typedIn !== null && typedIn.isConnected && isTextField(typedIn) ? typedIn : document.activeElement;
  if (!isTextField(field)) {
    routes.stray(e.text, e.submit !== null);
    return;
  }
  if (e.text !== "") typeInto(field, e.text);
  if (e.submit === "Enter") field.form?.requestSubmit();
  else if (e.submit === "Tab") focusNext(field);
}

/** Listens on the window; returns the function that stops listening. */
export function installScanInput(config: CaptureConfig, routes: Routes): () => void {
  // The field the keys now held by the capture were typed in.
  let typedIn: Element | null = null;
  const capture = new ScanCapture(config, (ev) => deliver(ev, routes, typedIn));
  const onKey = (e: KeyboardEvent): void => {
    if (e.isComposing || e.ctrlKey || e.altKey || e.metaKey) return;
    // Anything held was typed here: a focus change flushes it first (`focusin` below).
    typedIn = document.activeElement;
    if (capture.key(e.key, e.timeStamp)) {
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
  const timer = window.setInterval(() => capture.tick(performance.now()), 50);
  return () => {
    window.removeEventListener("keydown", onKey, true);
    window.removeEventListener("pointerdown", onTap, true);
    window.removeEventListener("mousedown", onTap, true);
    window.removeEventListener("focusin", onTap, true);
    window.clearInterval(timer);
  };
}
