// Every request the page makes goes through here: the API key (kept in this browser, sent in
// the Authorization header, never in a URL), the server's own error messages, and streams.

const KEY = "llmos.apiKey";
let askForKey = null; // set by main.js: (why) => Promise<string | null>

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function onKeyNeeded(prompt) {
  askForKey = prompt;
}

function headers() {
  const result = new Headers();
  const key = localStorage.getItem(KEY);
  if (key) result.set("Authorization", `Bearer ${key}`);
  return result;
}

async function messageOf(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    return body?.error?.message || body?.detail || body?.error || text;
  } catch {
    return text || `HTTP ${response.status}`;
  }
}

// fetch() with the key; a 401 asks for a key once and tries again; any other error is an
// ApiError with the server's message. Answers JSON as an object, anything else as the Response.
export async function request(path, { method = "GET", json, form, signal } = {}) {
  for (;;) {
    const init = { method, signal, headers: headers() };
    if (json !== undefined) {
      init.body = JSON.stringify(json);
      init.headers.set("Content-Type", "application/json");
    } else if (form) {
      init.body = form;
    }
    const response = await fetch(path, init);
    if (response.status === 401 && askForKey) {
      const why = await messageOf(response);
      const key = await askForKey(why);
      if (key) {
        localStorage.setItem(KEY, key);
        continue;
      }
      throw new ApiError(401, why);
    }
    if (!response.ok) throw new ApiError(response.status, await messageOf(response));
    const type = response.headers.get("content-type") || "";
    return type.includes("application/json") ? response.json() : response;
  }
}

// The events of a server-sent event stream, parsed; an error event throws.
export async function* events(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replaceAll("\r\n", "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (!data || data === "[DONE]") continue;
      const event = JSON.parse(data);
      if (event.error) throw new ApiError(0, event.error.message || String(event.error));
      yield event;
    }
  }
}

// A URL the page can show or play for an API resource that needs the key.
export async function objectUrl(path) {
  const response = await request(path);
  return URL.createObjectURL(await response.blob());
}

// A URL for a file the browser fetches itself (a player seeking by byte ranges, a new tab):
// the path when no key is kept; with a key, which must not go into a URL, the whole file.
export async function fileUrl(path) {
  return localStorage.getItem(KEY) ? objectUrl(path) : path;
}

export function query(path, params) {
  return `${path}?${new URLSearchParams(params)}`;
}
