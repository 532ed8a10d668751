// "Sync now" as the operator sees it: one message when they ask, one when that sync ends (what
// went, or why it could not), in words for the warehouse floor; the technical cause stays on the
// Sync screen. Syncs the app runs by itself say nothing here.
import { api, type CommandError, messageOf, type Status } from "./api";
import { say } from "./feedback.svelte";
import { t } from "./i18n.svelte";

let asked: { at: string | null } | null = null;

/** What a failed sync means for the operator, and the cause for the details line. */
export function syncFailure(e: CommandError): { tone: "warn" | "error"; text: string; details: string[] } {
  if (e.kind === "offline") {
    return {
      tone: "warn",
      text: t("sync.offline"),
      details: [t("sync.cause", { cause: e.message })],
    };
  }
  return { tone: "error", text: t("sync.failed"), details: [messageOf(e)] };
}

/** Starts a sync because the operator asked for one. */
export async function syncNow(status: Status | null): Promise<void> {
  asked = { at: status?.sync.last_attempt_at ?? null };
  try {
    await api.syncNow();
    say("info", t("app.syncing"));
  } catch (e) {
    asked = null;
    say("error", messageOf(e));
  }
}

/** Call with every fresh status: says how the sync the operator asked for ended. */
export function noteSync(status: Status): void {
  if (asked === null || status.sync.running || status.sync.last_attempt_at === asked.at) return;
  asked = null;
  const err = status.sync.last_error;
  if (err !== null) {
    const f = syncFailure(err);
    say(f.tone, f.text, f.details);
    return;
  }
  const r = status.sync.last_report;
  say("ok", r === null ? t("sync.done") : t("sync.doneCounts", { sent: r.pushed, received: r.pulled, waiting: r.pending }));
}
