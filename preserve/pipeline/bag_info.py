"""What a release's bag-info.txt says: its fields, and the fingerprint that lets a rerun skip an identical bag."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Sequence

from preserve import SOFTWARE_NAME, __version__
from preserve.pipeline.options import DEFAULT_IDENTIFY, BagOptions
from preserve.bag.reader import read_bag_info
from preserve.bag.tagfiles import EMPTY_DIR_FIELD, FINGERPRINT_FIELD, encode_path, field_values
from preserve.fixity import Fixity
from preserve.intake.config import CollectionConfig
from preserve.intake.releases import Release
from preserve.package.model import content_path, in_payload
from preserve.record import Record, is_placeholder


def fingerprint(release: Release, fixities: Sequence[Fixity], config: CollectionConfig,
                options: BagOptions, metadata: object = None) -> str:
    """A digest of everything a bag is made from (source bytes, names, metadata, options), not of time."""
    doc = {
        "release": release.id, "name": release.name,
        # (each file's digests are sorted by algorithm as dumps sorts every key)
        "files": [[f.relpath, fx.size, dict(fx.digests)] for f, fx in zip(release.files, fixities)],
        "empty_dirs": list(release.empty_dirs), "config": config.as_dict(), "metadata": metadata,
        "algorithms": list(options.algorithms), "package_type": options.package_type,
    }
    if options.identify != DEFAULT_IDENTIFY:  # absent for the default: fingerprints already in bags still match
        doc["identify"] = options.identify
    if options.serialize:
        doc["serialize"] = options.serialize
    if options.profile is not None:
        doc["profile"] = options.profile.identifier  # type: ignore[union-attr]
    blob = json.dumps(doc, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def existing_fingerprint(bag: Path) -> str | None:
    """The fingerprint recorded in an existing bag's bag-info.txt (a folder or a serialized bag), if any."""
    values = field_values(read_bag_info(bag), FINGERPRINT_FIELD)
    return values[0] if values else None


def real_title(record: Record) -> str | None:
    """The record's title, unless it is only the "[Untitled]" placeholder."""
    return next((v.value for v in record.elements.get("title", []) if not is_placeholder(v)), None)


def external_description(record: Record, limit: int = 200) -> str | None:
    """A short one-line description for bag-info.txt: the title, else the description."""
    title = real_title(record)
    text = " ".join((title or record.first("description") or "").split())
    if not text:
        return None
    date = record.first("date")
    text = f"{text} ({date})" if date else text
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bag_info_fields(release: Release, config: CollectionConfig, created: datetime,
                    record: Record | None = None) -> list[tuple[str, str]]:
    """bag-info.txt's standard fields (RFC 8493 §2.2.2), before Payload-Oxum, which the writer adds."""
    fields = list(config.bag_info().items())
    if record is not None:
        fields.append(("External-Identifier", record.first("identifier") or release.id))
        description = external_description(record)
        if description:
            fields.append(("External-Description", description))
    fields += [
        ("Internal-Sender-Identifier", release.name),
        ("Bagging-Date", created.date().isoformat()),
        ("Bag-Software-Agent", f"{SOFTWARE_NAME} {__version__}"),
    ]
    return fields


def preserve_fields(release: Release, fingerprint_value: str) -> list[tuple[str, str]]:
    """preserve's own bag-info.txt fields: the release's empty folders (manifests cannot list them), the fingerprint."""
    fields = [(EMPTY_DIR_FIELD, encode_path("data/" + in_payload(release.id, content_path(d)))) for d in release.empty_dirs]
    fields.append((FINGERPRINT_FIELD, fingerprint_value))
    return fields
