"""The E-ARK CSIP information package that forms a bag's payload (``data/``).

model (the facts the builders share), dc, mets and premis (one text builder per document),
xmltext (escaping shared by the builders), build (the whole package, every document validated
offline against the official schemas before anything is written).
"""
