"""Background work: the outbox worker (calls to Saleor that must survive a crash) and scheduled jobs."""
