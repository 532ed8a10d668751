// Which screen receives scans. One screen at a time registers its handler; the app calls it for
// every scan in order, one after the other, so a fast scanner never overtakes a running command.

import { tick } from "svelte";

export type ScanHandler = (raw: string) => Promise<void> | void;

export const scanTarget: { handler: ScanHandler | null } = { handler: null };

/** Registers `handler` while a screen is mounted; call from `onMount` and return the result. */
export function receiveScans(handler: ScanHandler): () => void {
  scanTarget.handler = handler;
  return () => {
    if (scanTarget.handler === handler) scanTarget.handler = null;
  };
}

let queue: Promise<void> = Promise.resolve();

/** Hands a scan to the current screen after every earlier scan has been dealt with. */
export function dispatchScan(raw: string, onError: (e: unknown) => void): void {
  queue = queue.then(async () => {
    try {
      await scanTarget.handler?.(raw);
    } catch (e) {
      onError(e);
    }
  });
}

/**
 * Focuses a field once the screen has drawn it (the field a scan asks for is often shown by that
 * scan, so it does not exist yet when the handler runs), its text selected so typing replaces it.
 */
export async function focusField(get: () => HTMLInputElement | undefined): Promise<void> {
  await tick();
  const el = get();
  if (el === undefined || !el.isConnected) return;
  el.focus();
  el.select();
}
