// Speech as it streams: 16-bit PCM from POST /v1/audio/speech, played piece by piece with Web
// Audio while the server still synthesises the rest; and a recorder for spoken questions.

import { request } from "./api.js";

const SAMPLE_RATE = 22050; // every llmos voice's (GET /v1/audio/voices)

// Starts playing ``text`` and returns at once a function that stops it; ``onEnd`` is called
// once, when the speech ends, fails (with the error) or is stopped.
export function speak(text, { voice = "joe", onEnd = () => {} } = {}) {
  const controller = new AbortController();
  const context = new AudioContext({ sampleRate: SAMPLE_RATE });
  let ended = false;
  const stop = (error) => {
    if (ended) return;
    ended = true;
    controller.abort();
    if (context.state !== "closed") context.close();
    onEnd(error instanceof Error ? error : null);
  };
  play(text, voice, context, controller.signal).then(
    (last) => (last ? (last.onended = () => stop()) : stop()),
    (error) => stop(error.name === "AbortError" ? null : error),
  );
  return () => stop();
}

// Queues each piece of the streamed speech as it arrives; the last source queued.
async function play(text, voice, context, signal) {
  const response = await request("/v1/audio/speech", {
    method: "POST",
    json: { input: text.slice(0, 4096), voice, response_format: "pcm" },
    signal,
  });
  const reader = response.body.getReader();
  let startAt = context.currentTime + 0.1;
  let carry = new Uint8Array(0);
  let last = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return last;
    const bytes = new Uint8Array(carry.length + value.length);
    bytes.set(carry);
    bytes.set(value, carry.length);
    const even = bytes.length - (bytes.length % 2);
    carry = bytes.slice(even);
    if (!even) continue;
    const samples = new Int16Array(bytes.slice(0, even).buffer);
    const buffer = context.createBuffer(1, samples.length, SAMPLE_RATE);
    const channel = buffer.getChannelData(0);
    for (let i = 0; i < samples.length; i++) channel[i] = samples[i] / 32768;
    last = context.createBufferSource();
    last.buffer = buffer;
    last.connect(context.destination);
    startAt = Math.max(startAt, context.currentTime);
    last.start(startAt);
    startAt += buffer.duration;
  }
}

// Records the microphone until ``stop()``; resolves to the recording as a Blob.
export async function record() {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const recorder = new MediaRecorder(stream);
  const chunks = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  const finished = new Promise((resolve) => {
    recorder.onstop = () => {
      stream.getTracks().forEach((track) => track.stop());
      resolve(new Blob(chunks, { type: recorder.mimeType || "audio/webm" }));
    };
  });
  recorder.start();
  return { stop: () => recorder.stop(), finished };
}

// The words of a recording, by POST /v1/audio/transcriptions.
export async function transcribe(blob) {
  const form = new FormData();
  const extension = blob.type.includes("ogg") ? "ogg" : "webm";
  form.append("file", blob, `question.${extension}`);
  form.append("response_format", "json");
  const body = await request("/v1/audio/transcriptions", { method: "POST", form });
  return body.text.trim();
}
