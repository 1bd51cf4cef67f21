"""Where the project's schemas are: installed as ``preserve.schemas``, or a checkout's ``schemas/``.

The top-level ``schemas/`` folder is installed as the package ``preserve.schemas``. When
``preserve`` is imported straight from a source checkout (``python -m preserve`` in the repo,
or PYTHONPATH), that mapping does not exist, so the checkout's folder is used instead.
"""
from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Traversable


def checkout_schemas() -> Path:
    """Where a source checkout keeps the schemas: ``schemas/`` beside the ``preserve/`` package."""
    return Path(__file__).resolve().parents[2] / "schemas"  # preserve/_runtime/resources.py


@lru_cache(maxsize=1)
def schemas_dir() -> "Traversable":
    """The folder holding the JSON Schemas and ``xsd/``."""
    try:
        return files("preserve.schemas")
    except ModuleNotFoundError:
        checkout = checkout_schemas()
        if (checkout / "xsd").is_dir():
            return checkout
        raise
