"""Which file of a release is its main document, the one its Dublin Core is drafted from.

A single-file release is its own main document. A folder's is, in this order: the file the
curator names (metadata.csv column ``preserve.main_document``); its only document (text,
Markdown, HTML, PDF, word processing, e-mail); the only one at the top of the folder; the
only one there that is not an accompanying document by its name (a cover letter, a read-me,
a transmittal note). Otherwise there is none, and the record asks the curator to name it.
"""
from __future__ import annotations

import re
from typing import Mapping, Sequence

from preserve.describe.files import TEXT_EXT, file_format
from preserve.describe.kinds import ext_of
from preserve.intake.releases import Release, ReleaseFile

MAIN_DOCUMENT_COLUMN = "preserve.main_document"
#: extensions of formats a folder's main document may have besides text (PDF, word processing,
#: e-mail): the main document is chosen among these and the text documents
DOCUMENT_EXT = frozenset({".pdf", ".docx", ".odt", ".rtf", ".doc", ".eml", ".fodt"})
#: names of documents that accompany the main one rather than being it
_ACCOMPANYING = re.compile(r"(^|[^a-z])(cover(ing)?[ _.-]*(letter|note|sheet|page)|read[ _.-]*me|transmittal|"
                           r"manifest|contents)([^a-z]|$)", re.I)


def may_analyse_text(releases: Sequence[Release], sheet: Mapping[str, Mapping[str, list[str]]]) -> bool:
    """Whether describing these releases may analyse a text document (what the models are for).

    False only when every release is a folder whose main document can only be a document by
    its name (no curator choice, no file without an extension) and no file has a text or
    document extension. A hint, for :func:`preload`: a wrong answer costs time, never a result, as the
    models load on first use anyway.
    """
    for release in releases:
        if not release.is_dir or (sheet.get(release.name) or {}).get(MAIN_DOCUMENT_COLUMN):
            return True  # choose_main takes the single file, or the curator's choice
        if any(_may_be_text(f) or ext_of(f.relpath) in DOCUMENT_EXT for f in release.files):
            return True
    return False


def _may_be_text(f: ReleaseFile) -> bool:
    """Whether f may be a text document by its name: a text extension, or none (its bytes decide)."""
    ext = ext_of(f.relpath)
    return not ext or ext in TEXT_EXT


def _is_text_document(f: ReleaseFile) -> bool:
    """A text document of a folder: a text extension, or no extension and text bytes."""
    return _may_be_text(f) and (ext_of(f.relpath) in TEXT_EXT or file_format(f).startswith("text/"))


def _is_document(f: ReleaseFile) -> bool:
    """A document of a folder: a text document, or a PDF, word-processing or e-mail file."""
    return ext_of(f.relpath) in DOCUMENT_EXT or _is_text_document(f)


def choose_main(release: Release, named: str | None) -> tuple[ReleaseFile | None, str]:
    """The main document of a release and how it was chosen.

    A folder's main document is, in this order: the file the curator names; its only document
    (text, Markdown, HTML, PDF, word processing, e-mail); the only one at the top of the folder;
    the only one there that is not an accompanying document by its name (a cover letter, a
    read-me, a transmittal note). Otherwise none: the curator names it.
    """
    if not release.is_dir:
        return (release.files[0] if release.files else None), "the release is a single file"
    if named:
        for f in release.files:
            if f.relpath == named:
                return f, "named by the curator (metadata.csv)"
        return None, f"the curator named {named!r}, which is not a file of this release"
    documents = [f for f in release.files if _is_document(f)]
    if len(documents) == 1:
        return documents[0], f"the only {_noun(documents)} in the folder"
    top = [f for f in documents if "/" not in f.relpath]
    if len(top) == 1:
        return top[0], f"the only {_noun(documents)} at the top of the folder (the others are in sub-folders)"
    principal = [f for f in (top or documents) if not _ACCOMPANYING.search(f.relpath.rsplit("/", 1)[-1])]
    if len(principal) == 1 and len(top or documents) > 1:
        others = ", ".join(f.relpath for f in (top or documents) if f is not principal[0])
        return principal[0], f"the only document that is not an accompanying one by its name ({others})"
    if not documents:
        return None, "the folder holds no document (text, PDF, word processing or e-mail)"
    names = ", ".join(f.relpath for f in documents[:6])
    return None, (f"the folder holds {len(documents)} documents ({names}); name the main one "
                  f"in metadata.csv column {MAIN_DOCUMENT_COLUMN}")


def _noun(documents: Sequence[ReleaseFile]) -> str:
    """'text document' when every candidate is text (as preserve always said), else 'document'."""
    return "text document" if all(ext_of(f.relpath) not in DOCUMENT_EXT for f in documents) else "document"
