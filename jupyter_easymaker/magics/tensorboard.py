"""`%em_tensorboard`: TensorBoard for an experiment or a training, inside the notebook, behind the server's auth."""

from __future__ import annotations

from html import escape
from urllib.parse import urlparse

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from .core import client, magic, options
from .status import find


class TensorBoardView:
    """TensorBoard in an IFrame. `url` is relative to the server's origin, so the lab's login cookie applies."""

    def __init__(self, title: str, url: str, height: int = 640) -> None:
        self.title, self.url, self.height = title, url, height

    def __repr__(self) -> str:
        return f"TensorBoard for {self.title}: {self.url}"

    def _repr_html_(self) -> str:
        url = escape(self.url, quote=True)
        return (
            f'<div><a href="{url}" target="_blank" rel="noopener">Open TensorBoard for {escape(self.title)} '
            f'in a new tab</a></div><iframe src="{url}" title="TensorBoard: {escape(self.title, quote=True)}" '
            f'style="width:100%;height:{self.height}px;border:1px solid var(--jp-border-color1,#ccc)"></iframe>'
        )


@magic("line", "em_tensorboard")
@magic_arguments()
@argument("name", help="An experiment (all its trainings) or a training: name or id.")
@argument("--kind", help="experiment or training, when both have this name.")
@argument("--height", type=int, default=640, help="Height of the view in pixels.")
def em_tensorboard(line: str) -> TensorBoardView:
    """Open TensorBoard for an experiment or a training in the notebook (the server starts and serves it)."""
    args = options(em_tensorboard, line)
    em = client()
    found = find(em, args.name, args.kind)
    data = getattr(found, "data", found)
    path = data.get("tensorboardAccessPath")
    if not path:
        raise UsageError(f"'{args.name}' has no TensorBoard; open one for an experiment or a training.")
    title = data.get("trainingName") or data.get("experimentName") or args.name
    server_path = urlparse(em.base_url).path
    return TensorBoardView(title, f"{server_path}/{path}/", args.height)
