"""``/v1/files`` with the official ``openai`` client, and kept files attached to chat messages."""

from __future__ import annotations

import base64
import io
import subprocess
import sys

import openai
import pytest
from PIL import Image
from skimage import data as photos

from tests.documents import scanned_pdf, text_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

INVOICE = ["Invoice 4521", "Total due: 1234.56 EUR"]


@pytest.fixture
def client(llmos_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{llmos_server}/v1", api_key="unused", max_retries=0)


def ask(
    client: openai.OpenAI, question: str, part: dict, model: str = "qwen2.5-coder-1.5b-instruct"
):
    reply = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": [{"type": "text", "text": question}, part]}],
        max_tokens=40,
        temperature=0,
    )
    return reply.choices[0].message.content


def test_files_are_kept_listed_read_and_deleted(client):
    kept = client.files.create(file=("notes.txt", b"buy oat milk\n"), purpose="user_data")
    assert kept.id.startswith("file-") and kept.bytes == 13 and kept.filename == "notes.txt"
    assert client.files.retrieve(kept.id).purpose == "user_data"
    assert kept.id in [f.id for f in client.files.list()]
    assert client.files.content(kept.id).read() == b"buy oat milk\n"
    assert client.files.delete(kept.id).deleted
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(kept.id)
    uploaded = [client.files.create(file=(f"{n}.txt", b"x"), purpose="evals").id for n in range(3)]
    paged = client.files.list(limit=2, purpose="evals")  # the client follows 'after' itself
    assert [f.id for f in paged] == uploaded[::-1]
    with pytest.raises(openai.BadRequestError, match="'purpose' must be one of"):
        client.files.create(file=("a.txt", b"x"), purpose="homework")
    with pytest.raises(openai.BadRequestError, match="is empty"):
        client.files.create(file=("empty.txt", b""), purpose="user_data")


def test_chat_reads_a_scanned_pdf_kept_in_files(client):
    kept = client.files.create(file=("invoice.pdf", scanned_pdf([INVOICE])), purpose="user_data")
    answer = ask(
        client,
        "What is the total due on this invoice? Answer with the amount only.",
        {"type": "file", "file": {"file_id": kept.id}},
    )
    assert "1234.56" in answer.replace(",", "")


def test_chat_reads_inline_file_data_pdfs_and_images(client):
    pdf = base64.b64encode(text_pdf(["The meeting moved to Thursday."])).decode()
    answer = ask(
        client,
        "On which day is the meeting? One word.",
        {
            "type": "file",
            "file": {"filename": "memo.pdf", "file_data": f"data:application/pdf;base64,{pdf}"},
        },
    )
    assert "thursday" in answer.lower()
    png = io.BytesIO()
    Image.fromarray(photos.chelsea()).save(png, "PNG")
    kept = client.files.create(file=("pet.png", png.getvalue()), purpose="vision")
    answer = ask(
        client,
        "What animal is in this picture? One word.",
        {"type": "file", "file": {"file_id": kept.id}},
    )
    assert "cat" in answer.lower()


def test_bad_attachments_are_400s_that_say_why(client):
    with pytest.raises(openai.BadRequestError, match="upload it with POST /v1/files"):
        ask(client, "Summarise.", {"type": "file", "file": {"file_id": "file-0000"}})
    binary = client.files.create(file=("blob.bin", bytes(range(256)) * 4), purpose="user_data")
    with pytest.raises(openai.BadRequestError, match="not an image, a PDF or UTF-8 text"):
        ask(client, "Summarise.", {"type": "file", "file": {"file_id": binary.id}})
    with pytest.raises(openai.BadRequestError, match="not valid base64"):
        ask(client, "Summarise.", {"type": "file", "file": {"file_data": "%%%"}})


def test_llmos_chat_attaches_files(llmos_server, tmp_path):
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(scanned_pdf([INVOICE]))
    done = subprocess.run(
        [
            sys.executable, "-m", "llmos", "chat", "What is the total due? The amount only.",
            "--attach", str(invoice), "--temperature", "0", "--url", llmos_server,
        ],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1234.56" in done.stdout.replace(",", "")
    missing = subprocess.run(
        [sys.executable, "-m", "llmos", "chat", "Hi", "--attach", str(tmp_path / "nope.png")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 2 and "no such file" in missing.stderr
