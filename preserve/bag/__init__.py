"""BagIt bags (RFC 8493): written atomically, read without trust, one release bagged at a time.

The modules: tagfiles (the pure text formats), writer (the atomic build), lock (one run per
output folder), reader with view and manifests (safe reading, for verify), options (what a
run is asked and what became of each release), info (a release's bag-info.txt and
fingerprint), release (one release copied, identified, packaged and written).
"""
