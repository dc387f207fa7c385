"""The capability registry: which capabilities exist and which models serve them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from llmos.capabilities.base import Capability, ModelSpec
from llmos.capabilities.chat.custom import custom_model
from llmos.errors import Conflict, Forbidden, InvalidRequest, ModelNotFound, NotFound
from llmos.kernel.aliases import DEFAULT, Aliases, load_aliases

RESERVED = frozenset({"llmos-assistant"})  # served by llmos above the registry


class Registry:
    """Capabilities by name and models by name. Model names are unique across capabilities."""

    def __init__(self, capabilities: Iterable[Capability], aliases: Aliases | None = None) -> None:
        self.aliases = aliases or Aliases()
        self._capabilities: dict[str, Capability] = {}
        self._models: dict[str, ModelSpec] = {}
        for capability in capabilities:
            self._capabilities[capability.name] = capability
            for spec in capability.models:
                if spec.name in self._models:
                    raise ValueError(f"model name {spec.name!r} is declared twice")
                self._models[spec.name] = spec
        self._check_aliases()

    def _check_aliases(self) -> None:
        """Every alias names a capability and one of its models: a wrong file fails at start."""
        for capability, entries in self.aliases.table.items():
            for alias, model in entries.items():
                spec = self._models.get(model)
                if capability not in self._capabilities or (
                    model != DEFAULT and (spec is None or spec.capability != capability)
                ):
                    raise InvalidRequest(
                        f"the alias {alias!r} names {model!r} for {capability!r}, which llmos "
                        "does not have; see `llmos models`."
                    )

    @property
    def capabilities(self) -> list[Capability]:
        return list(self._capabilities.values())

    @property
    def models(self) -> list[ModelSpec]:
        return list(self._models.values())

    def capability(self, name: str) -> Capability:
        try:
            return self._capabilities[name]
        except KeyError:
            raise NotFound(f"llmos has no capability {name!r}") from None

    def model(self, name: str, *, capability: str | None = None) -> ModelSpec:
        """The model called ``name`` (or that the alias ``name`` stands for); with
        ``capability``, it must also serve that capability."""
        spec = self._models.get(name)
        if spec is None and (alias := self.aliases.target(name, capability)) is not None:
            served, model = alias
            if model == DEFAULT:
                return self.capability(served).default_model
            spec = self._models.get(model)
        alias = self.aliases.target(name) if spec is None and capability is not None else None
        if alias is not None and alias[0] != capability:
            raise ModelNotFound(name, [s.name for s in self.models if s.capability == capability],
                                alias_of=alias[0])  # fmt: skip
        if spec is None or (capability is not None and spec.capability != capability):
            known = [s.name for s in self.models if capability in (None, s.capability)]
            raise ModelNotFound(name, known)
        return spec

    def serves(self, name: str) -> bool:
        """Whether a model is called ``name`` (aliases aside)."""
        return name in self._models

    def check_new_name(self, name: str) -> None:
        """:class:`Conflict` unless ``name`` is free: no model's, and no alias."""
        alias = self.aliases.target(name)
        if name in self._models or name in RESERVED or alias is not None:
            what = "taken"
            if alias is not None:
                served, model = alias
                what = f"an alias of the default {served} model" if model == DEFAULT else (
                    f"an alias of {model!r}")  # fmt: skip
            raise Conflict(f"The model name {name!r} is {what}; choose another.")

    def add(self, spec: ModelSpec) -> None:
        """Serve ``spec`` too (a user's model); its name must be new, and no alias."""
        if spec.capability not in self._capabilities:
            raise NotFound(f"llmos has no capability {spec.capability!r}")
        self.check_new_name(spec.name)
        self._models[spec.name] = spec

    def remove(self, name: str) -> ModelSpec:
        """Stop serving the user's model ``name``; llmos's own models cannot be removed."""
        spec = self._models.get(name)
        if spec is None:
            raise ModelNotFound(name, [s.name for s in self.models])
        if custom_model(spec) is None:
            raise Forbidden(f"{name!r} ships with llmos; only models you created can be removed.")
        del self._models[name]
        return spec

    def with_parallel(self, slots: int, *, budget_bytes: int | None = None) -> Registry:
        """The same models, those that can serve several calls at once with ``slots`` each (as
        many as ``budget_bytes`` holds)."""
        return Registry(
            (
                replace(
                    c,
                    models=tuple(
                        s.with_parallel(slots, budget_bytes=budget_bytes) for s in c.models
                    ),
                )
                for c in self.capabilities
            ),
            self.aliases,
        )

    def resolve(self, capability: str, name: str | None) -> ModelSpec:
        """The named model, or the capability's default when no name is given."""
        if name is None:
            return self.capability(capability).default_model
        return self.model(name, capability=capability)


def default_registry(
    aligned_dir: Path | None = None,
    generators_dir: Path | None = None,
    aliases_file: Path | None = None,
) -> Registry:
    """Every capability that ships with llmos, the picture-text spaces trained into
    ``aligned_dir`` (``Settings.aligned_dir``), the image generators trained into
    ``generators_dir`` (``Settings.generators_dir``), and the model aliases (the shipped table,
    and ``aliases_file``'s over it)."""
    from llmos.capabilities import align, chat, embed, speak, transcribe, translate, vision
    from llmos.capabilities.imagegen import learned
    from llmos.capabilities.imagegen.types import COMPOSER_NAMES

    shipped = [
        chat.CAPABILITY,
        embed.CAPABILITY,
        transcribe.CAPABILITY,
        speak.CAPABILITY,
        *vision.CAPABILITIES,
        *translate.CAPABILITIES,
    ]
    names = {spec.name for capability in shipped for spec in capability.models}
    spaces = align.capability(aligned_dir, names) if aligned_dir is not None else None
    names |= {spec.name for spec in spaces.models} if spaces else set()
    names |= COMPOSER_NAMES | {"llmos-assistant"}  # a generator must not take served names
    drawing = learned.capability(generators_dir, names) if generators_dir is not None else None
    return Registry([*shipped, *(c for c in (spaces, drawing) if c)], load_aliases(aliases_file))
