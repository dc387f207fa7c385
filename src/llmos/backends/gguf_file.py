"""What a GGUF file says of itself, read with llama.cpp's own ``gguf`` package.

Reading checks the file whole: the header, every metadata entry, and that every tensor's data
lies inside the file, so a truncated download or a file of another kind is refused when a model
is created, not when it first loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from llmos.errors import InvalidRequest, MissingExtra, install_extra

PROJECTOR_ARCHITECTURE = "clip"  # llama.cpp's multimodal projectors (mmproj) all say "clip"
ENCODERS = frozenset({  # architectures that embed or encode, and cannot chat
    "bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "modern-bert",
    "neo-bert", "eurobert", "t5encoder", "gemma-embedding", "llama-embed", "wavtokenizer-dec",
})  # fmt: skip


@dataclass(frozen=True)
class GgufFacts:
    """The metadata llmos uses: enough to budget memory and to describe the model."""

    architecture: str
    name: str
    size_bytes: int
    parameters: int  # weights, counted from the tensors
    file_type: str  # the quantisation, e.g. "MOSTLY_Q4_K_M"
    context_length: int  # the longest context it was trained for; 0 when unknown
    layers: int
    kv_heads: int
    key_length: int  # per head
    value_length: int
    has_chat_template: bool

    @property
    def is_projector(self) -> bool:
        return self.architecture == PROJECTOR_ARCHITECTURE

    def chat_problem(self) -> str | None:
        """Why this file cannot be a chat model, or None."""
        from gguf import MODEL_ARCH_NAMES

        if self.is_projector:
            return "is a vision projector (mmproj), not a language model"
        if self.architecture in ENCODERS:
            return f"is an encoder ({self.architecture}): it embeds text and cannot chat"
        if self.architecture not in MODEL_ARCH_NAMES.values():
            return f"has an architecture llama.cpp here does not know ({self.architecture!r})"
        if not self.layers:
            return "says nothing of its layers"
        return None

    def kv_cache_bytes(self, tokens: int) -> int:
        """The f16 key and value cache of ``tokens`` tokens (llama.cpp's default)."""
        return tokens * self.layers * self.kv_heads * (self.key_length + self.value_length) * 2


def read_gguf(path: Path) -> GgufFacts:
    """The facts in ``path``; :class:`InvalidRequest` when it is not a whole GGUF file."""
    try:
        from gguf import GGUFReader, LlamaFileType
    except ImportError as error:
        raise MissingExtra("gguf", install=install_extra("chat")) from error
    try:
        if not path.is_file():
            raise InvalidRequest(f"There is no file at {path}.")
        with path.open("rb") as file:
            magic = file.read(4)
    except OSError as error:  # a folder it may not enter, a name too long...
        raise InvalidRequest(f"llmos cannot read {path}: {error.strerror}.") from None
    if magic != b"GGUF":
        raise InvalidRequest(
            f"{path.name} is not a GGUF file (it does not start with 'GGUF'); llmos runs "
            "llama.cpp's GGUF models, e.g. from Hugging Face repositories ending in -GGUF."
        )
    try:
        reader = GGUFReader(path)
    except Exception as error:  # the library raises ValueError, IndexError, struct errors...
        raise InvalidRequest(
            f"{path.name} is not a whole GGUF file ({error}); is the download complete?"
        ) from None

    def value(key: str, default: object = None) -> object:
        field = reader.get_field(key)
        return default if field is None else field.contents()

    def count(key: str, default: int = 0) -> int:
        """A whole number, or the largest of a per-layer list (hybrid models give lists)."""
        found = value(key)
        if isinstance(found, list):
            found = max((int(x) for x in found), default=0)
        try:
            return int(found) if found is not None else default
        except (TypeError, ValueError):
            return default

    architecture = str(value("general.architecture", ""))
    prefix = f"{architecture}."
    heads = count(f"{prefix}attention.head_count")
    width = count(f"{prefix}embedding_length")
    head_size = width // heads if heads else 0
    file_type = value("general.file_type")
    try:
        quantisation = LlamaFileType(int(file_type)).name if file_type is not None else ""
    except (TypeError, ValueError):
        quantisation = str(file_type)
    return GgufFacts(
        architecture=architecture,
        name=str(value("general.name", path.stem)),
        size_bytes=path.stat().st_size,
        parameters=sum(int(tensor.n_elements) for tensor in reader.tensors),
        file_type=quantisation,
        context_length=count(f"{prefix}context_length"),
        layers=count(f"{prefix}block_count"),
        kv_heads=count(f"{prefix}attention.head_count_kv", heads) or heads,
        key_length=count(f"{prefix}attention.key_length", head_size) or head_size,
        value_length=count(f"{prefix}attention.value_length", head_size) or head_size,
        has_chat_template=reader.get_field("tokenizer.chat_template") is not None,
    )
