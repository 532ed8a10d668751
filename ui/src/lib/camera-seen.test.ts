import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { GONE_MS, SeenCodes } from "./camera-seen";

describe("camera de-duplication", () => {
  it("a label held in view is one scan however many frames read it", () => {
    const seen = new SeenCodes();
    const scans = [0, 100, 200, 5000].map((_, i) => seen.frame("A", i * 100)).filter(Boolean);
    expect(scans).toHaveLength(1);
  });

  it("the same label shown again after a moment away is another scan", () => {
    const seen = new SeenCodes();
    expect(seen.frame("A", 0)).toBe(true);
    expect(seen.frame(null, 500)).toBe(false);
    expect(seen.frame("A", GONE_MS + 1)).toBe(true);
  });

  it("another label is a scan at once, and so is the first one after it", () => {
    const seen = new SeenCodes();
    expect(seen.frame("A", 0)).toBe(true);
    expect(seen.frame("B", 50)).toBe(true);
    expect(seen.frame("A", 100)).toBe(true);
  });

  it("closing the camera forgets the last label", () => {
    const seen = new SeenCodes();
    seen.frame("A", 0);
    seen.reset();
    expect(seen.frame("A", 10)).toBe(true);
  });

  it("scans are exactly the reads that follow another label or a gap of GONE_MS", () => {
    // A random feed of frames (text or nothing, increasing times) against the rule stated plainly.
    const feed = fc.array(fc.tuple(fc.option(fc.constantFrom("A", "B", "C"), { nil: null }), fc.integer({ min: 1, max: 2 * GONE_MS })), { maxLength: 60 });
    fc.assert(
      fc.property(feed, (frames) => {
        const seen = new SeenCodes();
        let now = 0;
        let last: { text: string; at: number } | null = null;
        for (const [text, gap] of frames) {
          now += gap;
          const expected = text !== null && (last === null || last.text !== text || now - last.at >= GONE_MS);
          expect(seen.frame(text, now)).toBe(expected);
          if (text !== null) last = { text, at: now };
        }
      }),
    );
  });
});
