// The page's start: texts in the browser's language, the API key dialog, and a router that
// shows one page per #hash and sets each up the first time it is shown.

import { onKeyNeeded } from "./api.js";
import { initChat } from "./chat.js";
import { loadTexts, t } from "./i18n.js";
import { initModels, watchModels } from "./models.js";
import { initSearch } from "./search.js";
import { initTools } from "./tools.js";
import { showError } from "./ui.js";

const PAGES = { chat: initChat, search: initSearch, tools: initTools, models: initModels };
const started = new Map(); // page -> the promise of its set-up
const $ = (id) => document.getElementById(id);

// One dialog at a time: requests that meet a 401 together wait for the same answer.
let asking = null;
function askForKey(why) {
  asking ??= new Promise((resolve) => {
    const dialog = $("key-dialog");
    $("key-reason").textContent = why;
    $("key-input").value = "";
    dialog.addEventListener(
      "close",
      () => {
        asking = null;
        resolve(dialog.returnValue === "ok" ? $("key-input").value.trim() || null : null);
      },
      { once: true },
    );
    dialog.returnValue = "";
    dialog.showModal();
  });
  return asking;
}

const current = () => (location.hash.slice(1) in PAGES ? location.hash.slice(1) : "chat");

async function route() {
  const name = current();
  for (const page of Object.keys(PAGES)) $(page).hidden = page !== name;
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.page === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${t(`nav.${name}`)} · llmos`;
  watchModels(false);
  if (!started.has(name)) started.set(name, PAGES[name]());
  try {
    await started.get(name);
    showError($("page-error"), null);
    if (name === "models" && current() === "models") watchModels(true); // still shown
  } catch (error) {
    started.delete(name); // try again when the page is shown next
    showError($("page-error"), error);
  }
}

async function start() {
  onKeyNeeded(askForKey);
  try {
    await loadTexts();
  } catch (error) {
    showError($("page-error"), error);
  }
  window.addEventListener("hashchange", route);
  document.body.dataset.ready = "1";
  await route();
}

start();
