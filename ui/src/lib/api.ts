// The Tauri commands the UI calls, typed. Errors arrive as {kind, message}.
import { invoke } from "@tauri-apps/api/core";
import { type Said, saidText } from "./i18n.svelte";

export type Role = "operator" | "supervisor";
export type PackKind = "each" | "inner" | "case" | "pallet";
export type Tracking = "none" | "lot" | "serial";

export interface Operator {
  badge: string;
  name: string;
  role: Role;
  /** The language a supervisor set for them, if any. */
  language: string | null;
}

export interface Progress {
  phase: "push" | "snapshot" | "pull";
  done: number;
  total: number | null;
}

export interface SyncReport {
  pushed: number;
  duplicates: number;
  snapshot: boolean;
  pulled: number;
  pages: number;
  exceptions: number;
  pending: number;
  cursor: number;
  /** What failed after the work was safe (e.g. no new carton numbers); the sync succeeded. */
  warnings?: Said[];
}

export interface SyncView {
  online: boolean | null;
  running: boolean;
  progress: Progress | null;
  last_report: SyncReport | null;
  last_error: CommandError | null;
  last_attempt_at: string | null;
}

export interface Status {
  device: string | null;
  warehouse: string | null;
  enrolled: boolean;
  server_url: string | null;
  pending: number;
  last_sync_at: string | null;
  operator: Operator | null;
  sync: SyncView;
}

export interface StockLine {
  item_id: string;
  sku: string;
  description: string;
  warehouse: string;
  location_id: string;
  location: string;
  location_kind: string;
  lot: string | null;
  expiry: string | null;
  plate: string | null;
  qty: number;
}

export interface PackLevel {
  kind: PackKind;
  gtin: string | null;
  quantity: number;
}

export interface Item {
  id: string;
  sku: string;
  description: string;
  tracking: Tracking;
  expiry_tracked: boolean;
  packs: PackLevel[];
}

export interface Location {
  id: string;
  code: string;
  barcode: string;
  kind: string;
}

export interface Plate {
  id: string;
  code: string;
  location_id: string | null;
}

export interface ItemScan {
  item: Item;
  pack: PackKind;
  per_pack: number;
  lot: string | null;
  expiry: string | null;
  serial: string | null;
  count: number | null;
}

/** What a scan is on this device. */
export type Resolved =
  | ({ resolved: "item" } & ItemScan)
  | ({ resolved: "location" } & Location)
  | ({ resolved: "plate" } & Plate)
  | { resolved: "new_plate"; code: string }
  | { resolved: "unknown" };

export interface Resolution {
  scan: { data: string };
  resolved: Resolved["resolved"];
}

export interface Lookup {
  resolution: Resolution & Resolved;
  stock: StockLine[];
  other_warehouses: [string, number][];
  /** Goods of the item on their way to each warehouse (transfers shipped, not yet received). */
  in_transit: [string, number][];
}

export interface Recorded {
  entry: { seq: number; op_id: string; operator: string };
  warnings: Said[];
}

export interface ExpectedLine {
  receipt_line: string;
  receipt: string;
  line: number;
  item_id: string;
  sku: string;
  description: string;
  tracking: Tracking;
  expiry_tracked: boolean;
  expected: number;
  received: number;
  expected_date: string | null;
}

export interface PickTask {
  order_line: string;
  order: string;
  line: number;
  item_id: string;
  sku: string;
  description: string;
  location: string;
  location_barcode: string;
  walk_seq: number | null;
  lot: string | null;
  expiry: string | null;
  qty: number;
  /** Cluster picking: the tote this order's goods go into on this walk. */
  tote: number;
}

export interface PickList {
  tasks: PickTask[];
  shortages: { order_line: string; sku: string; missing: number }[];
}

/** A place as the operator scans it. */
export interface Place {
  code: string;
  barcode: string;
}

/** A move (pick-face top-up) or count task from the server, with what is left to do. */
export interface TaskView {
  id: string;
  type: "move" | "count";
  item_id: string;
  lot?: string | null;
  qty?: number;
  blind?: boolean;
  /** In English. */
  reason: string;
  /** The same reason as a catalog key with its values (absent on tasks made before the server
   * kept them). */
  reason_said?: Said;
  status: "open" | "done" | "cancelled";
  done_qty: number;
  sku: string;
  description: string;
  source: Place | null;
  target: Place;
  remaining: number;
}

export interface CountLine {
  item_id: string;
  sku: string;
  description: string;
  lot: string | null;
  expiry: string | null;
  plate: string | null;
  expected: number | null;
}

export interface CountSheet {
  location: Location;
  lines: CountLine[];
}

export interface PutawaySuggestion {
  what: string;
  location: Location | null;
  from: Location | null;
  available: number;
  plate: boolean;
}

export interface ExceptionView {
  id: string;
  kind: string;
  /** In English. */
  message: string;
  /** The same message as a catalog key with its values (absent on exceptions the server raised
   * before it kept them). */
  said?: Said;
  status: "open" | "resolved";
  created_at: string;
  resolution: string | null;
  sku: string | null;
  location: string | null;
}

export interface CommandError {
  kind: string;
  /** In English. */
  message: string;
  /** The same message as a catalog key with its values (absent from errors made in the UI). */
  said?: Said;
}

export function isCommandError(e: unknown): e is CommandError {
  return typeof e === "object" && e !== null && "kind" in e && "message" in e;
}

/** The message to show for anything a command threw, in the operator's language. */
export function messageOf(e: unknown): string {
  if (!isCommandError(e)) return String(e);
  return e.said === undefined ? e.message : saidText(e.said);
}

/** Fields shared by the work requests (see aisle_device::work); optional ones may be left out. */
export interface ReceiveRequest {
  location: string;
  item: string;
  qty?: number;
  pack?: PackKind;
  lot?: string;
  expiry?: string;
  serials?: string[];
  plate?: string;
  receipt_line?: string;
}

export interface MoveRequest {
  what: string;
  from?: string;
  to: string;
  qty?: number;
  pack?: PackKind;
  lot?: string;
  expiry?: string;
  putaway?: boolean;
  task?: string;
}

export interface PickRequest {
  location: string;
  item: string;
  qty?: number;
  pack?: PackKind;
  lot?: string;
  expiry?: string;
  requested?: number;
  short_reason?: string;
  order_line?: string;
}

export interface CountRequest {
  location: string;
  item: string;
  counted: number;
  pack?: PackKind;
  lot?: string;
  expiry?: string;
  blind: boolean;
  task?: string;
}

export interface AdjustRequest {
  location: string;
  item: string;
  qty: number;
  pack?: PackKind;
  lot?: string;
  expiry?: string;
  reason: string;
  note?: string;
}

/** A customer return (`aisle_device::work::ReturnRequest`). */
export interface ReturnRequest {
  order: string;
  location: string;
  item: string;
  qty?: number;
  pack?: PackKind;
  disposition: "restock" | "quarantine" | "scrap";
  reason?: string;
}

export interface Enrolment {
  name: string;
  payload?: string;
  server: string;
  code: string;
  /** The warehouse CA's certificate (PEM) when the server's is signed by the warehouse's own CA. */
  ca_pem?: string;
}

export interface CartonItem {
  item_id: string;
  sku: string;
  description: string;
  lot: string | null;
  qty: number;
}

/** A carton as this tablet knows it. */
export interface CartonView {
  sscc: string;
  order: string;
  contents: CartonItem[];
  weight_g: number | null;
  closed: boolean;
  shipped: boolean;
  units: number;
}

export interface PackRequest {
  order: string;
  carton: string;
  item?: string;
  qty?: number;
  all_picked?: boolean;
}

export interface CloseRequest {
  carton: string;
  weight_g?: number;
}

export interface ShipRequest {
  carrier: string;
  reference?: string;
  cartons: string[];
}

export interface LabelRequest {
  plate?: string;
  carton?: string;
  item?: string;
  lot?: string;
  expiry?: string;
}

export const api = {
  status: () => invoke<Status>("get_status"),
  signIn: (badge: string, pin: string) => invoke<Operator>("operator_sign_in", { badge, pin }),
  signOut: () => invoke<void>("operator_sign_out"),
  lookup: (raw: string) => invoke<Lookup>("scan_lookup", { raw }),
  receivingWork: () => invoke<ExpectedLine[]>("receiving_work"),
  receive: (req: ReceiveRequest) => invoke<Recorded>("receive", { req }),
  putawaySuggestion: (raw: string) => invoke<PutawaySuggestion>("putaway_suggestion", { raw }),
  move: (req: MoveRequest) => invoke<Recorded>("move_stock", { req }),
  pickList: () => invoke<PickList>("pick_list"),
  taskList: () => invoke<TaskView[]>("task_list"),
  pick: (req: PickRequest) => invoke<Recorded>("pick", { req }),
  countSheet: (raw: string, blind: boolean) => invoke<CountSheet>("count_sheet", { raw, blind }),
  count: (req: CountRequest) => invoke<Recorded>("count", { req }),
  adjust: (req: AdjustRequest) => invoke<Recorded>("adjust", { req }),
  returnGoods: (req: ReturnRequest) => invoke<Recorded>("return_goods", { req }),
  exceptions: (openOnly: boolean) => invoke<ExceptionView[]>("exceptions", { openOnly }),
  syncNow: () => invoke<void>("sync_now"),
  enroll: (enrolment: Enrolment) => invoke<Status>("enroll", { enrolment }),
  label: (req: LabelRequest) => invoke<string>("label", { req }),
  newCarton: () => invoke<string>("new_carton"),
  carton: (raw: string) => invoke<CartonView | null>("carton", { raw }),
  openCartons: (order: string | null) => invoke<CartonView[]>("open_cartons", { order }),
  pack: (req: PackRequest) => invoke<Recorded>("pack", { req }),
  closeCarton: (req: CloseRequest) => invoke<Recorded>("close_carton", { req }),
  ship: (req: ShipRequest) => invoke<Recorded>("ship", { req }),
  labelPrinter: () => invoke<string | null>("label_printer"),
  setLabelPrinter: (printer: string) => invoke<string | null>("set_label_printer", { printer }),
  printCarton: (raw: string) => invoke<string>("print_carton", { raw }),
};
