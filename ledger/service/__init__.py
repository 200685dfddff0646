"""Use cases: what the API and the command line ask the ledger to do.

Each use case takes its ports (a gateway per contract, abstract stores) and returns model
objects; nothing here knows HTTP, SQL or ABI.
"""
