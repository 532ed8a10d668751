import { describe, expect, it } from "vitest";
import { loadScannerConfig, saveScannerConfig } from "./keyboard";
import { DEFAULT_CONFIG } from "./scan-capture";

function memory(): Storage {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
  } as Storage;
}

describe("scanner settings", () => {
  it("default when nothing is saved, and round-trip what is", () => {
    const s = memory();
    expect(loadScannerConfig(s)).toEqual(DEFAULT_CONFIG);
    saveScannerConfig(s, "]", "Tab");
    expect(loadScannerConfig(s)).toMatchObject({ prefix: "]", suffix: "Tab", maxGapMs: DEFAULT_CONFIG.maxGapMs });
  });

  it("ignore damaged or unknown saved values", () => {
    const s = memory();
    s.setItem("aisle.scanner", "{not json");
    expect(loadScannerConfig(s)).toEqual(DEFAULT_CONFIG);
    s.setItem("aisle.scanner", JSON.stringify({ prefix: 7, suffix: "Space" }));
    expect(loadScannerConfig(s)).toEqual(DEFAULT_CONFIG);
    expect(loadScannerConfig(null)).toEqual(DEFAULT_CONFIG);
  });
});
