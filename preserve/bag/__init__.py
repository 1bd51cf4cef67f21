"""BagIt bags (RFC 8493): the tag-file formats, written atomically, read without trust.

The modules: tagfiles (the pure text formats), writer (the atomic build), lock (one run per
output folder), reader with view and manifests (safe reading, for verify).
"""
