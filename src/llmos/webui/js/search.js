// The search page: indexed media found by words or by a picture (picked or dropped), pictures
// and video moments as a grid of thumbnails, documents and audio as a list with why each
// matched; and "index a folder" with a live progress bar.

import { fileUrl, objectUrl, query, request } from "./api.js";
import { t } from "./i18n.js";
import { element, showError } from "./ui.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 500;
const RESULTS = 24;
let picture = null; // a data URI, when searching by image
let searched = 0; // the newest search: an older one's results arrive too late to be shown
let bound = false;
let previews = []; // object URLs of the thumbnails shown, freed when the next results come

export async function initSearch() {
  if (!bound) bind();
  bound = true;
  await showRoots();
}

function bind() {
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    picture = null;
    search();
  });
  $("search-image").addEventListener("change", (event) => {
    if (event.target.files[0]) byImage(event.target.files[0]);
    event.target.value = "";
  });
  $("search-image").previousElementSibling.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") $("search-image").click();
  });
  const page = $("search");
  page.addEventListener("dragover", (event) => event.preventDefault());
  page.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = [...event.dataTransfer.files].find((each) => each.type.startsWith("image/"));
    if (file) byImage(file);
  });
  $("index-form").addEventListener("submit", (event) => {
    event.preventDefault();
    indexFolder($("index-path").value.trim());
  });
}

async function showRoots() {
  const status = await request("/v1/index");
  const counts = Object.entries(status.items)
    .map(([kind, count]) => t("index.count", { kind: t(`search.kind.${kind}`), count }))
    .join(", ");
  $("index-roots").textContent = [
    status.roots.length ? t("index.roots", { roots: status.roots.join(", ") }) : t("index.noRoots"),
    counts && t("index.indexed", { counts }),
  ]
    .filter(Boolean)
    .join(" ");
  if (!$("index-path").value && status.roots.length) $("index-path").value = status.roots[0];
}

function byImage(file) {
  const reader = new FileReader();
  reader.onload = () => {
    picture = reader.result;
    $("search-query").value = ""; // pictures like this one, not words typed before
    search();
  };
  reader.readAsDataURL(file);
}

async function search() {
  const words = $("search-query").value.trim();
  if (!words && !picture) return;
  showError($("search-error"), null);
  $("search-summary").textContent = t("search.searching");
  const body = { limit: RESULTS };
  if (words) body.query = words;
  if (picture) body.image = picture;
  const mine = ++searched;
  try {
    const found = await request("/v1/search", { method: "POST", json: body });
    if (mine === searched) show(found);
  } catch (error) {
    if (mine !== searched) return;
    $("search-summary").textContent = "";
    showError($("search-error"), error);
  }
}

function show(found) {
  const visual = found.results.filter((hit) => hit.type === "image" || hit.type === "video");
  const other = found.results.filter((hit) => hit.type === "doc" || hit.type === "audio");
  $("search-summary").textContent = found.results.length
    ? t("search.found", { count: found.results.length })
    : t("search.none");
  previews.forEach((url) => URL.revokeObjectURL(url));
  previews = [];
  $("search-grid").replaceChildren(...visual.map(tile));
  $("search-list").replaceChildren(...other.map(row));
}

function name(path) {
  return path.split(/[\\/]/).pop();
}

function tile(hit) {
  const image = element("img", { alt: hit.why.text });
  const params = { path: hit.path };
  if (hit.type === "video" && hit.why.start != null) params.at = hit.why.start;
  objectUrl(query("/v1/index/preview", params))
    .then((url) => {
      previews.push(url);
      image.src = url;
    })
    .catch(() => image.replaceWith(element("span", { class: "missing", text: "∅" })));
  const when = hit.type === "video" && hit.why.start != null ? ` · ${clock(hit.why.start)}` : "";
  return element(
    "li",
    { class: "tile" },
    element(
      "button",
      { type: "button", class: "plain", title: hit.path, onclick: () => openContent(hit) },
      image,
    ),
    element("p", { class: "name", text: name(hit.path) + when }),
    element("p", { class: "why", text: `${because(hit.why.kind)}: ${hit.why.text}` }),
  );
}

function row(hit) {
  const where =
    hit.type === "doc" && hit.why.page != null
      ? t("search.page", { page: hit.why.page })
      : hit.why.start != null
        ? clock(hit.why.start)
        : "";
  const item = element(
    "li",
    { class: "result" },
    element("p", { class: "name", text: `${name(hit.path)}${where ? ` · ${where}` : ""}`, title: hit.path }),
    element("p", { class: "why", text: `${because(hit.why.kind)}: ${hit.why.text}` }),
  );
  if (hit.type === "audio") {
    const player = element("audio", { controls: true, preload: "none" });
    const load = async () => {
      player.removeEventListener("play", load);
      try {
        if (!player.src) player.src = await fileUrl(query("/v1/index/content", { path: hit.path }));
        player.currentTime = hit.why.start || 0;
        await player.play();
      } catch (error) {
        showError($("search-error"), error);
      }
    };
    player.addEventListener("play", load);
    item.append(
      element("button", {
        type: "button",
        class: "small",
        text: t("search.playFrom", { at: clock(hit.why.start || 0) }),
        onclick: load,
      }),
      player,
    );
  } else {
    item.append(element("button", { type: "button", class: "small", text: t("search.open"), onclick: () => openContent(hit) }));
  }
  return item;
}

async function openContent(hit) {
  try {
    const url = await fileUrl(query("/v1/index/content", { path: hit.path }));
    window.open(hit.type === "doc" && hit.why.page ? `${url}#page=${hit.why.page}` : url, "_blank", "noopener");
  } catch (error) {
    showError($("search-error"), error);
  }
}

// The kind of text that matched, in the page's language (caption, transcript, OCR…).
function because(kind) {
  const key = `search.why.${kind}`;
  const text = t(key);
  return text === key ? kind : text;
}

function clock(seconds) {
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

async function indexFolder(path) {
  if (!path) return;
  showError($("index-error"), null);
  const button = $("index-form").querySelector("button");
  button.disabled = true;
  try {
    let job = await request("/v1/index", { method: "POST", json: { paths: [path] } });
    $("index-job").hidden = false;
    for (;;) {
      progress(job);
      if (!["queued", "running"].includes(job.state)) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      job = await request(`/v1/index/jobs/${job.id}`);
    }
    if (job.state === "failed") showError($("index-error"), new Error(t("index.failed")));
    await showRoots();
  } catch (error) {
    showError($("index-error"), error);
  } finally {
    button.disabled = false;
  }
}

function progress(job) {
  const bar = $("index-progress");
  const finished = !["queued", "running"].includes(job.state);
  bar.max = Math.max(job.files, 1);
  bar.value = finished ? bar.max : job.done;
  const parts = [t(`index.state.${job.state}`), t("index.progress", { done: job.done, files: job.files })];
  if (job.indexed || job.unchanged) parts.push(t("index.summary", { indexed: job.indexed, unchanged: job.unchanged }));
  if (job.current && !finished) parts.push(name(job.current));
  for (const failure of job.errors) parts.push(`${name(failure.path)}: ${failure.message}`);
  for (const skipped of job.skipped) parts.push(`${skipped.what} (${skipped.files})`);
  $("index-status").textContent = parts.join(" · ");
  $("index-job").dataset.state = job.state;
}
