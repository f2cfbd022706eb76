"""Katib's hyperparameter tuning semantics as plain functions: search spaces, suggestions, early stopping, completion.

Nothing here knows the store, HTTP or a backend: the controller feeds it what the store holds, so a tuning's
whole state can be rebuilt from the store after a restart.
"""
