"""``llmos doctor``: is every bundled model installed and loadable, and is there room to run?"""

from __future__ import annotations

import os
import platform
import shutil
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from llmos.capabilities.base import LoadContext, ModelSpec
from llmos.kernel.memory import SystemMemory


@dataclass(frozen=True)
class ModelCheck:
    model: str
    capability: str
    package: str | None
    package_version: str | None  # None: not installed
    loaded: bool = False
    load_seconds: float = 0.0
    rss_bytes: int = 0
    problem: str | None = None


@dataclass(frozen=True)
class MachineCheck:
    python: str
    cpu_count: int
    ram_total_bytes: int
    ram_available_bytes: int
    data_dir: str
    disk_free_bytes: int


def check_machine(home: Path) -> MachineCheck:

    memory = SystemMemory()
    existing = home if home.exists() else next(p for p in home.parents if p.exists())
    return MachineCheck(
        python=platform.python_version(),
        cpu_count=os.cpu_count() or 1,
        ram_total_bytes=memory.total_bytes(),
        ram_available_bytes=memory.available_bytes(),
        data_dir=str(home),
        disk_free_bytes=shutil.disk_usage(existing).free,
    )


def check_model(spec: ModelSpec, context: LoadContext) -> ModelCheck:
    """Load ``spec`` in this process, measure it, and unload it again."""
    found = {"model": spec.name, "capability": spec.capability, "package": spec.package}
    package_version = None
    if spec.package:
        try:
            package_version = version(spec.package)
        except PackageNotFoundError:
            problem = f"package {spec.package} is not installed: {spec.install}"
            return ModelCheck(**found, package_version=None, problem=problem)
    memory = SystemMemory()
    before, started = memory.process_rss(), time.perf_counter()
    try:
        model = spec.load(context)
    except Exception as error:  # report every kind of failure, keep checking the others
        problem = f"{type(error).__name__}: {error}"
        return ModelCheck(**found, package_version=package_version, problem=problem)
    seconds = time.perf_counter() - started
    rss = max(0, memory.process_rss() - before)
    model.close()
    return ModelCheck(
        **found,
        package_version=package_version,
        loaded=True,
        load_seconds=seconds,
        rss_bytes=rss,
    )
