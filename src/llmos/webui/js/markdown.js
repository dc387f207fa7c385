// A model's Markdown as safe HTML: marked renders it with any raw HTML escaped, DOMPurify then
// removes anything that could still run or load (javascript: links, pictures from elsewhere);
// links open in a new tab.

import { marked } from "/ui/vendor/marked/marked.esm.js";
import DOMPurify from "/ui/vendor/dompurify/purify.es.mjs";

// HTML a model writes is shown as text, never parsed: nothing in an answer can become markup.
const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escape = (text) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

marked.use({ gfm: true, breaks: true, renderer: { html: ({ text }) => escape(text) } });

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

const OPTIONS = { FORBID_TAGS: ["img", "style", "form", "input", "button", "video", "audio"] };

export function renderMarkdown(element, text) {
  element.innerHTML = DOMPurify.sanitize(marked.parse(text), OPTIONS);
}
