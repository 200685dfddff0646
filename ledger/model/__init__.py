"""The ledger's domain model: one plain typed class per concept, the only shapes the layers pass.

No chain, HTTP or SQL here: the chain gateways build these from calls and logs, the services
return them, and the API's views turn them into JSON.
"""
