"""Peak memory of `preserve bag` (and `preserve verify`) against file size: it must stay flat.

For each size a fresh SOURCE holds one release whose payload is a sparse file of that size
(made with truncate: no disk space for the source, but every byte is read, hashed and copied).
Each run is a fresh subprocess; its peak RSS comes from os.wait4 (ru_maxrss of that child).

    python benchmarks/bench_memory.py                      # 10M,100M,1G,10G
    python benchmarks/bench_memory.py --sizes 10M,1G --dir /var/tmp --layout single

--layout folder (default): a folder release with a short main text and the large payload.bin.
--layout single: the large file is the release itself (its main document), described through
metadata.csv. --layout pdf: the release is a PDF of that size (one page of text and a large
stream), described by the PDF describer. --layout video: the release is an MP4 of that size (an
ftyp header, the rest sparse), described from its tags. Exits 1 when any peak reaches --limit
(default 200 MiB).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
RIGHTS = 'rights = "Public domain (CC0 1.0)"\nlanguage = "en"\n'
MAIN = "Memory benchmark\n\nIssued 3 March 2017 by Example Org.\n\nA large payload follows.\n"


def parse_size(text: str) -> int:
    text = text.strip().upper().rstrip("IB").rstrip("B")
    return int(float(text[:-1]) * UNITS[text[-1]]) if text[-1] in UNITS else int(text)


def human(n: int) -> str:
    for unit in ("GiB", "MiB", "KiB"):
        size = UNITS[unit[0]]
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} B"


def write_large_pdf(path: Path, size: int) -> None:
    """A PDF of about ``size`` bytes: one page of text and one large (sparse) stream object."""
    text = b"BT /F1 12 Tf 72 720 Td (Memory benchmark: a large PDF) Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    big = max(size - 1024, 0)
    with open(path, "wb") as f:
        f.write(b"%PDF-1.7\n")
        offsets = []
        for number, body in enumerate(objects, 1):
            offsets.append(f.tell())
            f.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
        offsets.append(f.tell())
        f.write(b"6 0 obj\n<< /Length %d >>\nstream\n" % big)
        f.seek(big, os.SEEK_CUR)  # a hole: no disk for the stream's bytes
        f.write(b"\nendstream\nendobj\n")
        xref = f.tell()
        f.write(b"xref\n0 7\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets))
        f.write(b"trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)


def write_large_video(path: Path, size: int) -> None:
    """An MP4 of ``size`` bytes: its ftyp box, then a hole (sparse)."""
    with open(path, "wb") as f:
        f.write(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")
        f.truncate(size)


def make_source(root: Path, size: int, layout: str) -> Path:
    src = root / "src"
    src.mkdir()
    (src / "preserve.toml").write_text(RIGHTS, encoding="utf-8")
    if layout == "pdf":
        write_large_pdf(src / "report.pdf", size)
        return src
    if layout == "video":
        write_large_video(src / "interview.mp4", size)
        return src
    if layout == "folder":
        (src / "release").mkdir()
        (src / "release" / "main.txt").write_text(MAIN, encoding="utf-8")
        big = src / "release" / "payload.bin"
    else:
        big = src / "payload.bin"
        (src / "metadata.csv").write_text("filename,dc.title,dc.language,dc.type\n"
                                          "payload.bin,Memory benchmark payload,zxx,Dataset\n", encoding="utf-8")
    with open(big, "wb") as f:
        f.truncate(size)
    return src


def measure(args: list[str]) -> tuple[int, float, int, str]:
    """(exit code, seconds, peak RSS in bytes, stderr) of one fresh `python -m preserve ...`."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "preserve", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    return proc.returncode, time.monotonic() - started, usage.ru_maxrss * 1024, stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10M,100M,1G,10G", help="comma-separated sizes (K, M, G suffixes)")
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where to make the sources and bags")
    parser.add_argument("--layout", choices=("folder", "single", "pdf", "video"), default="folder")
    parser.add_argument("--limit", default="200M", help="peak RSS that fails the benchmark")
    parser.add_argument("--no-verify", action="store_true", help="measure bag only")
    opts = parser.parse_args(argv)
    sizes = [parse_size(s) for s in opts.sizes.split(",") if s.strip()]
    limit = parse_size(opts.limit)
    need = max(sizes) * 1.05
    free = shutil.disk_usage(opts.dir).free
    if free < need:
        print(f"not enough space in {opts.dir}: {human(free)} free, {human(int(need))} needed for the copy")
        return 2
    rows = []
    print(f"{'file size':>10} | {'bag peak RSS':>12} | {'bag time':>8} | {'verify peak RSS':>15} | {'verify time':>11}")
    print(f"{'-' * 10}-|-{'-' * 12}-|-{'-' * 8}-|-{'-' * 15}-|-{'-' * 11}")
    failed = False
    for size in sizes:
        root = Path(tempfile.mkdtemp(prefix="preserve-bench-", dir=opts.dir))
        try:
            src = make_source(root, size, opts.layout)
            code, secs, peak, err = measure(["bag", str(src), "--out", str(root / "bags"), "--quiet"])
            if code != 0:
                print(f"bag failed (exit {code}): {err.strip()}")
                return 1
            vcode, vsecs, vpeak = 0, 0.0, 0
            if not opts.no_verify:
                vcode, vsecs, vpeak, verr = measure(["verify", str(root / "bags"), "--quiet"])
                if vcode != 0:
                    print(f"verify failed (exit {vcode}): {verr.strip()}")
                    return 1
            rows.append((size, peak, secs, vpeak, vsecs))
            failed |= peak >= limit or vpeak >= limit
            print(f"{human(size):>10} | {peak / (1 << 20):>8.1f} MiB | {secs:>7.1f}s | "
                  f"{vpeak / (1 << 20):>11.1f} MiB | {vsecs:>10.1f}s", flush=True)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    peaks = [r[1] for r in rows] + [r[3] for r in rows if r[3]]
    print(f"\nlayout {opts.layout}; peak RSS from {min(peaks) / (1 << 20):.1f} to {max(peaks) / (1 << 20):.1f} MiB; "
          f"limit {human(limit)}: {'FAILED' if failed else 'ok'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
