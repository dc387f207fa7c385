// The UI's texts in the browser's language: Chinese for zh*, else English (i18n/*.json).

let texts = {};

export const language = (navigator.languages?.[0] || navigator.language || "en")
  .toLowerCase()
  .startsWith("zh")
  ? "zh"
  : "en";

export async function loadTexts() {
  const response = await fetch(`/ui/i18n/${language}.json`);
  texts = await response.json();
  document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
  translate(document);
}

export function t(key, values = {}) {
  let text = texts[key] ?? key;
  for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, value);
  return text;
}

export function translate(root) {
  for (const element of root.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of root.querySelectorAll("[data-i18n-placeholder]")) {
    element.placeholder = t(element.dataset.i18nPlaceholder);
  }
}
