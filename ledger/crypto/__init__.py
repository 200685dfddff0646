"""Every id, hash, commitment, signature scheme and cipher the ledger computes, each in one place.

Each id or hash the contracts also compute has an agreement test against the contract.
"""
