"""Model objects as the JSON the API answers with: one module per area (credentials, tenders, guarantees, chain)."""
