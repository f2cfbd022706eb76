"""jupyter-easymaker: the AI EasyMaker platform as a Jupyter server extension."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jupyter-easymaker")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"


def _jupyter_server_extension_points() -> list[dict]:
    from .app import EasyMakerApp

    return [{"module": "jupyter_easymaker", "app": EasyMakerApp}]
