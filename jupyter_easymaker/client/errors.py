"""What the client raises. Catch `ClientError` to catch them all."""

from __future__ import annotations


class ClientError(Exception):
    """Base of every error the client raises."""


class ServerNotFound(ClientError):
    """No Jupyter server with the EasyMaker API could be found or reached."""


class UnknownName(ClientError, ValueError):
    """A name (image, flavor, training …) that matches nothing; the message lists what exists."""


class ApiError(ClientError):
    """The API refused a request. `str()` is the server's message; `errors` names each wrong field."""

    def __init__(self, status: int, message: str, errors: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors: list[dict] = list(errors or [])

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"ApiError(status={self.status}, message={self.message!r}, errors={self.errors!r})"

    @property
    def fields(self) -> list[str]:
        """The names of the fields the server found wrong, e.g. ['imageId', 'entryPoint']."""
        return [e.get("field", "") for e in self.errors]
