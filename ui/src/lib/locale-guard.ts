// Imported first by main.ts. Under LANG=C, WebKitGTK reports navigator.language as "C", which
// Intl rejects; uPlot builds an Intl.NumberFormat from it when its module loads, and the whole UI
// failed to start (a blank window). Fall back to a valid tag before anything else loads.
function valid(tag: string): boolean {
  try {
    new Intl.NumberFormat(tag);
    return true;
  } catch {
    return false;
  }
}

if (!valid(navigator.language)) {
  Object.defineProperty(navigator, "language", { value: "en-US", configurable: true });
  Object.defineProperty(navigator, "languages", { value: ["en-US"], configurable: true });
}

export {};
