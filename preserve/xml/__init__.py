"""XML without trust: hardened parsing (safe) and offline validation against the shipped schemas (schemas)."""
