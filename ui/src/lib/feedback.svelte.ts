// What the operator sees and hears after every scan: one message in large type, coloured by its
// tone, with a sound. Success is only ever said after the command that committed the work
// returned, so a green "done" means the operation is on disk.

export type Tone = "ok" | "warn" | "error" | "info";

export interface Message {
  tone: Tone;
  text: string;
  /** Extra lines (warnings) under the main text. */
  details: string[];
  /** Increments on every message so the same text said twice still flashes. */
  serial: number;
}

export const feedback: { current: Message | null } = $state({ current: null });

let serial = 0;
let audio: AudioContext | null = null;

/** Short beeps: one high for success, two low for refusal, a middle one for warnings. */
const SOUNDS: Record<Tone, [number, number][]> = {
  ok: [[1320, 0.09]],
  warn: [[880, 0.12], [880, 0.12]],
  error: [[220, 0.18], [180, 0.25]],
  info: [],
};

function beep(tone: Tone): void {
  const notes = SOUNDS[tone];
  if (notes.length === 0) return;
  try {
    audio ??= new AudioContext();
    let t = audio.currentTime;
    for (const [freq, len] of notes) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = tone === "error" ? "square" : "sine";
      osc.frequency.value = freq;
      gain.gain.value = 0.25;
      osc.connect(gain).connect(audio.destination);
      osc.start(t);
      osc.stop(t + len);
      t += len + 0.05;
    }
  } catch {
    // No audio device (a kiosk without speakers): the colour and text still say it.
  }
}

export function say(tone: Tone, text: string, details: string[] = []): void {
  serial += 1;
  feedback.current = { tone, text, details, serial };
  beep(tone);
}

export function clear(): void {
  feedback.current = null;
}
