/// <reference types="node" />
// The message catalogs are complete and the screens use them: every language has every key with
// the same placeholders, every key the code names exists, and no screen writes words of its own
// in its markup (text, placeholders, labels for assistive technology).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "svelte/compiler";
import { describe, expect, it } from "vitest";
import { CATALOGS, LANGUAGES, type Said, saidText, saveLanguage, savedLanguage, setLanguage } from "./i18n.svelte";

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix === "" ? k : `${prefix}.${k}`;
    if (typeof v === "string") out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const placeholders = (s: string): string[] => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1] ?? "").sort();

const SRC = join(__dirname, "..");

function sources(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "locales" ? [] : sources(p, ext);
    return ext.test(e.name) && !e.name.endsWith(".test.ts") ? [p] : [];
  });
}

describe("message catalogs", () => {
  const en = flatten(CATALOGS.en as Tree);

  it("every language has every key, with the same placeholders, and nothing more", () => {
    expect(en.size).toBeGreaterThan(200);
    for (const { code } of LANGUAGES) {
      const other = flatten(CATALOGS[code] as Tree);
      const missing = [...en.keys()].filter((k) => !other.has(k));
      const extra = [...other.keys()].filter((k) => !en.has(k));
      expect({ code, missing, extra }).toEqual({ code, missing: [], extra: [] });
      for (const [k, v] of other) {
        expect(v.trim(), `${code}: ${k} is empty`).not.toBe("");
        expect(placeholders(v), `${code}: ${k}`).toEqual(placeholders(en.get(k) ?? ""));
      }
    }
  });

  it("every key the code names is in the catalogs", () => {
    const named = sources(SRC, /\.(ts|svelte)$/).flatMap((f) =>
      [...readFileSync(f, "utf8").matchAll(/\bt\(\s*"([^"]+)"/g)].map((m) => ({ file: f, key: m[1] ?? "" })),
    );
    expect(named.length).toBeGreaterThan(100);
    expect(named.filter((n) => !en.has(n.key))).toEqual([]);
  });
});

/** Words in markup that are not from a catalog: text nodes and attributes people read. */
function hardCoded(file: string): string[] {
  const ast = parse(readFileSync(file, "utf8"), { modern: true });
  const found: string[] = [];
  const READ = new Set(["placeholder", "title", "alt", "aria-label"]);
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    const n = node as { type?: string; data?: string; name?: string; value?: unknown };
    if (n.type === "Text" && typeof n.data === "string" && /\p{L}{2,}/u.test(n.data)) found.push(n.data.trim());
    if (n.type === "Attribute") {
      if (n.name !== undefined && READ.has(n.name) && Array.isArray(n.value)) {
        for (const part of n.value as { type?: string; data?: string }[]) {
          if (part.type === "Text" && /\p{L}{2,}/u.test(part.data ?? "")) found.push(`${n.name}="${part.data}"`);
        }
      }
      return;
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === "instance" || k === "module" || k === "css" || k === "expression") continue;
      if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === "object") walk(v);
    }
  };
  walk(ast.fragment);
  return found;
}

/**
 * Every `said!("key", "template", ...)` in the Rust the app runs, and in the server's (its
 * exceptions reach the tablet as said): the core's messages.
 */
function coreMessages(): Map<string, string> {
  const root = join(__dirname, "../../..");
  const rust = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return rust(p);
      return e.name.endsWith(".rs") ? [p] : [];
    });
  const out = new Map<string, string>();
  for (const dir of ["crates/aisle-domain/src", "crates/aisle-device/src", "crates/aisle-labels/src", "crates/aisle-proto/src", "src-tauri/src", "sync-server/src"]) {
    for (const f of rust(join(root, dir))) {
      // A file's unit tests (its `#[cfg(test)] mod tests` at the end) make sample messages.
      const code = readFileSync(f, "utf8").split(/#\[cfg\(test\)\]\s*mod tests/)[0] ?? "";
      for (const m of code.matchAll(/said!\(\s*"([a-z_.]+)",\s*"((?:[^"\\]|\\.)*)"/g)) {
        const key = m[1] ?? "";
        const template = (m[2] ?? "").replaceAll('\\"', '"');
        expect(out.get(key) ?? template, `${key} has two templates`).toBe(template);
        out.set(key, template);
      }
    }
  }
  return out;
}

describe("the core's messages (errors and warnings from Rust)", () => {
  const en = flatten(CATALOGS.en as Tree);

  it("are all in the catalogs, in the core's own English words, and nothing more", () => {
    const core = coreMessages();
    expect(core.size).toBeGreaterThan(100);
    const catalog = [...en.keys()].filter((k) => k.startsWith("core.")).map((k) => k.slice("core.".length));
    expect(catalog.sort()).toEqual([...core.keys()].sort());
    for (const [key, template] of core) {
      // `{name:?}` is Rust's quoted form of the value.
      const words = template.replace(/\{(\w+)(:\?)?\}/g, (_, name: string, quoted?: string) => (quoted ? `"{{${name}}}"` : `{{${name}}}`));
      expect(en.get(`core.${key}`), key).toBe(words);
    }
  });

  it("read in English exactly as the core wrote them, values in place", () => {
    setLanguage("en");
    for (const [key, template] of coreMessages()) {
      const names = [...template.matchAll(/\{(\w+)(?::\?)?\}/g)].map((m) => m[1] ?? "");
      const args = Object.fromEntries(names.map((n) => [n, `v-${n}`]));
      // What Rust's format! makes of the template with those values.
      const rust = template.replace(/\{(\w+)(:\?)?\}/g, (_, name: string, quoted?: string) => (quoted ? `"v-${name}"` : `v-${name}`));
      expect(saidText({ key, args, text: "" }), key).toBe(rust);
    }
  });

  it("are said in the operator's language, values and messages inside them too", () => {
    const rule: Said = { key: "rule.at_least_one", args: {}, text: "at least 1" };
    const said: Said = { key: "op.quantity", args: { rule, qty: "0" }, text: "quantity must be at least 1, not 0" };
    try {
      setLanguage("de");
      expect(saidText(said)).toBe("Die Menge muss mindestens 1 sein, nicht 0");
      setLanguage("es");
      expect(saidText(said)).toBe("la cantidad debe ser al menos 1, no 0");
      expect(saidText({ key: "", args: {}, text: "disk I/O error" })).toBe("disk I/O error");
      expect(saidText({ key: "no.such", args: {}, text: "as sent" })).toBe("as sent");
    } finally {
      setLanguage("en");
    }
    expect(saidText(said)).toBe(said.text);
  });

  it("write the quantities and days the core marked the language's way, codes as they are", () => {
    const short: Said = {
      key: "returns.short",
      args: { location: "QA-1001", held: "1250", sku: "HAR-10001", want: "2000" },
      forms: { held: "number", want: "number" },
      text: "QA-1001 holds 1250 of HAR-10001; 2000 cannot be released",
    };
    const expired: Said = {
      key: "returns.expired_stays",
      args: { sku: "MIL-00001", lot: "L1", expiry: "2026-12-03" },
      forms: { expiry: "date" },
      text: "",
    };
    try {
      setLanguage("de");
      expect(saidText(short)).toBe("QA-1001 hält 1.250 von HAR-10001; 2.000 können nicht freigegeben werden");
      expect(saidText(expired)).toContain("am 03.12.2026 abgelaufen");
      setLanguage("en");
      expect(saidText(short)).toBe("QA-1001 holds 1,250 of HAR-10001; 2,000 cannot be released");
      expect(saidText(expired)).toContain("expired on Dec 3, 2026");
      // Without the marks (a message from an older server): the values as sent.
      const { forms: _, ...unmarked } = short;
      expect(saidText(unmarked)).toBe(short.text);
    } finally {
      setLanguage("en");
    }
  });
});

describe("screens", () => {
  it("write no words of their own in their markup", () => {
    const files = sources(SRC, /\.svelte$/);
    expect(files.length).toBeGreaterThan(15);
    const offending = files.map((f) => ({ file: f.slice(SRC.length + 1), words: hardCoded(f) })).filter((f) => f.words.length > 0);
    expect(offending).toEqual([]);
  });

  it("say nothing in words of their own (messages come from the catalogs)", () => {
    const files = sources(SRC, /\.(ts|svelte)$/);
    // The message argument when it is a literal: its words, with `${...}` parts taken out.
    const literal = /\b(?:say|ask)\(\s*"(?:ok|warn|error|info)"\s*,\s*(["'`])((?:(?!\1).)*)\1/u;
    const offending = files.flatMap((f) =>
      readFileSync(f, "utf8")
        .split("\n")
        .map((line, i) => ({ where: `${f.slice(SRC.length + 1)}:${i + 1}`, line: line.trim() }))
        .filter(({ line }) => /\p{L}{2,}/u.test((literal.exec(line)?.[2] ?? "").replace(/\$\{[^}]*\}/g, ""))),
    );
    expect(offending).toEqual([]);
  });
});

describe("an operator's language", () => {
  /** A storage in memory, as the tablet's localStorage. */
  function memory(): Pick<Storage, "getItem" | "setItem"> {
    const kept = new Map<string, string>();
    return { getItem: (k) => kept.get(k) ?? null, setItem: (k, v) => void kept.set(k, v) };
  }

  it("is their own choice on this tablet, else the one a supervisor set, else English", () => {
    const storage = memory();
    expect(savedLanguage(storage, "ALICE")).toBe("en");
    expect(savedLanguage(storage, "ALICE", "de")).toBe("de");
    expect(savedLanguage(storage, "ALICE", "klingon")).toBe("en");
    expect(savedLanguage(storage, "ALICE", null)).toBe("en");
    saveLanguage(storage, "ALICE", "es");
    expect(savedLanguage(storage, "ALICE", "de")).toBe("es");
    expect(savedLanguage(storage, "BOB", "de")).toBe("de");
  });
});
