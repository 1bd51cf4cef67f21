"""preserve: package releases as BagIt 1.0 bags with Dublin Core, METS and PREMIS; verify them.

The library API, usable without the CLI::

    import preserve
    result = preserve.bag_collection("seeds", "bags", preserve.BagOptions(algorithms=("sha256",)))
    report = preserve.verify_bag("bags/some-release")
    record = preserve.describe_release(release, config)

Names are imported on first use, so ``import preserve`` stays light.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.2.0"
SOFTWARE_NAME = "preserve"

_EXPORTS = {
    "bag_collection": "pipeline", "bag_release": "pipeline", "BagOptions": "pipeline",
    "verify_bag": "verify.checks", "verify_paths": "verify.checks", "find_bags": "verify.checks",
    "discover": "intake.releases", "load_config": "intake.config", "load_profile": "bag.profiles",
    "describe_release": "describe", "validate_record": "validate.schema",
    "deposit_paths": "deposit.run", "open_target": "deposit.targets",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'preserve' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
