"""IPython magics: `%load_ext jupyter_easymaker`, then `%%em_train`, `%em_status`, `%em_logs`, `%em_stop`,
`%em_tensorboard`, `%%em_tune`, `%em_pipeline`, `%em_deploy`, `%em_predict` (one module per resource family).

To add a magic: write a module here whose functions use `core.magic`, and list it in `MODULES`.
"""

from __future__ import annotations

import importlib

from .core import REGISTRY

MODULES = ("train", "tune", "status", "tensorboard", "pipeline", "serving")


def load_ipython_extension(ipython) -> None:
    for module in MODULES:
        importlib.import_module(f"{__name__}.{module}")
    for kind, name, func in REGISTRY:
        ipython.register_magic_function(func, magic_kind=kind, magic_name=name)
