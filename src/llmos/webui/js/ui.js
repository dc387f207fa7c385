// Small helpers every page uses: building elements, inline errors, busy states.

import { t } from "./i18n.js";

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== false && value != null) node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child != null));
  return node;
}

export function showError(target, error) {
  if (!target) return;
  if (!error) {
    target.hidden = true;
    target.textContent = "";
    return;
  }
  target.textContent = error.message || String(error);
  target.hidden = false;
}

// Runs ``work`` with the form's busy line shown, its buttons disabled and its error line
// cleared, then shows any error there.
export async function busy(form, work) {
  const line = form.querySelector(".busy");
  const error = form.querySelector(".error");
  const buttons = form.querySelectorAll("button");
  showError(error, null);
  if (line) line.hidden = false;
  buttons.forEach((button) => (button.disabled = true));
  try {
    return await work();
  } catch (failure) {
    showError(error, failure);
  } finally {
    if (line) line.hidden = true;
    buttons.forEach((button) => (button.disabled = false));
  }
}

export function bytes(count) {
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

export function seconds(value) {
  if (value == null) return t("models.never");
  if (value < 60) return `${Math.round(value)} s`;
  if (value < 3600) return `${Math.round(value / 60)} min`;
  if (value < 86400 * 2) return `${Math.round(value / 3600)} h`;
  return t("models.never");
}
