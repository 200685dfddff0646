"""The off-chain store: SQLModel tables, the event journal and its projections, uploaded documents.

Everything here is a cache of the chain: `journal.Store` journals every contract event once and
projects it into the tables the API reads; `documents` holds the files whose hashes are on chain.
Dropping every table and replaying the chain with the documents rebuilds the same rows.
"""
