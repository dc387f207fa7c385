// The models page: what `llmos ps` shows (resident models, memory against the budget, idle
// time, when each unloads), every installed model with load/unload, and per-capability
// request counts and latencies from the accounting table. Refreshed while the page is shown.

import { request } from "./api.js";
import { t } from "./i18n.js";
import { bytes, element, seconds, showError } from "./ui.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 3000;
let timer = null;

export async function initModels() {
  await refresh();
}

// Called by the router: refresh while the page is visible, stop when it is not.
export function watchModels(visible) {
  clearInterval(timer);
  timer = visible ? setInterval(() => refresh().catch(() => {}), REFRESH_MS) : null;
  if (visible) refresh().catch(() => {});
}

export async function refresh() {
  try {
    const [status, models, usage] = await Promise.all([
      request("/api/ps"),
      request("/v1/models"),
      request("/api/usage"),
    ]);
    showError($("models-error"), null);
    showMemory(status);
    showLoaded(status.models);
    showInstalled(models.data, new Set(status.models.map((model) => model.name)));
    showUsage(usage.capabilities);
  } catch (error) {
    showError($("models-error"), error);
    if (error.status === 401) watchModels(false); // no key given: do not ask every 3 s
  }
}

function showMemory(status) {
  const used = status.memory_used_bytes;
  const budget = status.memory_budget_bytes;
  $("memory").textContent = t("models.memoryUse", {
    used: bytes(used),
    budget: bytes(budget),
    percent: Math.round((100 * used) / Math.max(budget, 1)),
  });
}

function cells(...values) {
  return values.map((value) => (value instanceof Node ? element("td", {}, value) : element("td", { text: value })));
}

function actionButton(label, model, path) {
  return element("button", {
    type: "button",
    class: "small",
    text: t(label),
    "aria-label": `${t(label)} ${model}`,
    onclick: async (event) => {
      event.target.disabled = true;
      try {
        await request(path, { method: "POST", json: { model } });
      } catch (error) {
        showError($("models-error"), error);
      }
      await refresh();
    },
  });
}

function showLoaded(models) {
  const rows = models.map((model) =>
    element(
      "tr",
      { "data-model": model.name },
      ...cells(
        model.name,
        model.capability,
        bytes(model.memory_bytes),
        model.in_use ? t("models.busy", { count: model.in_use }) : seconds(model.idle_seconds),
        model.pinned ? t("models.pinned") : model.expires_in == null ? "—" : seconds(model.expires_in),
        actionButton("models.unload", model.name, "/api/unload"),
      ),
    ),
  );
  const empty = element("tr", {}, element("td", { colspan: 6, text: t("models.noneLoaded") }));
  $("loaded-table").tBodies[0].replaceChildren(...(rows.length ? rows : [empty]));
}

function showInstalled(models, loaded) {
  const loadable = models.filter((model) => model.capability !== "assistant" && model.capability !== "app");
  $("models-table").tBodies[0].replaceChildren(
    ...loadable.map((model) =>
      element(
        "tr",
        { "data-model": model.id, title: model.description },
        ...cells(
          model.id,
          model.capability,
          model.memory_bytes ? bytes(model.memory_bytes) : "—",
          loaded.has(model.id)
            ? actionButton("models.unload", model.id, "/api/unload")
            : actionButton("models.load", model.id, "/api/load"),
        ),
      ),
    ),
  );
}

function showUsage(capabilities) {
  const rows = capabilities.map((row) =>
    element(
      "tr",
      {},
      ...cells(
        row.capability,
        String(row.requests),
        String(row.errors),
        `${row.mean_seconds.toFixed(2)} s`,
        `${row.max_seconds.toFixed(2)} s`,
      ),
    ),
  );
  const empty = element("tr", {}, element("td", { colspan: 5, text: t("models.noRequests") }));
  $("usage-table").tBodies[0].replaceChildren(...(rows.length ? rows : [empty]));
}
