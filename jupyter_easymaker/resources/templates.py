"""Training templates: saved training settings to start trainings and tunings from."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import conflict, invalid_fields, not_found
from ..platform import Platform, new_id, now, wire_time
from ..store import TemplateRow
from .naming import free_copy_name
from .schema import TemplateCreate, TemplateUpdate, config_fields
from .trainings import catalog_errors, resolved_uris


def to_wire(platform: Platform, row: TemplateRow) -> dict:
    config = row.config
    image = platform.catalog.images.get(config.get("imageId", ""))
    flavor = platform.catalog.instance_types.get(config.get("flavorId", ""))
    return {
        "trainingTemplateId": row.id,
        "trainingTemplateName": row.name,
        "description": row.description,
        "appKey": row.appkey,
        **config,
        "image": image.to_wire() if image else None,
        "flavor": flavor.to_wire() if flavor else None,
        "createdDatetime": wire_time(row.created_at),
        "updatedDatetime": wire_time(row.updated_at),
    }


def check_references(platform: Platform, config: dict) -> None:
    """A template may be partial, but what it names must exist and its URIs must resolve here."""
    errors = catalog_errors(platform, config) + resolved_uris(platform, config)[0]
    if errors:
        raise invalid_fields(errors)


def _unique_name(session: Session, appkey: str, name: str, own_id: str | None = None) -> None:
    found = session.scalar(select(TemplateRow.id).where(TemplateRow.appkey == appkey, TemplateRow.name == name))
    if found and found != own_id:
        raise conflict(f"trainingTemplateName: a training template named '{name}' already exists.")


def get_row(session: Session, appkey: str, template_id: str) -> TemplateRow:
    row = session.get(TemplateRow, template_id)
    if row is None or row.appkey != appkey:
        raise not_found("Training template", template_id)
    return row


def create(platform: Platform, appkey: str, body: TemplateCreate) -> dict:
    config = config_fields(body)
    check_references(platform, config)
    with platform.store.session() as session:
        _unique_name(session, appkey, body.training_template_name)
        stamp = now()
        row = TemplateRow(
            id=new_id(), appkey=appkey, name=body.training_template_name, description=body.description,
            config=config, created_at=stamp, updated_at=stamp,
        )  # fmt: skip
        session.add(row)
        return to_wire(platform, row)


def update(platform: Platform, appkey: str, template_id: str, body: TemplateUpdate) -> dict:
    changes = config_fields(body)
    with platform.store.session() as session:
        row = get_row(session, appkey, template_id)
        config = {**row.config, **changes}
        check_references(platform, config)
        if body.training_template_name:
            _unique_name(session, appkey, body.training_template_name, row.id)
            row.name = body.training_template_name
        if "description" in body.model_fields_set:
            row.description = body.description
        row.config, row.updated_at = config, now()
        return to_wire(platform, row)


def copy(platform: Platform, appkey: str, template_id: str, body: TemplateUpdate) -> dict:
    with platform.store.session() as session:
        original = get_row(session, appkey, template_id)
        taken = set(session.scalars(select(TemplateRow.name).where(TemplateRow.appkey == appkey)))
    name = body.training_template_name or free_copy_name(original.name, taken)
    description = original.description if "description" not in body.model_fields_set else body.description
    merged = TemplateCreate.model_validate(
        {**original.config, **config_fields(body), "trainingTemplateName": name, "description": description}
    )
    return create(platform, appkey, merged)


def list_(platform: Platform, appkey: str, names: list[str]) -> list[dict]:
    with platform.store.session() as session:
        query = select(TemplateRow).where(TemplateRow.appkey == appkey).order_by(TemplateRow.created_at.desc())
        if names:
            query = query.where(TemplateRow.name.in_(names))
        return [to_wire(platform, r) for r in session.scalars(query)]


def get(platform: Platform, appkey: str, template_id: str) -> dict:
    with platform.store.session() as session:
        return to_wire(platform, get_row(session, appkey, template_id))


def delete(platform: Platform, appkey: str, template_id: str) -> None:
    with platform.store.session() as session:
        session.delete(get_row(session, appkey, template_id))
