"""Proving bags intact: every check returns problems with stable codes; nothing here writes a bag.

checks (levels, one bag or many), bag (the BagIt checks: completeness, fixity, bag-info),
package (METS, PREMIS and DC inside the payload), report (text, JSON and the audit log).
"""
