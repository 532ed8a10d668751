import { describe, expect, it } from "vitest";
import { gsChord, loadScannerConfig, saveScannerConfig } from "./keyboard";
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

describe("GS as scanners send it", () => {
  const k = (key: string, code: string, mods: Partial<Record<"ctrlKey" | "altKey" | "metaKey", boolean>> = {}) => ({
    key,
    code,
    ctrlKey: false,
    altKey: false,
    metaKey: false,
    ...mods,
  });
  it("Ctrl+] (ASCII 29 on a keyboard), on any layout", () => {
    expect(gsChord(k("]", "BracketRight", { ctrlKey: true }))).toBe(true);
    expect(gsChord(k("+", "BracketRight", { ctrlKey: true }))).toBe(true);
    expect(gsChord(k("\u001d", "BracketRight", { ctrlKey: true }))).toBe(true);
  });
  it("not a plain ] or another shortcut", () => {
    expect(gsChord(k("]", "BracketRight"))).toBe(false);
    expect(gsChord(k("]", "BracketRight", { ctrlKey: true, altKey: true }))).toBe(false);
    expect(gsChord(k("c", "KeyC", { ctrlKey: true }))).toBe(false);
  });
});
