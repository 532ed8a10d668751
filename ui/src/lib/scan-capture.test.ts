import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { type CaptureConfig, type CaptureEvent, DEFAULT_CONFIG, ScanCapture } from "./scan-capture";

/** Types `text` with `gap` ms between keys from `start`, then optionally a terminator key. */
function feed(cap: ScanCapture, text: string, start: number, gap: number, end?: string): number {
  let t = start;
  for (const ch of text) {
    cap.key(ch, t);
    t += gap;
  }
  if (end !== undefined) {
    cap.key(end, t - gap + Math.min(gap, 5));
  }
  return t;
}

function capture(config: Partial<CaptureConfig> = {}): { cap: ScanCapture; events: CaptureEvent[] } {
  const events: CaptureEvent[] = [];
  const cap = new ScanCapture({ ...DEFAULT_CONFIG, ...config }, (e) => events.push(e));
  return { cap, events };
}

describe("keyboard-wedge scans", () => {
  it("takes a fast burst ending in Enter as one scan", () => {
    const { cap, events } = capture();
    feed(cap, "]C10109506000134352", 1000, 5, "Enter");
    expect(events).toEqual([{ kind: "scan", data: "]C10109506000134352" }]);
  });

  it("gives slow typing back as text and Enter as a submit", () => {
    const { cap, events } = capture();
    feed(cap, "12", 1000, 180, "Enter");
    expect(events).toEqual([{ kind: "typed", text: "1", submit: null }, { kind: "typed", text: "2", submit: "Enter" }]);
  });

  it("separates a scan from typing that preceded it", () => {
    const { cap, events } = capture({ idleMs: 10_000 });
    const t = feed(cap, "ab", 1000, 200);
    feed(cap, "LOC:WH1:A-01", t + 200, 4, "Tab");
    expect(events).toEqual([
      { kind: "typed", text: "ab", submit: null },
      { kind: "scan", data: "LOC:WH1:A-01" },
    ]);
  });

  it("keeps two back-to-back scans apart", () => {
    const { cap, events } = capture();
    const t = feed(cap, "9506000134352", 1000, 3, "Enter");
    feed(cap, "LP00001234", t + 8, 3, "Enter");
    expect(events.map((e) => e.kind === "scan" && e.data)).toEqual(["9506000134352", "LP00001234"]);
  });

  it("does not treat a quick double-tap as a scan", () => {
    const { cap, events } = capture();
    feed(cap, "7", 1000, 5, "Enter");
    expect(events).toEqual([{ kind: "typed", text: "7", submit: "Enter" }]);
  });

  it("maps configured keys to the GS separator", () => {
    const { cap, events } = capture();
    for (const [i, k] of ["0", "1", "0", "9", "F8", "1", "0", "A", "B"].entries()) cap.key(k, 1000 + i * 4);
    cap.key("Enter", 1040);
    expect(events).toEqual([{ kind: "scan", data: "0109\u001d10AB" }]);
  });

  it("with a prefix, accepts even a slow scanner and strips the prefix", () => {
    const { cap, events } = capture({ prefix: "~~", maxGapMs: 10 });
    feed(cap, "~~ABC-123", 1000, 60, "Enter");
    expect(events).toEqual([{ kind: "scan", data: "ABC-123" }]);
  });

  it("gives back characters that only looked like the start of the prefix", () => {
    const { cap, events } = capture({ prefix: "~~" });
    feed(cap, "~x", 1000, 300, "Enter");
    expect(events.map((e) => (e.kind === "typed" ? e.text : `scan:${e.data}`)).join("")).toBe("~x");
  });

  it("completes a scan without a terminator after a pause, for scanners set up that way", () => {
    const { cap, events } = capture({ suffix: "none" });
    const t = feed(cap, "5012345000015", 1000, 4);
    cap.tick(t + 50);
    expect(events).toEqual([]);
    cap.tick(t + 200);
    expect(events).toEqual([{ kind: "scan", data: "5012345000015" }]);
  });

  it("leaves keys it has no business with to the page", () => {
    const { cap } = capture();
    expect(cap.key("ArrowDown", 1000)).toBe(false);
    expect(cap.key("Shift", 1001)).toBe(false);
    expect(cap.key("a", 1002)).toBe(true);
  });

  it("refuses a configuration that cannot work", () => {
    expect(() => capture({ minLength: 0 })).toThrow(/minLength/);
  });
});

describe("invariants", () => {
  const key = fc.constantFrom(..."ABCDEFGHIJ0123456789-:".split(""));
  const burst = fc.record({
    text: fc.array(key, { minLength: 1, maxLength: 24 }).map((a) => a.join("")),
    gap: fc.integer({ min: 1, max: 400 }),
    pause: fc.integer({ min: 1, max: 1000 }),
    end: fc.constantFrom("Enter", "Tab", undefined),
  });

  it("never loses, reorders or invents a character, whatever the timing", () => {
    fc.assert(
      fc.property(fc.array(burst, { maxLength: 12 }), (bursts) => {
        const { cap, events } = capture();
        let t = 0;
        let expected = "";
        for (const b of bursts) {
          t = feed(cap, b.text, t + b.pause, b.gap, b.end) + 1;
          expected += b.text;
        }
        cap.tick(t + 10_000);
        const got = events.map((e) => (e.kind === "scan" ? e.data : e.text)).join("");
        expect(got).toBe(expected);
      }),
    );
  });

  it("never splits a fast burst with a terminator into two scans", () => {
    fc.assert(
      fc.property(fc.array(key, { minLength: 4, maxLength: 60 }), fc.integer({ min: 1, max: 30 }), (chars, gap) => {
        const { cap, events } = capture();
        feed(cap, chars.join(""), 5000, gap, "Enter");
        expect(events).toEqual([{ kind: "scan", data: chars.join("") }]);
      }),
    );
  });
});
