// Screen logic that decides nothing the device does not also check, but guides the operator:
// which expected line a scan belongs to, whether a pick scan is the right one, what to say.
import { looksLikeBarcode } from "./barcode-shape";
import { date, num, saidText, t as tr } from "./i18n.svelte";
import type { ExpectedLine, Item, PackKind, PickTask, Progress, Recorded, TaskView } from "./api";

/** A quantity typed by a person: a whole number, at least `min`. */
export function parseQty(text: string, min = 1): { ok: true; qty: number } | { ok: false; error: string } {
  if (!/^-?\d+$/.test(text.trim())) {
    return { ok: false, error: text.trim() === "" ? tr("qty.enter") : tr("qty.notWhole", { text: text.trim() }) };
  }
  const qty = Number.parseInt(text.trim(), 10);
  if (!Number.isSafeInteger(qty)) return { ok: false, error: tr("qty.tooLarge", { text: text.trim() }) };
  if (qty < min) return { ok: false, error: tr("qty.atLeast", { min }) };
  return { ok: true, qty };
}

/** Like `parseQty`, but an empty field means `fallback` (the quantity shown as the placeholder). */
export function parseQtyOr(text: string, fallback: number, min = 1): { ok: true; qty: number } | { ok: false; error: string } {
  return text.trim() === "" ? parseQty(String(fallback), min) : parseQty(text, min);
}

/** A signed, non-zero quantity (adjustments). */
export function parseSignedQty(text: string): { ok: true; qty: number } | { ok: false; error: string } {
  const r = parseQty(text, Number.MIN_SAFE_INTEGER);
  if (r.ok && r.qty === 0) return { ok: false, error: tr("qty.zeroAdjustment") };
  return r;
}

/** The expected receipt line a received item counts against: the first with something open. */
export function expectedLineFor(lines: ExpectedLine[], itemId: string): ExpectedLine | null {
  return lines.find((l) => l.item_id === itemId && l.received < l.expected) ?? null;
}

/** Pack levels to offer, smallest first, with their size in base units. */
export function packChoices(item: Item): { kind: PackKind; quantity: number }[] {
  const order: PackKind[] = ["each", "inner", "case", "pallet"];
  return [...item.packs]
    .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))
    .map((p) => ({ kind: p.kind, quantity: p.quantity }));
}

/** Whether a scanned location is the one a pick task sends the picker to. */
export function checkPickLocation(task: PickTask, scanned: { resolved: string; barcode?: string; code?: string }): string | null {
  if (scanned.resolved !== "location") return tr("pick.scanLocationFirst", { location: task.location });
  if (scanned.barcode !== task.location_barcode) {
    return tr("work.wrongLocation", { here: scanned.code ?? tr("work.anotherLocation"), want: task.location });
  }
  return null;
}

/** Whether a scanned item (and its label's lot) is what the pick task asks for. */
export function checkPickItem(task: PickTask, scanned: { resolved: string; item?: { id: string; sku: string }; lot?: string | null }): string | null {
  if (scanned.resolved !== "item" || scanned.item === undefined) return tr("work.scanItem", { sku: task.sku });
  if (scanned.item.id !== task.item_id) return tr("work.wrongItem", { here: scanned.item.sku, want: task.sku });
  if (task.lot !== null && scanned.lot != null && scanned.lot !== task.lot) {
    return tr("work.wrongLot", { here: scanned.lot, want: task.lot });
  }
  return null;
}

/** Whether the location scanned for putaway is the suggested one (by barcode). */
export function isSuggested(suggested: { barcode: string } | null, scannedBarcode: string): boolean {
  return suggested !== null && suggested.barcode === scannedBarcode;
}

/** The tone and words for a committed operation. */
export function recordedMessage(what: string, rec: Recorded): { tone: "ok" | "warn"; text: string; details: string[] } {
  return { tone: rec.warnings.length > 0 ? "warn" : "ok", text: `${what} (#${rec.entry.seq})`, details: rec.warnings.map(saidText) };
}

/** Percent done of a sync step, when its size is known. */
export function syncPercent(p: Progress | null): number | null {
  if (p === null || p.total === null || p.total === 0) return null;
  return Math.min(100, Math.round((100 * p.done) / p.total));
}

/** "just now", "5 min ago", "3 h ago", or the date. */
export function sinceText(iso: string | null, now: Date): string {
  if (iso === null) return tr("since.never");
  const then = new Date(iso);
  const s = Math.round((now.getTime() - then.getTime()) / 1000);
  if (Number.isNaN(s)) return iso;
  if (s < 60) return tr("since.justNow");
  if (s < 3600) return tr("since.minutes", { n: Math.floor(s / 60) });
  if (s < 86400) return tr("since.hours", { n: Math.floor(s / 3600) });
  return date(iso);
}

/** What a task still needs scanned, in order: moves go from, item, to; counts go location, item. */
export type TaskStep = "from" | "item" | "to" | "qty";

/** The next step of a task, given what has been scanned so far. */
/** A fresh task list after a sync, with the task on screen kept first while it is still to do:
 *  new work never swaps the task an operator is walking to. */
export function keepCurrentFirst<T extends { id: string }>(fresh: T[], currentId: string | null): T[] {
  const at = currentId === null ? -1 : fresh.findIndex((t) => t.id === currentId);
  const kept = fresh[at];
  return at > 0 && kept !== undefined ? [kept, ...fresh.slice(0, at), ...fresh.slice(at + 1)] : fresh;
}

export function taskStep(task: TaskView, got: { place: boolean; item: boolean }): TaskStep {
  if (task.type === "move") {
    if (!got.place) return "from";
    if (!got.item) return "item";
    return "to";
  }
  if (!got.place) return "to";
  if (!got.item) return "item";
  return "qty";
}

/** What to ask the operator for at a step of a task. */
export function taskPrompt(task: TaskView, step: TaskStep): string {
  switch (step) {
    case "from":
      return tr("tasks.goFrom", { location: task.source?.code ?? "?" });
    case "item":
      return tr("tasks.scanSku", { sku: task.sku });
    case "to":
      return task.type === "move" ? tr("tasks.takeTo", { qty: num(task.remaining), location: task.target.code }) : tr("tasks.goFrom", { location: task.target.code });
    case "qty":
      return tr("tasks.countIt", { sku: task.sku });
  }
}

/** Whether a scan is the one a task's step asks for; the message says what is wrong. */
export function checkTaskScan(
  task: TaskView,
  step: TaskStep,
  scanned: { resolved: string; barcode?: string; code?: string; item?: { id: string; sku: string }; lot?: string | null },
): string | null {
  if (step === "item") {
    if (scanned.resolved !== "item" || scanned.item === undefined) return tr("work.scanItem", { sku: task.sku });
    if (scanned.item.id !== task.item_id) return tr("work.wrongItem", { here: scanned.item.sku, want: task.sku });
    if (task.lot != null && scanned.lot != null && scanned.lot !== task.lot) return tr("work.wrongLot", { here: scanned.lot, want: task.lot });
    return null;
  }
  const want = step === "from" ? task.source : task.target;
  if (want === null) return tr("tasks.noSuchStep");
  if (scanned.resolved !== "location") return tr("work.scanLocation", { location: want.code });
  if (scanned.barcode !== want.barcode) return tr("work.wrongLocation", { here: scanned.code ?? tr("work.anotherLocation"), want: want.code });
  return null;
}

/**
 * A carton's weight as typed from a scale, in kilograms (`12.5`, `12,5`, up to 3 decimals), as
 * grams. Empty: `null` (the tablet adds up the items' weights). At most 2,000 kg.
 */
export function parseKg(text: string): { ok: true; grams: number | null } | { ok: false; error: string } {
  const t = text.trim().replace(",", ".");
  if (t === "") return { ok: true, grams: null };
  const m = /^(\d{1,4})(?:\.(\d{1,3}))?$/.exec(t);
  if (m === null) return { ok: false, error: tr("weight.notKg", { text: text.trim() }) };
  const [, whole = "0", part = ""] = m;
  const grams = Number.parseInt(whole, 10) * 1000 + Number.parseInt(part.padEnd(3, "0"), 10);
  if (grams > 2_000_000) return { ok: false, error: tr("weight.tooHeavy", { text: t }) };
  return { ok: true, grams };
}

/** Grams as a scale shows them: `12.345 kg`, `850 g`. */
export function weightText(grams: number): string {
  return grams >= 1000 ? `${Math.floor(grams / 1000)}.${String(grams % 1000).padStart(3, "0")} kg` : `${grams} g`;
}

/**
 * Why a quantity needs the operator's confirmation before it is recorded, or null: a number that
 * looks like a barcode (a check-digit-valid code, or seven digits or more), or far above what the
 * line expects or the location holds (`expected`, `onHand` in the same units as `qty`).
 */
export function quantityDoubt(text: string, qty: number, limits: { expected?: number | null; onHand?: number | null } = {}): string | null {
  const t = text.trim().replace(/^[-+]/, "");
  if (looksLikeBarcode(t) || /^\d{7,}$/.test(t)) {
    return tr("qty.looksLikeBarcode", { text: text.trim() });
  }
  const far = (limit: number): boolean => Math.abs(qty) > Math.max(2 * limit, limit + 10);
  if (limits.expected != null && limits.expected >= 0 && far(limits.expected)) {
    return tr("qty.farAboveExpected", { qty: num(Math.abs(qty)), limit: num(limits.expected) });
  }
  if (limits.onHand != null && limits.onHand >= 0 && far(limits.onHand)) {
    return tr("qty.farAboveHere", { qty: num(Math.abs(qty)), limit: num(limits.onHand) });
  }
  return null;
}
