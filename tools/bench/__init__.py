"""`tender-ledger bench AREA`: one module per area (chain, registry, bids, guarantees), each
returning one flat dict of figures whose keys name the figure and its unit."""
