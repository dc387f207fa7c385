// The tools page: subtitles for a video or a recording (translated if asked, to download),
// a picture's caption, text or objects (drawn as boxes), text to speech, translation and
// text to image. Each form shows the server's error under itself.

import { request } from "./api.js";
import { language, t } from "./i18n.js";
import { busy, element } from "./ui.js";

const $ = (id) => document.getElementById(id);
const IMAGE_ACTIONS = { caption: "/v1/images/captions", ocr: "/v1/images/ocr", detect: "/v1/images/detections" };
const urls = new Map(); // element id -> the object URL it shows, freed when replaced
let bound = false;

export async function initTools() {
  if (!bound) bind();
  bound = true;
  await Promise.all([loadLanguages(), loadVoices()]);
}

function bind() {
  on("subtitle-form", subtitles);
  $("subtitle-burn").addEventListener("click", () => busy($("subtitle-form"), burn));
  $("subtitle-file").addEventListener("change", () => {
    for (const id of ["subtitle-text", "subtitle-download", "subtitle-burn", "subtitle-video"]) $(id).hidden = true;
  });
  on("image-form", picture);
  on("speech-form", speech);
  on("translate-form", translate);
  on("draw-form", draw);
  $("image-file").addEventListener("change", () => {
    $("image-text").hidden = true;
    $("image-objects").replaceChildren();
    showPicture($("image-file").files[0], []).catch(() => ($("image-canvas").hidden = true));
  });
}

function on(id, work) {
  const form = $(id);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, () => work(event.submitter?.value));
  });
}

function show(id, url) {
  if (urls.has(id)) URL.revokeObjectURL(urls.get(id));
  urls.set(id, url);
  return url;
}

async function loadLanguages() {
  const { languages } = await request("/v1/translate/languages");
  const names = new Intl.DisplayNames([language], { type: "language" });
  const options = Object.keys(languages)
    .map((code) => [code, names.of(code) || languages[code]])
    .sort((a, b) => a[1].localeCompare(b[1], language));
  for (const select of document.querySelectorAll("select.languages")) {
    const none = select.dataset.none ? [element("option", { value: "", text: t("tools.noTranslation") })] : [];
    select.replaceChildren(...none, ...options.map(([code, name]) => element("option", { value: code, text: name })));
    if (!select.dataset.none) select.value = language === "zh" ? "en" : "zh";
  }
}

async function loadVoices() {
  const voices = await request("/v1/audio/voices");
  $("speech-voice").replaceChildren(
    ...voices.data.map((voice) => element("option", { value: voice.id, text: `${voice.id} (${voice.language})` })),
  );
}

async function subtitles() {
  const file = $("subtitle-file").files[0];
  const format = $("subtitle-format").value;
  const form = new FormData();
  form.append("file", file);
  form.append("response_format", format);
  if ($("subtitle-language").value) form.append("translate_to", $("subtitle-language").value);
  const response = await request("/v1/video/subtitles", { method: "POST", form });
  const text = await response.text();
  $("subtitle-text").textContent = text;
  $("subtitle-text").hidden = false;
  const link = $("subtitle-download");
  link.href = show("subtitle-download", URL.createObjectURL(new Blob([text], { type: `text/${format}` })));
  link.download = `${stem(file.name)}.${format}`;
  link.hidden = false;
  $("subtitle-burn").hidden = !file.type.startsWith("video/");
  $("subtitle-video").hidden = true;
}

function stem(name) {
  return name.replace(/\.[^.]+$/, "");
}

// A copy of the video with the subtitles shown above drawn into its picture.
async function burn() {
  const file = $("subtitle-file").files[0];
  const form = new FormData();
  form.append("file", file);
  form.append("subtitles", $("subtitle-text").textContent);
  const response = await request("/v1/video/subtitled", { method: "POST", form });
  const link = $("subtitle-video");
  link.href = show("subtitle-video", URL.createObjectURL(await response.blob()));
  link.download = `${stem(file.name)}.subtitled.mp4`;
  link.hidden = false;
}

async function picture(action = "caption") {
  const file = $("image-file").files[0];
  const form = new FormData();
  form.append("file", file);
  const body = await request(IMAGE_ACTIONS[action], { method: "POST", form });
  const output = $("image-text");
  output.textContent = action === "detect" ? detected(body) : body.text || t("tools.nothing");
  output.hidden = false;
  await showPicture(file, action === "detect" ? body.objects : []);
}

function detected(body) {
  const counts = Object.entries(body.counts).map(([label, count]) => `${count} × ${label}`);
  return counts.length ? counts.join(", ") : t("tools.noObjects");
}

// The picture on a canvas, with each object's box and label drawn over it.
async function showPicture(file, objects) {
  const canvas = $("image-canvas");
  if (!file) return;
  const bitmap = await createImageBitmap(file);
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0);
  const line = Math.max(2, Math.round(bitmap.width / 300));
  context.lineWidth = line;
  context.font = `${line * 8}px sans-serif`;
  context.textBaseline = "top";
  for (const { label, score, box } of objects) {
    context.strokeStyle = "#ffd400";
    context.strokeRect(box.x, box.y, box.width, box.height);
    const caption = `${label} ${Math.round(score * 100)}%`;
    const width = context.measureText(caption).width + line * 2;
    context.fillStyle = "#ffd400";
    context.fillRect(box.x, Math.max(0, box.y - line * 9), width, line * 9);
    context.fillStyle = "#000";
    context.fillText(caption, box.x + line, Math.max(0, box.y - line * 9) + line / 2);
  }
  canvas.setAttribute("aria-label", objects.map((o) => o.label).join(", ") || file.name);
  canvas.hidden = false;
  $("image-objects").replaceChildren(
    ...objects.map((o) =>
      element("li", { text: `${o.label} ${Math.round(o.score * 100)}% (${o.box.x}, ${o.box.y}, ${o.box.width}×${o.box.height})` }),
    ),
  );
}

async function speech() {
  const response = await request("/v1/audio/speech", {
    method: "POST",
    json: { input: $("speech-text").value, voice: $("speech-voice").value, response_format: "mp3" },
  });
  const audio = $("speech-audio");
  audio.src = show("speech-audio", URL.createObjectURL(await response.blob()));
  audio.hidden = false;
  audio.play().catch(() => {}); // a browser may refuse to play unasked; the controls remain
}

async function translate() {
  const target = $("translate-target").value;
  const body = await request("/v1/translate", {
    method: "POST",
    json: { text: $("translate-text").value, target },
  });
  const output = $("translate-output");
  output.textContent = body.text;
  output.lang = target;
  output.title = `${body.source} → ${body.target} · ${body.engine}`;
  output.hidden = false;
  output.dataset.quality = body.quality;
}

async function draw() {
  const body = await request("/v1/images/generations", {
    method: "POST",
    json: { prompt: $("draw-prompt").value, response_format: "b64_json" },
  });
  const [picture] = body.data;
  const output = $("draw-output");
  output.src = `data:image/png;base64,${picture.b64_json}`;
  output.alt = picture.revised_prompt;
  output.title = picture.revised_prompt;
  output.hidden = false;
}
