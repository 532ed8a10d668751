// Scan capture for keyboard-wedge scanners.
//
// A wedge scanner "types" its barcode into whatever has focus, very fast, and usually ends with
// Enter or Tab. The app listens to every key wherever focus is and hands each one to a
// ScanCapture, which decides what the keys were: a scan (sent to the scan handler, never into a
// text field) or a person typing (given back as text for the focused field). Nothing is lost:
// every character ends up in exactly one scan or one piece of typed text, in order. Nothing is
// split: a scan ends only at its terminator (or, for scanners configured without one, after a
// pause), never because it happened to be long.

import { looksLikeBarcode } from "./barcode-shape";

/** Which key a scanner sends after the data. */
export type Suffix = "Enter" | "Tab" | "EnterOrTab" | "none";

export interface CaptureConfig {
  /** Characters the scanner sends before the data (configured on the scanner), if any. */
  prefix: string;
  /** The key that ends a scan. */
  suffix: Suffix;
  /** Scanners type faster than this many milliseconds between keys; people do not. */
  maxGapMs: number;
  /** Shorter bursts are typing, however fast (a person can double-tap). */
  minLength: number;
  /** With `suffix: "none"`, a burst followed by this much silence is a complete scan. */
  idleMs: number;
  /** Keys that stand for the GS separator (FNC1) when the scanner cannot send ASCII 29. */
  gsKeys: string[];
}

export const DEFAULT_CONFIG: CaptureConfig = {
  prefix: "",
  suffix: "EnterOrTab",
  maxGapMs: 40,
  minLength: 4,
  idleMs: 120,
  gsKeys: ["F8"],
};

export type CaptureEvent =
  /** A complete scan, without prefix or terminator. */
  | { kind: "scan"; data: string }
  /** Keys a person typed, for the focused field; `submit` when they pressed Enter or Tab. */
  | { kind: "typed"; text: string; submit: "Enter" | "Tab" | null };

interface Keystroke {
  ch: string;
  at: number;
}

const GS = "\u001d";

/** Feeds on key presses (`key` as in `KeyboardEvent.key`) and emits scans and typed text. */
export class ScanCapture {
  private buffer: Keystroke[] = [];
  private inPrefix = false;
  private prefixMatched = 0;
  /** When the last key arrived: an event with no keys of its own (a bare Enter) starts then. */
  private lastAt = 0;

  /**
   * `emit` gets each event with the time of its first key: the capture may hold keys a while
   * before it knows what they are, so the time it emits is not when they were typed.
   */
  constructor(
    private readonly config: CaptureConfig,
    private readonly emit: (e: CaptureEvent, first: number) => void,
  ) {
    if (config.minLength < 1 || config.maxGapMs <= 0) {
      throw new Error("scan capture: minLength must be at least 1 and maxGapMs positive");
    }
  }

  /**
   * One key press at `at` milliseconds. Returns true when the key was taken (the caller prevents
   * its default action); keys the capture does not deal with (arrows, F-keys) return false.
   */
  key(key: string, at: number): boolean {
    this.lastAt = at;
    const terminator = this.terminator(key);
    if (terminator !== null) {
      this.finish(terminator, at);
      return true;
    }
    const ch = key === GS || this.config.gsKeys.includes(key) ? GS : key;
    if ([...ch].length !== 1) {
      return false;
    }
    // A pause longer than a scanner ever makes, with no prefix in play: what came before was
    // typing that is complete as far as we can tell; give it back now so the field stays live.
    const last = this.buffer[this.buffer.length - 1];
    if (!this.inPrefix && last !== undefined && at - last.at > this.config.idleMs) {
      this.idle();
    }
    if (this.config.prefix !== "" && !this.inPrefix) {
      const expected = [...this.config.prefix][this.prefixMatched];
      if (ch === expected) {
        this.prefixMatched += 1;
        if (this.prefixMatched === [...this.config.prefix].length) {
          this.flushTyped(null);
          this.inPrefix = true;
          this.prefixMatched = 0;
        }
        return true;
      }
      if (this.prefixMatched > 0) {
        // Not the prefix after all: those characters were typed.
        const partial = [...this.config.prefix].slice(0, this.prefixMatched).join("");
        this.prefixMatched = 0;
        for (const p of partial) {
          this.buffer.push({ ch: p, at });
        }
      }
    }
    this.buffer.push({ ch, at });
    return true;
  }

  /** Call periodically (e.g. every 50 ms): completes scans without a terminator and typing. */
  tick(now: number): void {
    const last = this.buffer[this.buffer.length - 1];
    if (last !== undefined && !this.inPrefix && now - last.at > this.config.idleMs) {
      this.idle();
    }
  }

  private terminator(key: string): "Enter" | "Tab" | null {
    const s = this.config.suffix;
    if (key === "Enter" && (s === "Enter" || s === "EnterOrTab")) return "Enter";
    if (key === "Tab" && (s === "Tab" || s === "EnterOrTab")) return "Tab";
    // Enter and Tab still submit typed text when the scanner is configured without a suffix.
    if ((key === "Enter" || key === "Tab") && s === "none") return key;
    return null;
  }

  /** The longest run at the end of the buffer typed at scanner speed. */
  private fastTailStart(): number {
    let start = this.buffer.length - 1;
    while (start > 0) {
      const prev = this.buffer[start - 1];
      const cur = this.buffer[start];
      if (prev === undefined || cur === undefined || cur.at - prev.at > this.config.maxGapMs) break;
      start -= 1;
    }
    return Math.max(start, 0);
  }

  private finish(terminator: "Enter" | "Tab", at: number): void {
    if (this.inPrefix) {
      // Everything since the prefix is the scan, however slowly it arrived.
      this.inPrefix = false;
      this.emitScan();
      return;
    }
    const last = this.buffer[this.buffer.length - 1];
    const start = this.fastTailStart();
    const fastEnough = last !== undefined && at - last.at <= this.config.maxGapMs * 2;
    if (this.config.suffix !== "none" && fastEnough && this.buffer.length - start >= this.config.minLength) {
      this.flushTypedBefore(start);
      this.emitScan();
      return;
    }
    // Slower than a scanner, but what is held has a barcode's shape (a burst slowed by a busy
    // machine): a scan all the same. A person's typing is handed over key by key after a pause,
    // so it is never held whole.
    const held = this.buffer.map((k) => k.ch).join("");
    if (this.config.suffix !== "none" && this.buffer.length >= this.config.minLength && looksLikeBarcode(held)) {
      this.emitScan();
      return;
    }
    this.flushTyped(terminator);
  }

  private idle(): void {
    const start = this.fastTailStart();
    if (this.config.suffix === "none" && this.buffer.length - start >= this.config.minLength) {
      this.flushTypedBefore(start);
      this.emitScan();
    } else {
      this.flushTyped(null);
    }
  }

  private firstAt(): number {
    return this.buffer[0]?.at ?? this.lastAt;
  }

  private emitScan(): void {
    const first = this.firstAt();
    const data = this.buffer.map((k) => k.ch).join("");
    this.buffer = [];
    if (data !== "") {
      this.emit({ kind: "scan", data }, first);
    }
  }

  private flushTypedBefore(end: number): void {
    if (end > 0) {
      const first = this.firstAt();
      const text = this.buffer
        .slice(0, end)
        .map((k) => k.ch)
        .join("");
      this.buffer = this.buffer.slice(end);
      this.emit({ kind: "typed", text, submit: null }, first);
    }
  }

  private flushTyped(submit: "Enter" | "Tab" | null): void {
    const first = this.firstAt();
    const text = this.buffer.map((k) => k.ch).join("");
    this.buffer = [];
    if (text !== "" || submit !== null) {
      this.emit({ kind: "typed", text, submit }, first);
    }
  }
}
