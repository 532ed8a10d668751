// The Tauri commands the UI calls, typed. Errors arrive as {kind, message}.
import { invoke } from "@tauri-apps/api/core";

export interface Operator {
  badge: string;
  name: string;
  role: "operator" | "supervisor";
}

export interface Status {
  device: string | null;
  warehouse: string | null;
  enrolled: boolean;
  pending: number;
  last_sync_at: string | null;
  operator: Operator | null;
}

export interface StockLine {
  sku: string;
  description: string;
  warehouse: string;
  location: string;
  lot: string | null;
  expiry: string | null;
  plate: string | null;
  qty: number;
}

export interface Lookup {
  resolution: { resolved: "item" | "location" | "plate" | "new_plate" | "unknown"; scan: { data: string } } & Record<string, unknown>;
  stock: StockLine[];
}

export interface CommandError {
  kind: string;
  message: string;
}

export function isCommandError(e: unknown): e is CommandError {
  return typeof e === "object" && e !== null && "kind" in e && "message" in e;
}

export const api = {
  status: () => invoke<Status>("get_status"),
  lookup: (raw: string) => invoke<Lookup>("scan_lookup", { raw }),
  signIn: (badge: string, pin: string) => invoke<Operator>("operator_sign_in", { badge, pin }),
  signOut: () => invoke<void>("operator_sign_out"),
};
