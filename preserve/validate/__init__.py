"""Checking Dublin Core records against the deposit schema (schemas/dublin-core.schema.json).

schema (one record: every problem as data), collection (every record of a SOURCE, as
``preserve validate`` reports them), _compiled (the schema compiled to Python; generated).
"""
