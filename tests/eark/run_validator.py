"""Run eark-validator 1.1.3 on one information package folder, offline; print its JSON report.

Runs inside .ci/eark-venv (see setup_venv.sh). eark-validator downloads four CSIP vocabularies
when it is imported; before importing it, ``urllib.request.urlopen`` is replaced so those four
URLs are served from the copies the validator ships, and every other URL raises. Sockets are
blocked as well. Usage: python run_validator.py PACKAGE_DIR [SPEC_VERSION]
Output: the report as one JSON object on stdout. Exit code 0 when a report was produced
(whatever it says), 2 on usage errors.
"""
from __future__ import annotations

import io
import socket
import sys
import urllib.request
from importlib.util import find_spec
from pathlib import Path

VOCAB_BASE = "https://earkcsip.dilcis.eu/schema/"
VOCABS = ("CSIPVocabularyContentCategory.xml", "CSIPVocabularyContentInformationType.xml",
          "CSIPVocabularyOAISPackageType.xml", "CSIPVocabularyStatus.xml")


def _vocab_dir() -> Path:
    spec = find_spec("eark_validator")
    if spec is None or spec.origin is None:
        raise SystemExit("eark_validator is not installed in this interpreter")
    return Path(spec.origin).parent / "ipxml" / "resources" / "vocabs"


def _offline_urlopen(url, *args, **kwargs):
    url = getattr(url, "full_url", url)
    name = str(url)[len(VOCAB_BASE):] if str(url).startswith(VOCAB_BASE) else None
    if name in VOCABS:
        return io.BytesIO((_vocab_dir() / name).read_bytes())
    raise OSError(f"network access blocked: {url}")


def _no_socket(*args, **kwargs):
    raise OSError("network access blocked")


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    urllib.request.urlopen = _offline_urlopen
    socket.socket.connect = _no_socket  # type: ignore[method-assign]
    socket.create_connection = _no_socket  # type: ignore[assignment]

    from eark_validator import packages
    from eark_validator.specifications.specification import SpecificationVersion

    version = SpecificationVersion(argv[2]) if len(argv) == 3 else SpecificationVersion.V2_1_0
    report = packages.PackageValidator(Path(argv[1]), version).validation_report
    print(report.model_dump_json())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
