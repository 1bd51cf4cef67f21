"""Checking Dublin Core records at two levels: wrong values, and what deposit still needs.

schema (the wrong values: what schemas/dublin-core.schema.json rejects), deposit (what a record
lacks for deposit, and both levels of one record), collection (every record of a SOURCE, as
``preserve validate`` reports them), _compiled (the schema compiled to Python; generated).
"""
