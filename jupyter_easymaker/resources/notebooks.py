"""Notebook instances: the console guide's Notebook chapter.

The API records what the user wants (a status such as START IN PROGRESS, a new launch `generation`) and wakes the
controller, which drives the backend there (controller/notebooks.py).
"""

from __future__ import annotations

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import EasyMakerError, FieldError, conflict, invalid, invalid_fields, not_found
from ..platform import Platform, new_id, now, wire_time
from ..storage import StorageError, resolve
from ..store import NotebookRow, UsageRow
from .schema import NOTEBOOK_DEFAULTS, NotebookCreate, NotebookFlavorChange, NotebookUpdate
from .statuses import (
    NOTEBOOK_DELETABLE,
    NOTEBOOK_REBOOTABLE,
    NOTEBOOK_STARTABLE,
    NOTEBOOK_STOPPABLE,
    NotebookStatus,
)

ACCESS_PATH = "notebooks/{}/"  # under {base_url}easymaker/: the notebook's own JupyterLab, behind the server's auth


# -- rules -------------------------------------------------------------------------------------------------------------


def _check_config(platform: Platform, config: dict) -> None:
    catalog = platform.catalog
    errors: list[FieldError] = []
    image = catalog.images.get(config["imageId"])
    flavor = catalog.instance_types.get(config["flavorId"])
    if image is None:
        errors.append(FieldError("imageId", f"no image with id '{config['imageId']}'; GET …/images lists them"))
    elif image.image_type_code != "NOTEBOOK":
        errors.append(
            FieldError("imageId", f"'{image.image_name}' is a {image.image_type_code} image; use a NOTEBOOK image")
        )
    if flavor is None:
        errors.append(
            FieldError("flavorId", f"no instance type with id '{config['flavorId']}'; GET …/flavors lists them")
        )
    elif image is not None and image.core_type_code != flavor.core_type:
        errors.append(
            FieldError(
                "flavorId",
                f"'{flavor.name}' is a {flavor.core_type} instance type but the image needs {image.core_type_code}",
            )
        )
    for i, mount in enumerate(config["nasList"]):
        field_name = f"nasList[{i}].nasUri"
        try:
            location = resolve(mount["nasUri"], platform.storage)
        except StorageError as err:
            errors.append(FieldError(field_name, str(err)))
            continue
        if location.local_path is None or not location.local_path.is_dir():
            errors.append(FieldError(field_name, f"'{mount['nasUri']}' is not a directory on the NAS"))
    if errors:
        raise invalid_fields(errors)


def _unique_name(session: Session, appkey: str, wanted: str, own_id: str | None = None) -> None:
    found = session.scalar(select(NotebookRow.id).where(NotebookRow.appkey == appkey, NotebookRow.name == wanted))
    if found and found != own_id:
        raise conflict(f"notebookName: a notebook named '{wanted}' already exists; choose another name.")


def get_row(session: Session, appkey: str, notebook_id: str) -> NotebookRow:
    row = session.get(NotebookRow, notebook_id)
    if row is None or row.appkey != appkey:
        raise not_found("Notebook", notebook_id)
    return row


def _refuse(row: NotebookRow, action: str, allowed: frozenset[NotebookStatus], hint: str = "") -> None:
    if NotebookStatus(row.status) not in allowed:
        names = ", ".join(sorted(s.value for s in allowed))
        raise conflict(f"Notebook '{row.name}' is {row.status}; it can be {action} only when {names}.{hint}")


# -- operations --------------------------------------------------------------------------------------------------------


def create(platform: Platform, appkey: str, body: NotebookCreate) -> dict:
    given = body.model_dump(by_alias=True, exclude_none=True, exclude={"notebook_name", "description"}, mode="json")
    config = {**NOTEBOOK_DEFAULTS, **given}
    _check_config(platform, config)
    with platform.store.session() as session:
        _unique_name(session, appkey, body.notebook_name)
        stamp = now()
        row = NotebookRow(
            id=new_id(), appkey=appkey, name=body.notebook_name, description=body.description, config=config,
            status=NotebookStatus.CREATE_REQUESTED.value, generation=1, usage_cursor=0, created_at=stamp,
            updated_at=stamp,
        )  # fmt: skip
        session.add(row)
        wire = to_wire(platform, row)
    platform.wake()
    return wire


def get(platform: Platform, appkey: str, notebook_id: str) -> dict:
    with platform.store.session() as session:
        return to_wire(platform, get_row(session, appkey, notebook_id))


def list_(platform: Platform, appkey: str, filters: dict[str, list[str]]) -> list[dict]:
    with platform.store.session() as session:
        query = select(NotebookRow).where(NotebookRow.appkey == appkey).order_by(NotebookRow.created_at.desc())
        for param, column in (
            ("notebookIdList", NotebookRow.id),
            ("notebookNameList", NotebookRow.name),
            ("notebookStatusCodeList", NotebookRow.status),
        ):
            if filters.get(param):
                query = query.where(column.in_(filters[param]))
        return [to_wire(platform, row) for row in session.scalars(query)]


def update(platform: Platform, appkey: str, notebook_id: str, body: NotebookUpdate) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, notebook_id)
        if row.status == NotebookStatus.DELETE_IN_PROGRESS.value:
            raise conflict(f"Notebook '{row.name}' is being deleted.")
        if body.notebook_name is not None and body.notebook_name != row.name:
            _unique_name(session, appkey, body.notebook_name, row.id)
            row.name = body.notebook_name
        if "description" in body.model_fields_set:
            row.description = body.description
        row.updated_at = now()
        return to_wire(platform, row)


def _transition(
    platform: Platform, appkey: str, notebook_id: str, action: str, allowed: frozenset[NotebookStatus],
    target: NotebookStatus, new_launch: bool, hint: str = "",
) -> dict:  # fmt: skip
    with platform.store.session() as session:
        row = get_row(session, appkey, notebook_id)
        if row.status != target.value:  # asking again while it happens is fine
            _refuse(row, action, allowed, hint)
            row.status, row.status_reason, row.updated_at = target.value, None, now()
            if new_launch:
                row.generation += 1
        wire = to_wire(platform, row)
    platform.wake()
    return wire


def start(platform: Platform, appkey: str, notebook_id: str) -> dict:
    return _transition(
        platform, appkey, notebook_id, "started", NOTEBOOK_STARTABLE, NotebookStatus.START_IN_PROGRESS, True
    )


def stop(platform: Platform, appkey: str, notebook_id: str) -> dict:
    return _transition(
        platform, appkey, notebook_id, "stopped", NOTEBOOK_STOPPABLE, NotebookStatus.STOP_IN_PROGRESS, False
    )


def reboot(platform: Platform, appkey: str, notebook_id: str) -> dict:
    return _transition(
        platform, appkey, notebook_id, "rebooted", NOTEBOOK_REBOOTABLE, NotebookStatus.REBOOT_IN_PROGRESS, True,
        " A stopped notebook is started instead (PUT …/start).",
    )  # fmt: skip


def delete(platform: Platform, appkey: str, notebook_id: str) -> dict:
    """Deleting is asynchronous (DELETE IN PROGRESS); the notebook disappears once its storage is removed."""
    return _transition(
        platform, appkey, notebook_id, "deleted", NOTEBOOK_DELETABLE, NotebookStatus.DELETE_IN_PROGRESS, False,
        " Wait until the task in progress finishes.",
    )  # fmt: skip


def change_flavor(platform: Platform, appkey: str, notebook_id: str, body: NotebookFlavorChange) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, notebook_id)
        if row.status != NotebookStatus.STOPPED.value:
            raise conflict(
                f"Notebook '{row.name}' is {row.status}; stop it first (PUT …/stop): the instance type of a notebook "
                "can be changed only while it is STOPPED."
            )
        catalog = platform.catalog
        flavor = catalog.instance_types.get(body.flavor_id)
        if flavor is None:
            raise invalid("flavorId", f"no instance type with id '{body.flavor_id}'; GET …/flavors lists them")
        current = catalog.instance_types.get(row.config["flavorId"])
        image = catalog.images.get(row.config["imageId"])
        core_type = current.core_type if current else image.core_type_code if image else flavor.core_type
        if flavor.core_type != core_type:
            raise invalid(
                "flavorId",
                f"'{flavor.name}' is a {flavor.core_type} instance type; a notebook's instance type can only change "
                f"to another {core_type} instance type",
            )
        row.config = {**row.config, "flavorId": body.flavor_id}
        row.updated_at = now()
        return to_wire(platform, row)


def monitoring(platform: Platform, appkey: str, notebook_id: str) -> list[dict]:
    with platform.store.session() as session:
        get_row(session, appkey, notebook_id)
        rows = session.scalars(select(UsageRow).where(UsageRow.resource_id == notebook_id).order_by(UsageRow.time))
        return [{"time": wire_time(r.time), "cpuPercent": r.cpu_percent, "memoryBytes": r.memory_bytes} for r in rows]


def status_of(platform: Platform, notebook_id: str) -> tuple[str, str]:
    """(name, status) of a notebook of any appkey, for opening it; a 404 when there is none."""
    with platform.store.session() as session:
        row = session.get(NotebookRow, notebook_id)
        if row is None:
            raise not_found("Notebook", notebook_id)
        return row.name, row.status


def forget(session: Session, row: NotebookRow) -> None:
    """Remove a deleted notebook's records (its storage is the backend's to remove)."""
    session.execute(sql_delete(UsageRow).where(UsageRow.resource_id == row.id))
    session.delete(row)


def open_refusal(name: str, status: str) -> EasyMakerError | None:
    if status in (NotebookStatus.ACTIVE_HEALTHY.value, NotebookStatus.ACTIVE_UNHEALTHY.value):
        return None
    return EasyMakerError(f"Notebook '{name}' is {status}; it can be opened once it is ACTIVE.", 409)


# -- wire --------------------------------------------------------------------------------------------------------------


def to_wire(platform: Platform, row: NotebookRow) -> dict:
    config = row.config
    image = platform.catalog.images.get(config["imageId"])
    flavor = platform.catalog.instance_types.get(config["flavorId"])
    return {
        "notebookId": row.id,
        "notebookName": row.name,
        "notebookStatusCode": row.status,
        "statusReason": row.status_reason,
        "description": row.description,
        "appKey": row.appkey,
        "image": image.to_wire() if image else {"imageId": config["imageId"]},
        "flavor": flavor.to_wire() if flavor else {"id": config["flavorId"]},
        "bootStorageSize": config["bootStorageSize"],
        "dataStorageSize": config["dataStorageSize"],
        "nasList": config["nasList"],
        "tagList": config["tagList"],
        "notebookAccessPath": ACCESS_PATH.format(row.id),
        "createdDatetime": wire_time(row.created_at),
        "updatedDatetime": wire_time(row.updated_at),
        "startedDatetime": wire_time(row.started_at),
        "appliedResources": row.applied_resources,
    }
