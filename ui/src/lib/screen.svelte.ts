// Which screen receives scans. One screen at a time registers its handler; the app calls it for
// every scan in order, one after the other, so a fast scanner never overtakes a running command.

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
