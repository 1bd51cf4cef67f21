"""preserve: package releases as BagIt 1.0 bags with Dublin Core, METS and PREMIS; verify them."""
from __future__ import annotations

__version__ = "0.1.0"
SOFTWARE_NAME = "preserve"
