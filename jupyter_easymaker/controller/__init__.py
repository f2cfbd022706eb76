"""The reconcile loop: moves each resource through its lifecycle via a backend. No HTTP here."""

from .reconciler import Controller

__all__ = ["Controller"]
