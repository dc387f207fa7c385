// The chat page: stored conversations, a model picker, streamed answers that can be stopped,
// attachments (drop, paste, picker), spoken questions, answers read aloud, the assistant's
// trace and its actions waiting for a yes or no.

import { ApiError, events, request } from "./api.js";
import { t } from "./i18n.js";
import { renderMarkdown } from "./markdown.js";
import { record, speak, transcribe } from "./speech.js";
import { element, showError } from "./ui.js";

const CHAT_KINDS = new Set(["chat", "assistant", "app"]);
const $ = (id) => document.getElementById(id);
const state = { conversation: null, controller: null, attachments: [], recording: null };
let bound = false;

// Listens once; loads again each time it is called (after a failure, when shown next).
export async function initChat() {
  if (!bound) bind();
  bound = true;
  await Promise.all([loadModels(), loadConversations()]);
}

function bind() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  $("prompt").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  $("prompt").addEventListener("paste", (event) => attach([...event.clipboardData.files]));
  $("attach-input").addEventListener("change", (event) => {
    attach([...event.target.files]);
    event.target.value = "";
  });
  $("attach-input").previousElementSibling.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") $("attach-input").click();
  });
  const zone = $("drop-zone");
  zone.addEventListener("dragover", (event) => event.preventDefault());
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    attach([...event.dataTransfer.files]);
  });
  $("stop").addEventListener("click", () => state.controller?.abort());
  $("new-chat").addEventListener("click", () => open(null));
  $("model-picker").addEventListener("change", () => state.conversation?.messages && open(null));
  $("record").addEventListener("click", toggleRecording);
}

async function loadModels() {
  const models = await request("/v1/models");
  const picker = $("model-picker");
  picker.replaceChildren(
    ...models.data
      .filter((model) => CHAT_KINDS.has(model.capability))
      .map((model) => element("option", { value: model.id, text: model.id })),
  );
}

async function loadConversations() {
  const list = await request("/v1/conversations");
  $("conversation-list").replaceChildren(
    ...list.data.map((conversation) =>
      element(
        "li",
        { class: conversation.id === state.conversation?.id ? "current" : "" },
        element("button", {
          type: "button",
          class: "link",
          text: conversation.title || t("chat.untitled"),
          onclick: () => open(conversation.id),
        }),
        element("button", {
          type: "button",
          class: "icon",
          "aria-label": t("chat.delete"),
          title: t("chat.delete"),
          text: "×",
          onclick: () => remove(conversation.id),
        }),
      ),
    ),
  );
}

async function open(id) {
  state.controller?.abort(); // an answer still streaming belongs to the conversation left
  showError($("chat-error"), null);
  $("messages").replaceChildren();
  state.conversation = null;
  if (id) {
    try {
      state.conversation = await request(`/v1/conversations/${id}`);
    } catch (error) {
      showError($("chat-error"), error);
      return;
    }
    if (state.conversation.model) $("model-picker").value = state.conversation.model;
    const pending = state.conversation.messages.some((m) => m.details?.trace_id)
      ? request("/v1/assistant/actions?state=pending").then((list) => list.data, () => [])
      : null;
    for (const message of state.conversation.messages) {
      const details = message.details || {};
      if (message.role === "user") {
        const asked = addMessage("user", details.typed ?? message.content);
        showAttached(asked, (details.attachments || []).map((file) => file.filename));
      } else if (message.role === "assistant") {
        const reply = addMessage("assistant", message.content);
        if (details.trace_id) showPastWork(reply, details.trace_id, pending);
      }
    }
  }
  await loadConversations();
  $("prompt").focus();
}

async function remove(id) {
  try {
    await request(`/v1/conversations/${id}`, { method: "DELETE" });
    if (state.conversation?.id === id) await open(null);
    else await loadConversations();
  } catch (error) {
    showError($("chat-error"), error);
  }
}

function addMessage(role, text) {
  const content = element("div", { class: "content" });
  const item = element("li", { class: `message ${role}` }, content);
  if (role === "assistant") {
    renderMarkdown(content, text);
    item.append(readAloudButton(() => content.textContent));
  } else {
    content.textContent = text;
  }
  $("messages").append(item);
  item.scrollIntoView({ block: "end" });
  return item;
}

function readAloudButton(textOf) {
  let stop = null;
  const button = element("button", { type: "button", class: "small", text: t("chat.readAloud") });
  button.addEventListener("click", () => {
    if (stop) return stop();
    button.textContent = t("chat.stopReading");
    stop = speak(textOf(), {
      onEnd: (error) => {
        stop = null;
        button.textContent = t("chat.readAloud");
        if (error) showError($("chat-error"), error);
      },
    });
  });
  return button;
}

async function send() {
  const text = $("prompt").value.trim();
  if (!text || state.controller) return;
  if (state.attachments.some((file) => !file.id)) {
    showError($("chat-error"), new Error(t("chat.uploading")));
    return;
  }
  showError($("chat-error"), null);
  const attached = state.attachments;
  const attachments = attached.map((file) => file.id);
  const asked = addMessage("user", text);
  showAttached(asked, attached.map((file) => file.name));
  $("prompt").value = "";
  state.attachments = [];
  $("attachments").replaceChildren();
  const reply = addMessage("assistant", "");
  reply.classList.add("streaming");
  const content = reply.querySelector(".content");
  const controller = new AbortController();
  state.controller = controller;
  const signal = controller.signal;
  $("send").hidden = true;
  $("stop").hidden = false;
  let answer = "";
  try {
    if (!state.conversation) {
      const model = $("model-picker").value;
      state.conversation = await request("/v1/conversations", {
        method: "POST",
        json: { title: text.slice(0, 80), model: model || null },
        signal,
      });
      state.conversation.messages = [];
    }
    const conversation = state.conversation;
    const response = await request(`/v1/conversations/${conversation.id}/messages`, {
      method: "POST",
      json: { content: text, attachments, stream: true },
      signal,
    });
    for await (const chunk of events(response)) {
      answer += chunk.choices?.[0]?.delta?.content || "";
      renderMarkdown(content, answer);
      if (chunk.llmos) showAssistantWork(reply, chunk.llmos);
    }
    conversation.messages.push({ role: "user" }, { role: "assistant" });
  } catch (error) {
    if (error.name === "AbortError") {
      reply.append(element("p", { class: "hint", text: t("chat.stopped") }));
    } else {
      showError($("chat-error"), error);
      if (!answer) {
        reply.remove();
        asked.remove();
        $("prompt").value = text; // to send again, nothing retyped
        state.attachments = attached;
        $("attachments").replaceChildren(...attached.map((file) => file.chip));
      }
    }
  } finally {
    reply.classList.remove("streaming");
    if (state.controller === controller) state.controller = null;
    $("send").hidden = false;
    $("stop").hidden = true;
    $("prompt").focus();
    await loadConversations().catch(() => {});
  }
}

function showAttached(asked, names) {
  if (names.length) {
    asked.append(element("p", { class: "hint", text: t("chat.attached", { names: names.join(", ") }) }));
  }
}

// A stored answer's trace, and its calls still waiting for a yes or no. A trace no longer kept
// (the newest 10,000 are) is left out.
async function showPastWork(reply, traceId, pending) {
  try {
    const trace = await request(`/v1/assistant/traces/${traceId}`);
    const waiting = (await pending).filter((action) => action.trace_id === traceId);
    showAssistantWork(reply, { trace, pending_actions: waiting });
  } catch {
    // the answer stands without its trace
  }
}

// The assistant's trace (folded), and its calls of dangerous tools, to approve or reject.
function showAssistantWork(reply, extra) {
  if (extra.trace) {
    const steps = extra.trace.steps.map((step) =>
      element("li", { text: `${step.ok ? "✓" : "✗"} ${step.capability} (${Math.round(step.ms)} ms): ${step.output}` }),
    );
    reply.append(
      element(
        "details",
        { class: "trace" },
        element("summary", { text: t("chat.trace", { count: steps.length }) }),
        element("ol", {}, ...steps),
      ),
    );
  }
  for (const action of extra.pending_actions || []) {
    const status = element("span", { class: "hint" });
    const decide = (verdict) => async () => {
      try {
        const done = await request(`/v1/assistant/actions/${action.id}/${verdict}`, { method: "POST" });
        status.textContent = done.output || t(verdict === "approve" ? "chat.approved" : "chat.rejected");
        box.querySelectorAll("button").forEach((button) => (button.disabled = true));
      } catch (error) {
        status.textContent = error.message;
      }
    };
    const box = element(
      "div",
      { class: "action", role: "group", "aria-label": t("chat.confirm") },
      element("p", { text: t("chat.wantsTo", { tool: action.tool }) }),
      element("pre", { text: JSON.stringify(action.arguments, null, 2) }),
      element("button", { type: "button", text: t("chat.approve"), onclick: decide("approve") }),
      element("button", { type: "button", text: t("chat.reject"), onclick: decide("reject") }),
      status,
    );
    reply.append(box);
  }
}

async function attach(files) {
  for (const file of files) {
    const chip = element("li", { class: "chip" });
    const entry = { name: file.name || "pasted", id: null, chip };
    state.attachments.push(entry);
    if (file.type.startsWith("image/")) {
      chip.append(element("img", { src: URL.createObjectURL(file), alt: "" }));
    }
    const label = element("span", { text: `${entry.name} · ${t("chat.uploadingShort")}` });
    const drop = element("button", {
      type: "button",
      class: "icon",
      text: "×",
      "aria-label": t("chat.removeAttachment"),
      onclick: () => {
        state.attachments = state.attachments.filter((other) => other !== entry);
        chip.remove();
      },
    });
    chip.append(label, drop);
    $("attachments").append(chip);
    const form = new FormData();
    form.append("file", file, entry.name);
    form.append("purpose", "user_data");
    try {
      entry.id = (await request("/v1/files", { method: "POST", form })).id;
      label.textContent = entry.name;
    } catch (error) {
      chip.remove();
      state.attachments = state.attachments.filter((other) => other !== entry);
      showError($("chat-error"), error);
    }
  }
}

async function toggleRecording() {
  const button = $("record");
  if (state.recording) {
    state.recording.stop();
    return;
  }
  try {
    state.recording = await record();
  } catch (error) {
    showError($("chat-error"), new ApiError(0, t("chat.noMicrophone", { reason: error.message })));
    return;
  }
  button.textContent = t("chat.stopRecording");
  button.setAttribute("aria-pressed", "true");
  const blob = await state.recording.finished;
  state.recording = null;
  button.textContent = t("chat.transcribing");
  try {
    const words = await transcribe(blob);
    $("prompt").value = [$("prompt").value.trim(), words].filter(Boolean).join(" ");
    $("prompt").focus();
  } catch (error) {
    showError($("chat-error"), error);
  } finally {
    button.textContent = t("chat.record");
    button.setAttribute("aria-pressed", "false");
  }
}
