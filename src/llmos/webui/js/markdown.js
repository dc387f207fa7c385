// A model's Markdown as safe HTML: marked renders, DOMPurify removes anything that could run or
// load (scripts, handlers, styles, pictures from elsewhere), links open in a new tab.

import { marked } from "/ui/vendor/marked/marked.esm.js";
import DOMPurify from "/ui/vendor/dompurify/purify.es.mjs";

marked.setOptions({ gfm: true, breaks: true });

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
