"""Operator's tools over the library: the `tender-ledger` command, the demo and its synthetic
dataset, the batch importer, the centre's tender commands (HTTP clients of the service) and the
benchmarks. `tools` may import `ledger`, `api` and `bidders`; none of them imports `tools`."""
