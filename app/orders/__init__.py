"""Orders: what Lojal knows of each Saleor order, and the convergence of an order event.

An order event is folded into the order row (flags only turn on, refunds only grow), and the row then
drives earning, reversals and redemption commits: late, repeated and reordered deliveries converge to
the state the newest payload describes instead of being counted."""
