// Small UI preferences in local storage. WebKitGTK can refuse storage to a custom-scheme page
// (it threw at start and left the window blank): every access is guarded.
export function loadPreference<T>(key: string, fallback: T): T {
  try {
    const raw = window.localStorage?.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

export function savePreference(key: string, value: unknown): void {
  try {
    window.localStorage?.setItem(key, JSON.stringify(value));
  } catch {
    // No storage: the preference lasts for this session only.
  }
}
