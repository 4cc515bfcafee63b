// The UI's language: English or Russian, from the OS (navigator.language) unless the user chose
// one in Settings (kept as the UI preference "language"). Strings come from the message catalogs
// in src/locales through i18next: plurals by the language's rules (Intl.PluralRules: one, few,
// many), numbers and dates formatted for it (Intl). `t` reads the reactive language, so a
// template using it re-renders when the language changes.
import i18next from "i18next";
import en from "../locales/en.json";
import ru from "../locales/ru.json";
import * as ipc from "./ipc/backend";
import type { ErrorPayload, Phrase } from "./ipc/bindings";

export const LANGUAGES = [
  { code: "en", name: "English" },
  { code: "ru", name: "Русский" },
] as const;
export type Language = (typeof LANGUAGES)[number]["code"];

/** The OS's language where we have it, else English. */
export function osLanguage(tags: readonly string[] = navigator.languages ?? [navigator.language]): Language {
  for (const tag of tags) {
    const base = tag.toLowerCase().split(/[-_]/)[0];
    if (LANGUAGES.some((l) => l.code === base)) return base as Language;
  }
  return "en";
}

i18next.init({
  lng: osLanguage(),
  fallbackLng: "en",
  resources: { en: { translation: en }, ru: { translation: ru } },
  interpolation: { escapeValue: false }, // Svelte escapes what it renders
  initAsync: false,
  returnNull: false,
});

// Formats the catalogs name: `{{gib, fixed(digits: 1)}}` as Rust's `{gib:.1}` (grouped and
// with a decimal comma in Russian; ungrouped in English, as the CLI prints it), `{{n, int}}`,
// and `{{ctx, tokens}}`, a count with its noun in the right plural form.
/** `n` with `digits` decimals in `lng`, as `toFixed` would in English (ungrouped, as the CLI prints). */
function fixedIn(lng: string | undefined, n: number, digits: number): string {
  return new Intl.NumberFormat(lng, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: lng !== "en" }).format(n);
}
i18next.services.formatter?.add("fixed", (value: number, lng, options: { digits?: string | number }) => fixedIn(lng, value, Number(options.digits ?? 0)));
i18next.services.formatter?.add("int", (value: number, lng) => fixedIn(lng, value, 0));
i18next.services.formatter?.add("tokens", (value: number, lng) => i18next.t("units.tokens", { count: value, lng }) as string);

class I18n {
  lang = $state<Language>(i18next.language as Language);
}
export const i18n = new I18n();

function apply(lang: Language) {
  i18n.lang = lang;
  void i18next.changeLanguage(lang);
  if (typeof document !== "undefined") document.documentElement.lang = lang;
}
apply(i18n.lang);

/** The string `key` in the UI's language, with `options` filled in (`count` picks the plural). */
export function t(key: string, options?: Record<string, unknown>): string {
  void i18n.lang; // a dependency for Svelte's reactivity
  return i18next.t(key, options) as string;
}

/** What the core said (a tuning finding, the advisor's reason, a benchmark step) in the UI's
 *  language: the phrase's catalog entry with its values, nested phrases said first; its English
 *  where the catalog lacks the key. */
export function say(phrase: Phrase, lng?: string): string {
  void i18n.lang;
  const args = Object.fromEntries(Object.entries(phrase.args).map(([k, v]) => [k, typeof v === "object" ? say(v, lng) : v]));
  return i18next.t(phrase.key, { ...args, lng, defaultValue: phrase.text }) as string;
}

/** An error for the user: in English the core's message; in another language what went wrong
 *  (by the error's code) in that language, then the message as the core wrote it (paths,
 *  llama.cpp's own words). */
export function errorText(e: ErrorPayload): string {
  void i18n.lang;
  if (i18n.lang === "en") return e.message;
  return t("errors.headline", { what: t(`errors.code.${e.code}`), detail: e.message });
}

/** A number in the UI's language (1 234,5 in Russian). */
export function formatNumber(n: number, options?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(i18n.lang, options).format(n);
}

/** `n` with `digits` decimals in the UI's language. */
export function fixed(n: number, digits: number): string {
  return fixedIn(i18n.lang, n, digits);
}

/** A date (and time) in the UI's language. */
export function formatDate(d: Date | string | number, options?: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat(i18n.lang, options).format(new Date(d));
}

/** The language the user chose before, if any (else the OS's stays). */
export async function loadLanguage() {
  const chosen = await ipc.loadPreference<Language | null>("language", null).catch(() => null);
  if (chosen && LANGUAGES.some((l) => l.code === chosen)) apply(chosen);
}

export async function chooseLanguage(lang: Language) {
  apply(lang);
  await ipc.savePreference("language", lang);
}
