// Issue 20: the message catalogs. The Russian catalog has every key of the English one (with
// Russian's plural forms where English has plurals) and neither has a key the code does not
// use; every key the code asks for exists.
import { describe, expect, it } from "vitest";
import { parse } from "svelte/compiler";
import en from "../../src/locales/en.json";
import ru from "../../src/locales/ru.json";
import { osLanguage, say, t, i18n } from "../../src/lib/i18n.svelte";
import type { Phrase } from "../../src/lib/ipc/bindings";
import tuningFlow from "../flows/tuning-strix-halo-default.json";
import adviceFlow from "../flows/advice-gpt-oss-strix.json";
import adviceFileFlow from "../flows/advice-smollm2-file.json";

type Tree = { [k: string]: string | Tree };
const flat = (tree: Tree, prefix = ""): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === "string" ? [prefix + k] : flat(v, `${prefix}${k}.`)));
const PLURAL = /_(zero|one|two|few|many|other)$/;
const base = (k: string) => k.replace(PLURAL, "");

// Every source file of the UI, as text (Vite's glob import).
const files = import.meta.glob("../../src/**/*.{svelte,ts}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const code = Object.values(files).join("\n");
const used = new Set([...code.matchAll(/\bt\(\s*"([^"]+)"/g)].map((m) => m[1]));
for (const m of code.matchAll(/\bt\(\s*(?:[^()"]*\?\s*)?"([^"]+)"\s*:\s*"([^"]+)"/g)) used.add(m[1]).add(m[2]);
// What the core says in phrases (`phrase!("said.…", "English …")` in the crates): the UI's
// catalogs hold each key, and English says exactly what Rust says.
const rust = Object.values(
  import.meta.glob(["../../../crates/*/src/**/*.rs", "../../../src-tauri/*.rs"], { query: "?raw", import: "default", eager: true }) as Record<string, string>,
).join("\n");
const rustPhrases = new Map([...rust.matchAll(/phrase!\(\s*"(said\.[^"]+)",\s*"((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
for (const k of rustPhrases.keys()) used.add(k);
const tuningToml = import.meta.glob("../../../crates/advisor/catalog/tuning.toml", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const tuningChecks = [...Object.values(tuningToml)[0].matchAll(/id = "([^"]+)"\ntitle = "([^"]+)"\nwhy = "((?:[^"\\]|\\.)*)"/g)].map((m) => ({ id: m[1], title: m[2], why: m[3] }));
// Keys built from a value: `t(\`first.fits.${fits}\`)` uses every key under "first.fits.".
const prefixes = [...code.matchAll(/\bt\(\s*`([^`$]+)\$\{/g)].map((m) => m[1]);

describe("message catalogs", () => {
  const enKeys = flat(en as Tree);
  const ruKeys = flat(ru as Tree);

  it("Russian has every English key, and Russian plurals have one, few, many and other", () => {
    const ruBases = new Set(ruKeys.map(base));
    expect(enKeys.map(base).filter((k) => !ruBases.has(k))).toEqual([]);
    for (const plural of new Set(enKeys.filter((k) => PLURAL.test(k)).map(base))) {
      for (const form of ["one", "few", "many", "other"]) expect(ruKeys, `${plural}_${form}`).toContain(`${plural}_${form}`);
    }
    const enBases = new Set(enKeys.map(base));
    expect(ruKeys.map(base).filter((k) => !enBases.has(k)), "Russian keys English lacks").toEqual([]);
  });

  it("no key the code does not use, and no key the code uses is missing", () => {
    const isUsed = (k: string) => used.has(base(k)) || prefixes.some((p) => k.startsWith(p));
    expect(enKeys.filter((k) => !isUsed(k)), "unused keys").toEqual([]);
    const enBases = new Set(enKeys.map(base));
    expect([...used].filter((k) => !enBases.has(k)), "keys missing from en.json").toEqual([]);
  });

  it("has every phrase the core says, and no other", () => {
    expect(rustPhrases.size, "phrase! keys found in the crates").toBeGreaterThan(40);
    const said = enKeys.filter((k) => k.startsWith("said."));
    expect(said.filter((k) => !rustPhrases.has(k)), "catalog phrases Rust never says").toEqual([]);
    expect([...rustPhrases.keys()].filter((k) => !said.includes(k)), "Rust phrases missing from en.json").toEqual([]);
  });

  it("has every tuning check of the catalog, in English as the catalog says it", () => {
    expect(tuningChecks.length).toBeGreaterThanOrEqual(10);
    const checks = (en as any).tuning.check as Record<string, { title: string; why: string }>;
    expect(Object.keys(checks).sort()).toEqual(tuningChecks.map((c) => c.id).sort());
    for (const c of tuningChecks) expect(checks[c.id], c.id).toEqual({ title: c.title, why: c.why });
  });

  // The recorded answers of `hearth hardware --check-tuning` and `hearth advise` (real runs).
  const phrasesIn = (value: unknown): Phrase[] =>
    value && typeof value === "object"
      ? "key" in value && "args" in value && "text" in value
        ? [value as Phrase]
        : Object.values(value).flatMap(phrasesIn)
      : [];
  const recorded = [tuningFlow, adviceFlow, adviceFileFlow].flatMap(phrasesIn);

  it("says in English exactly what the core printed", () => {
    expect(recorded.length).toBeGreaterThan(15);
    for (const p of recorded) {
      expect(en, p.key).toHaveProperty(p.key.split("."));
      expect(say(p, "en"), p.key).toBe(p.text);
    }
  });

  it("says it in Russian, numbers as Russian writes them", () => {
    // A value and where it was read: the same in every language.
    const sameEverywhere = new Set(["said.value", "said.tuning.kernel.observed", "said.tuning.platformProfile.observed", "said.tuning.nvidiaDriver.observed"]);
    for (const p of recorded) {
      const russian = say(p, "ru");
      expect(russian, p.key).not.toMatch(/\{\{|\}\}/);
      if (!sameEverywhere.has(p.key)) expect(russian, p.key).not.toBe(p.text);
    }
    const gtt = tuningFlow.findings.find((f) => f.id === "gtt-size")!;
    // Russian groups thousands with a no-break space (Intl).
    expect(say(gtt.phrases.observed as Phrase, "ru")).toContain("62,6 ГиБ GTT + 0,5 ГиБ VRAM = 63,1 ГиБ доступно GPU");
    expect(say(gtt.phrases.observed as Phrase, "ru")).toContain("gpt-oss-120b MXFP4 с контекстом 131\u00a0072 токена нужно 64,2 ГиБ");
    expect(say(adviceFlow.recommendation.reason_phrase as Phrase, "ru")).toContain("в 124 ГиБ памяти GPU с контекстом 32\u00a0768 токенов (нужно 60,8 ГиБ), примерно 56 ток/с");
  });

  // The bug this pins: the Monitor's memory, CPU and GPU lines were English text in the markup
  // of a Russian UI. Text a user reads (text nodes; title, placeholder, aria-label, alt) holds no
  // English word: only llama.cpp's and the hardware's own terms.
  it("has no English words in the markup, only technical terms", () => {
    const TERMS = new Set(["KLD", "KV", "pp", "tg", "t/s", "tok/J", "Hearth", "ctx", "Top-k", "Top-p", "Min-p", "mmap", "mlock"]);
    const VISIBLE = ["title", "placeholder", "aria-label", "alt", "label"];
    const svelte = import.meta.glob("../../src/**/*.svelte", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
    const english: string[] = [];
    const walk = (file: string, n: any): void => {
      if (!n || typeof n !== "object") return;
      if (Array.isArray(n)) return n.forEach((c) => walk(file, c));
      if (n.type === "Script" || n.type === "StyleSheet") return;
      if (n.type === "Attribute" && !VISIBLE.includes(n.name)) return;
      if (n.type === "Text") {
        const words = (n.data as string).match(/[A-Za-z][A-Za-z/-]*[A-Za-z]/g) ?? [];
        const left = words.filter((w) => !TERMS.has(w) && !/^https?:/.test(n.data.trim()));
        if (left.length) english.push(`${file}: ${n.data.trim()}`);
      }
      for (const k of Object.keys(n)) if (k !== "parent") walk(file, n[k]);
    };
    for (const [file, src] of Object.entries(svelte)) walk(file, parse(src, { modern: true }).fragment);
    expect(english).toEqual([]);
  });

  it("follows the OS's language and picks Russian plural forms", () => {
    expect(osLanguage(["ru-RU", "en-US"])).toBe("ru");
    expect(osLanguage(["de-DE", "en-GB"])).toBe("en");
    expect(osLanguage(["fr"])).toBe("en");
    i18n.lang = "ru";
    // The store's setter is `apply` in the app; here the i18next language follows through t's options.
    expect(t("docs.pages", { count: 1, lng: "ru" })).toBe("1 страница");
    expect(t("docs.pages", { count: 3, lng: "ru" })).toBe("3 страницы");
    expect(t("docs.pages", { count: 5, lng: "ru" })).toBe("5 страниц");
    expect(t("docs.pages", { count: 21, lng: "ru" })).toBe("21 страница");
    expect(t("docs.pages", { count: 1, lng: "en" })).toBe("1 page");
    expect(t("docs.pages", { count: 2, lng: "en" })).toBe("2 pages");
  });
});
