import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { gs1CheckOk, looksLikeBarcode, scannerOnly, withCheck } from "./barcode-shape";

describe("barcode shapes", () => {
  it("know GS1 check digits", () => {
    expect(gs1CheckOk("9506000134352")).toBe(true);
    expect(gs1CheckOk("9506000134353")).toBe(false);
    expect(gs1CheckOk("5012345000022")).toBe(true);
    expect(gs1CheckOk("12")).toBe(false);
  });

  it("take scanned numbers and element strings for barcodes", () => {
    for (const s of [
      "5012345000022",
      "96385074",
      "09506000134352",
      "]C10109506000134352",
      "(01)09506000134352(10)L1",
      "0109506000134352\u001d10L1",
      "010950600013435210L1",
      "00395060001000000013",
    ]) {
      expect(looksLikeBarcode(s), s).toBe(true);
    }
  });

  it("leave quantities and codes people type alone", () => {
    for (const s of ["1", "12", "250", "1000", "5012345000023", "PAI-00005", "SO-1001", "12.5"]) {
      expect(looksLikeBarcode(s), s).toBe(false);
    }
    expect(scannerOnly("5012345000022")).toBe(false);
    expect(scannerOnly("]C1011")).toBe(true);
    expect(scannerOnly("01\u001d10")).toBe(true);
  });

  it("take every EAN-13 with its check digit, and no number of up to 7 digits", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{12}$/), (body) => {
        expect(looksLikeBarcode(withCheck(body))).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999 }), (n) => {
        expect(looksLikeBarcode(String(n))).toBe(false);
      }),
    );
  });
});
