"""The local backend: each workload runs under a detached runner process on this machine."""

from .backend import LocalBackend

__all__ = ["LocalBackend"]
