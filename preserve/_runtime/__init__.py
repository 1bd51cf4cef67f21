"""Process plumbing a reader of the pipeline may skip.

workers (independent tasks in worker processes, results in order), interrupts (Ctrl-C and SIGTERM
held back or raised again where Python cannot raise them), libc (the few Linux calls os lacks),
cache (per-user data derived from installed packages), resources (where the shipped schemas are).
"""
