"""Deposit bags into repositories: OCFL storage roots and S3 buckets (see run.py and targets.py)."""
