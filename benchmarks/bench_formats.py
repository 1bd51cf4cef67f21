"""CPU cost of describing one document of each format: a 20-page text PDF, a 1 MB Word file, ...

Each file is written once with the writers the tests use (tests/helpers), then described
``--repeat`` times in this process by :func:`preserve.describe.files.describe_file` (the same call
`preserve bag` makes for a release's main document); the table gives CPU milliseconds per
describe (time.process_time, the first run excluded: it loads the language model and the
gazetteer). Budget (issue 18): a few tens of milliseconds for the 20-page PDF and the 1 MB DOCX.

    python benchmarks/bench_formats.py               # every format, 20 runs each
    python benchmarks/bench_formats.py --repeat 50
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the fixture writers the tests use

from helpers.media_files import exif_bytes, write_eml, write_jpeg, write_mp3, write_table  # noqa: E402
from helpers.office_files import write_large_docx  # noqa: E402
from helpers.pdfs import write_pdf  # noqa: E402

from preserve.describe.files import describe_file  # noqa: E402
from preserve.intake.releases import discover  # noqa: E402

PAGE = ("The Riverside Water Trust reports on the wells it built and repaired this year in the "
        "villages of the Eastwick valley, with the committees that look after them. ") * 12


def make_files(folder: Path) -> dict[str, str]:
    """Write one file per case; case name -> file name."""
    pages = [f"Annual report, page {n}\n\n{PAGE}" for n in range(1, 21)]
    pages[0] = "Annual report 2015\n\nEastwick, 14 March 2016 - " + PAGE
    write_pdf(folder / "report.pdf", pages, info={"Title": "Annual report 2015", "Author": "Riverside Water Trust"})
    write_large_docx(folder / "statement.docx", size=1 << 20)
    write_eml(folder / "release.eml")
    write_jpeg(folder / "photo.jpg", size=(1600, 1200),
               exif=exif_bytes(description="A new well", date_original="2016:03:11 10:00:00"))
    write_mp3(folder / "interview.mp3", {"TIT2": "Interview", "TPE1": "Riverside Water Trust"}, seconds=60)
    write_table(folder / "figures.csv", rows=[["Kisumu", f"KE-{n:03}", "112.5", "24.1", "2016-02-01"]
                                              for n in range(5000)])
    return {"20-page text PDF": "report.pdf", "1 MB Word (DOCX)": "statement.docx", "e-mail (.eml)": "release.eml",
            "JPEG 1600x1200 with EXIF": "photo.jpg", "MP3, 60 s, ID3": "interview.mp3",
            "CSV, 5,000 rows": "figures.csv"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="describes per format (default 20)")
    opts = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="preserve-bench-formats-") as tmp:
        folder = Path(tmp)
        cases = make_files(folder)
        files = {r.name: r.files[0] for r in discover(folder).releases}
        print("| document | size | CPU ms per describe |")
        print("|---|---:|---:|")
        for case, name in cases.items():
            release_file = files[name]
            describe_file(release_file)  # first run: models, gazetteer, imports
            start = time.process_time()
            for _ in range(opts.repeat):
                describe_file(release_file)
            per = (time.process_time() - start) / opts.repeat * 1000
            print(f"| {case} | {release_file.size:,} B | {per:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
