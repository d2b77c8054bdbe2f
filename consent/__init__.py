"""The consent ledger and the gate: nothing is processed for a meeting until every participant has consented."""
