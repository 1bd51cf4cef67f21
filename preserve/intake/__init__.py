"""What the user hands in: the releases in SOURCE, its preserve.toml and its metadata.csv.

The modules: releases (what a release is, and the walk that finds them), config
(preserve.toml), sheet (the curator sheet metadata.csv), userfiles (the safe read of those
two small files).
"""
