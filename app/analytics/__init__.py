"""Analytics: the KPIs owners track, from the ledger, the order rows and the members."""
