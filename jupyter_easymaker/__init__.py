"""jupyter-easymaker: the AI EasyMaker platform as a Jupyter server extension."""


def __getattr__(name: str) -> str:
    # Lazy: every training's runner imports this package, and importlib.metadata costs ~30 ms at start-up.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("jupyter-easymaker")
        except PackageNotFoundError:  # a source tree that was not installed
            return "0.0.0"
    raise AttributeError(name)


def _jupyter_server_extension_points() -> list[dict]:
    from .app import EasyMakerApp

    return [{"module": "jupyter_easymaker", "app": EasyMakerApp}]


def load_ipython_extension(ipython) -> None:
    """`%load_ext jupyter_easymaker`: the magics (see jupyter_easymaker.magics)."""
    from .magics import load_ipython_extension as load

    load(ipython)
