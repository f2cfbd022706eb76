"""Errors every layer raises; the API turns them into the SDK's envelope."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    field: str
    message: str

    def to_wire(self) -> dict:
        return {"field": self.field, "message": self.message}


@dataclass
class EasyMakerError(Exception):
    """A refusal the user can act on. `status` is the HTTP status the API answers with."""

    message: str
    status: int = 400
    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


def invalid(field_name: str, message: str) -> EasyMakerError:
    """A 400 naming the one field that is wrong."""
    return EasyMakerError(f"{field_name}: {message}", 400, [FieldError(field_name, message)])


def invalid_fields(errors: list[FieldError]) -> EasyMakerError:
    summary = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return EasyMakerError(summary, 400, errors)


def not_found(kind: str, ident: str) -> EasyMakerError:
    return EasyMakerError(f"{kind} '{ident}' does not exist.", 404)


def conflict(message: str) -> EasyMakerError:
    return EasyMakerError(message, 409)
