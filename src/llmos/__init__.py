"""llmos: a local, fully offline multimodal LLM operating system.

import llmos

client = llmos.Client()                 # a server's HTTP API (llmos serve)
with llmos.LocalClient() as local: ...  # the same methods, answered in this process

@llmos.tool                             # a function as a tool of an app
def order_status(order_id: str) -> str: ...
"""

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

try:
    __version__ = version("llmos")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from llmos.assistant.python_tools import tool
    from llmos.local import LocalClient
    from llmos.sdk import LlmosClient as Client

__all__ = ["Client", "LocalClient", "__version__", "tool"]


def __getattr__(name: str):
    """The public names, imported when first used: ``import llmos`` stays instant."""
    if name == "tool":
        from llmos.assistant.python_tools import tool

        return tool
    if name == "Client":
        from llmos.sdk import LlmosClient

        return LlmosClient
    if name == "LocalClient":
        from llmos.local import LocalClient

        return LocalClient
    raise AttributeError(f"module 'llmos' has no attribute {name!r}")
