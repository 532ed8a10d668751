// De-duplication for continuous camera scanning. A camera sees the same label in frame after
// frame; the label counts once while it stays in view, and again only after it has been out of
// view for a moment (the picker takes the next unit and shows it) or another label was scanned.

/** How long a label must have been out of view before seeing it again is another scan. */
export const GONE_MS = 1200;

export class SeenCodes {
  private last: string | null = null;
  private seenAt = 0;

  /** Records what a frame decoded at `now`; true when it is a new scan. `null`: nothing read. */
  frame(text: string | null, now: number): boolean {
    if (text === null) return false;
    const again = text === this.last && now - this.seenAt < GONE_MS;
    this.last = text;
    this.seenAt = now;
    return !again;
  }

  /** Forgets what was seen (the camera was closed). */
  reset(): void {
    this.last = null;
    this.seenAt = 0;
  }
}
