import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { ExpectedLine, Item, PickTask, TaskView } from "./api";
import { checkPickItem, checkPickLocation, checkTaskScan, keepCurrentFirst, taskPrompt, taskStep, expectedLineFor, isSuggested, packChoices, parseKg, parseQty, parseQtyOr, parseSignedQty, recordedMessage, sinceText, syncPercent, weightText, quantityDoubt } from "./work";

const task: PickTask = {
  order_line: "ol-1",
  order: "SO-1",
  line: 1,
  item_id: "item-oil",
  sku: "OIL",
  description: "Olive oil 1L",
  location: "A-01-1",
  location_barcode: "LOC:WH1:A-01-1",
  walk_seq: 10,
  lot: "L-EARLY",
  expiry: "2026-12-31",
  qty: 4,
  tote: 1,
};

describe("quantities", () => {
  it("accepts whole numbers from the minimum up and says why others are refused", () => {
    expect(parseQty("12")).toEqual({ ok: true, qty: 12 });
    expect(parseQty(" 3 ")).toEqual({ ok: true, qty: 3 });
    expect(parseQty("0")).toEqual({ ok: false, error: "the quantity must be at least 1" });
    expect(parseQty("0", 0)).toEqual({ ok: true, qty: 0 });
    expect(parseQty("")).toEqual({ ok: false, error: "enter a quantity" });
    expect(parseQty("2.5")).toEqual({ ok: false, error: '"2.5" is not a whole number' });
    expect(parseQty("12a")).toEqual({ ok: false, error: '"12a" is not a whole number' });
    expect(parseQty("99999999999999999999")).toEqual({ ok: false, error: "99999999999999999999 is too large" });
  });

  it("adjustments are signed and never zero", () => {
    expect(parseSignedQty("-2")).toEqual({ ok: true, qty: -2 });
    expect(parseSignedQty("5")).toEqual({ ok: true, qty: 5 });
    expect(parseSignedQty("0")).toEqual({ ok: false, error: "an adjustment of 0 changes nothing" });
  });

  it("never throws and only accepts what round-trips", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^ ?-?\d{1,20} ?$/)), (s) => {
        const r = parseQty(s, 0);
        if (r.ok) {
          expect(s.trim()).toMatch(/^-?\d+$/);
          expect(r.qty).toBe(Number.parseInt(s.trim(), 10));
          expect(r.qty >= 0 && Number.isSafeInteger(r.qty)).toBe(true);
        } else {
          expect(r.error.length).toBeGreaterThan(0);
        }
      }),
    );
  });
});

describe("receiving", () => {
  const line = (id: string, item: string, expected: number, received: number): ExpectedLine => ({
    receipt_line: id,
    receipt: "PO-1",
    line: 1,
    item_id: item,
    sku: item,
    description: "",
    tracking: "none",
    expiry_tracked: false,
    expected,
    received,
    expected_date: null,
  });

  it("matches the first open expected line of the scanned item", () => {
    const lines = [line("a", "BOLT", 10, 10), line("b", "NUT", 5, 0), line("c", "BOLT", 8, 2)];
    expect(expectedLineFor(lines, "BOLT")?.receipt_line).toBe("c");
    expect(expectedLineFor(lines, "SCREW")).toBeNull();
  });

  it("offers pack levels smallest first", () => {
    const item = {
      packs: [
        { kind: "pallet", gtin: null, quantity: 960 },
        { kind: "each", gtin: null, quantity: 1 },
        { kind: "case", gtin: "1", quantity: 24 },
      ],
    } as Item;
    expect(packChoices(item).map((p) => p.kind)).toEqual(["each", "case", "pallet"]);
  });
});

describe("picking", () => {
  it("accepts only the task's location", () => {
    expect(checkPickLocation(task, { resolved: "location", barcode: "LOC:WH1:A-01-1", code: "A-01-1" })).toBeNull();
    expect(checkPickLocation(task, { resolved: "location", barcode: "LOC:WH1:A-01-2", code: "A-01-2" })).toBe(
      "wrong location: this is A-01-2, the task is at A-01-1",
    );
    expect(checkPickLocation(task, { resolved: "item" })).toBe("scan the location A-01-1 first");
  });

  it("accepts only the task's item, and its lot when the label has one", () => {
    expect(checkPickItem(task, { resolved: "item", item: { id: "item-oil", sku: "OIL" }, lot: null })).toBeNull();
    expect(checkPickItem(task, { resolved: "item", item: { id: "item-oil", sku: "OIL" }, lot: "L-EARLY" })).toBeNull();
    expect(checkPickItem(task, { resolved: "item", item: { id: "item-oil", sku: "OIL" }, lot: "L-LATE" })).toBe(
      "wrong lot: the label says L-LATE, the task is for lot L-EARLY",
    );
    expect(checkPickItem(task, { resolved: "item", item: { id: "item-bolt", sku: "BOLT" }, lot: null })).toBe(
      "wrong item: this is BOLT, the task is for OIL",
    );
    expect(checkPickItem(task, { resolved: "location" })).toBe("scan the item OIL");
  });
});

describe("putaway and messages", () => {
  it("confirms only the suggested location", () => {
    expect(isSuggested({ barcode: "LOC:WH1:A-01-1" }, "LOC:WH1:A-01-1")).toBe(true);
    expect(isSuggested({ barcode: "LOC:WH1:A-01-1" }, "LOC:WH1:A-01-2")).toBe(false);
    expect(isSuggested(null, "LOC:WH1:A-01-1")).toBe(false);
  });

  it("a warning turns a success amber and is shown", () => {
    const rec = { entry: { seq: 7, op_id: "x", operator: "ALICE" }, warnings: [] };
    expect(recordedMessage("Received", rec)).toEqual({ tone: "ok", text: "Received (#7)", details: [] });
    const over = { key: "work.over_receipt", args: { total: "11", expected: "10", receipt: "PO-9", line: "1" }, text: "over-receipt: 11 …" };
    const warned = recordedMessage("Received", { ...rec, warnings: [over] });
    expect(warned.tone).toBe("warn");
    expect(warned.details).toEqual(["over-receipt: 11 received against 10 expected on PO-9 line 1; a supervisor will review it"]);
  });

  it("sync progress is a percentage only when the total is known", () => {
    expect(syncPercent({ phase: "push", done: 25, total: 100 })).toBe(25);
    expect(syncPercent({ phase: "pull", done: 25, total: null })).toBeNull();
    expect(syncPercent({ phase: "push", done: 5, total: 0 })).toBeNull();
    expect(syncPercent(null)).toBeNull();
  });

  it("says how long ago the last sync was", () => {
    const now = new Date("2026-11-29T10:00:00Z");
    expect(sinceText(null, now)).toBe("never");
    expect(sinceText("2026-11-29T09:59:30Z", now)).toBe("just now");
    expect(sinceText("2026-11-29T09:45:00Z", now)).toBe("15 min ago");
    expect(sinceText("2026-11-29T07:00:00Z", now)).toBe("3 h ago");
    expect(sinceText("2026-11-20T07:00:00Z", now)).toBe("Nov 20, 2026");
  });
});

describe("default quantities", () => {
  it("an empty field takes the default shown as its placeholder; anything typed replaces it", () => {
    expect(parseQtyOr("", 24)).toEqual({ ok: true, qty: 24 });
    expect(parseQtyOr("  ", 24)).toEqual({ ok: true, qty: 24 });
    expect(parseQtyOr("30", 24)).toEqual({ ok: true, qty: 30 });
    expect(parseQtyOr("x", 24)).toEqual({ ok: false, error: '"x" is not a whole number' });
    expect(parseQtyOr("", 0)).toEqual({ ok: false, error: "the quantity must be at least 1" });
  });
});

describe("tasks from the office", () => {
  const topUp: TaskView = {
    id: "t-1",
    type: "move",
    item_id: "item-oil",
    lot: "L-EARLY",
    qty: 30,
    reason: "top up pick face A-01-1",
    status: "open",
    done_qty: 0,
    sku: "OIL",
    description: "Olive oil 1L",
    source: { code: "B-01-1", barcode: "LOC:WH1:B-01-1" },
    target: { code: "A-01-1", barcode: "LOC:WH1:A-01-1" },
    remaining: 30,
  };
  const { qty: _moved, ...rest } = topUp;
  const count: TaskView = { ...rest, id: "t-2", type: "count", lot: null, blind: true, source: null, remaining: 1 };
  const at = (barcode: string, code: string) => ({ resolved: "location", barcode, code });
  const oil = { resolved: "item", item: { id: "item-oil", sku: "OIL" }, lot: null };

  it("walks a top-up from reserve, then the item, then the face; a count from the location to the quantity", () => {
    expect(taskStep(topUp, { place: false, item: false })).toBe("from");
    expect(taskStep(topUp, { place: true, item: false })).toBe("item");
    expect(taskStep(topUp, { place: true, item: true })).toBe("to");
    expect(taskStep(count, { place: false, item: false })).toBe("to");
    expect(taskStep(count, { place: true, item: false })).toBe("item");
    expect(taskStep(count, { place: true, item: true })).toBe("qty");
    expect(taskPrompt(topUp, "to")).toBe("Take 30 to A-01-1 and scan it");
    expect(taskPrompt(count, "to")).toBe("Go to A-01-1 and scan the location");
  });

  it("accepts only the task's own locations, item and lot", () => {
    expect(checkTaskScan(topUp, "from", at("LOC:WH1:B-01-1", "B-01-1"))).toBeNull();
    expect(checkTaskScan(topUp, "from", at("LOC:WH1:A-01-1", "A-01-1"))).toBe("wrong location: this is A-01-1, the task is at B-01-1");
    expect(checkTaskScan(topUp, "to", at("LOC:WH1:A-01-1", "A-01-1"))).toBeNull();
    expect(checkTaskScan(topUp, "from", oil)).toBe("scan the location B-01-1");
    expect(checkTaskScan(topUp, "item", oil)).toBeNull();
    expect(checkTaskScan(topUp, "item", { ...oil, lot: "L-LATE" })).toBe("wrong lot: the label says L-LATE, the task is for lot L-EARLY");
    expect(checkTaskScan(topUp, "item", { resolved: "item", item: { id: "x", sku: "SALT" } })).toBe("wrong item: this is SALT, the task is for OIL");
    expect(checkTaskScan(count, "from", at("LOC:WH1:B-01-1", "B-01-1"))).toBe("this task has no such step");
  });
});

describe("a task list refreshed by a sync", () => {
  const ids = (l: { id: string }[]): string[] => l.map((t) => t.id);
  it("keeps the task on screen first while it is still to do", () => {
    const fresh = [{ id: "new" }, { id: "b" }, { id: "shown" }, { id: "c" }];
    expect(ids(keepCurrentFirst(fresh, "shown"))).toEqual(["shown", "new", "b", "c"]);
  });
  it("takes the fresh order when the task on screen is done or there was none", () => {
    const fresh = [{ id: "new" }, { id: "b" }];
    expect(ids(keepCurrentFirst(fresh, "gone"))).toEqual(["new", "b"]);
    expect(ids(keepCurrentFirst(fresh, null))).toEqual(["new", "b"]);
  });
  it("never loses or doubles a task", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string(), { maxLength: 12 }), fc.nat(), (list, pick) => {
        const fresh = list.map((id) => ({ id }));
        const current = list.length === 0 ? null : (list[pick % list.length] ?? null);
        const out = ids(keepCurrentFirst(fresh, current));
        expect([...out].sort()).toEqual([...list].sort());
        if (current !== null) expect(out[0]).toBe(current);
      }),
    );
  });
});

describe("parseKg", () => {
  it("reads kilograms with up to three decimals, a comma too, as grams", () => {
    expect(parseKg("12.5")).toEqual({ ok: true, grams: 12_500 });
    expect(parseKg(" 0,85 ")).toEqual({ ok: true, grams: 850 });
    expect(parseKg("3")).toEqual({ ok: true, grams: 3000 });
    expect(parseKg("1.234")).toEqual({ ok: true, grams: 1234 });
    expect(parseKg("")).toEqual({ ok: true, grams: null });
  });
  it("refuses what is not a weight, and a barcode", () => {
    for (const bad of ["-1", "1.2345", "abc", "5012345000022", "2000.001"]) {
      expect(parseKg(bad).ok, bad).toBe(false);
    }
    expect(parseKg("2000")).toEqual({ ok: true, grams: 2_000_000 });
  });
  it("shows weights as a scale does", () => {
    expect(weightText(12_345)).toBe("12.345 kg");
    expect(weightText(850)).toBe("850 g");
    expect(weightText(1005)).toBe("1.005 kg");
  });
});

describe("quantities that need a second look", () => {
  it("a barcode typed or scanned into a quantity", () => {
    expect(quantityDoubt("5012345000022", 5012345000022)).toMatch(/looks like a barcode/);
    expect(quantityDoubt("96385074", 96385074)).toMatch(/looks like a barcode/);
    expect(quantityDoubt("1234567", 1234567)).toMatch(/looks like a barcode/);
    expect(quantityDoubt("-5012345000022", -5012345000022)).toMatch(/looks like a barcode/);
  });
  it("far above what the line expects or the location holds", () => {
    expect(quantityDoubt("250", 250, { expected: 100 })).toMatch(/far more than the 100 expected/);
    expect(quantityDoubt("14", 14, { expected: 4 })).toBeNull();
    expect(quantityDoubt("200", 200, { expected: 100 })).toBeNull();
    expect(quantityDoubt("40", 40, { onHand: 12 })).toMatch(/far more than the 12 here/);
    expect(quantityDoubt("", 500, { expected: 100 })).toMatch(/expected/);
  });
  it("ordinary quantities pass", () => {
    for (const n of [1, 12, 999, 123456]) expect(quantityDoubt(String(n), n)).toBeNull();
    expect(quantityDoubt("7", 7, { expected: null, onHand: null })).toBeNull();
  });
});
