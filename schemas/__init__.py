"""Project schemas, installed as the ``preserve.schemas`` package data (JSON Schemas and official XSDs)."""
