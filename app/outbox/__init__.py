"""The outbox: work for Saleor (and later, the shop's systems) written in the same transaction as the
change that needs it, and sent after commit by the worker. Handlers are registered from above."""
