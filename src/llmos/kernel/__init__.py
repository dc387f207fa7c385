"""The kernel: registry, model manager, scheduler and accounting behind every model call."""

from llmos.kernel.kernel import Kernel
from llmos.kernel.models import ModelManager, ResidentModel
from llmos.kernel.registry import Registry, default_registry
from llmos.kernel.scheduler import Scheduler

__all__ = ["Kernel", "ModelManager", "Registry", "ResidentModel", "Scheduler", "default_registry"]
