"""Earning: program settings, the points an order earns, bonuses, and reversals on refunds.

Orders converge: each order row keeps what it earned and what was reversed, and every event moves it
to the state its payload describes, so late, repeated and reordered deliveries need no special cases.
"""
