"""What was made from what: the guide's rule that a training or tuning cannot be deleted while a model made from it
exists."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import conflict
from ..store import ModelRow


def refuse_if_models_made_from(session: Session, appkey: str, origin: str, id_key: str, ident: str, what: str) -> None:
    """409 naming the models whose `origin` ("training", "hyperparameterTuning") is this resource."""
    models = session.scalars(select(ModelRow).where(ModelRow.appkey == appkey))
    names = [m.name for m in models if (m.config.get(origin) or {}).get(id_key) == ident]
    if names:
        listed = ", ".join(f"'{n}'" for n in names)
        raise conflict(
            f"{what} cannot be deleted while a model made from it exists ({listed}); delete the model first."
        )
