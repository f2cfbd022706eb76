"""IPython magics: `%load_ext jupyter_easymaker`, then `%%em_train`, `%em_status`, `%em_logs`, `%em_stop`,
`%em_tensorboard` (and one module per resource family that adds its own, e.g. `%em_tune`).

To add a magic: write a module here whose functions use `core.magic`, and list it in `MODULES`.
"""

from __future__ import annotations

import importlib

from .core import REGISTRY

MODULES = ("train", "status", "tensorboard")


def load_ipython_extension(ipython) -> None:
    for module in MODULES:
        importlib.import_module(f"{__name__}.{module}")
    for kind, name, func in REGISTRY:
        ipython.register_magic_function(func, magic_kind=kind, magic_name=name)
