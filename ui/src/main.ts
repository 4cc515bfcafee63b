// Must stay the first import: see lib/locale-guard.ts.
import "./lib/locale-guard";
import { mount } from "svelte";
import App from "./App.svelte";
import { interceptLinks } from "./lib/links";
import "./app.css";

interceptLinks();
const app = mount(App, { target: document.getElementById("app")! });
export default app;
