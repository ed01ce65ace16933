"""Earning: the points an order earns (rates, multipliers, bonuses), posted once, and taken back in
proportion to refunds. `app/orders` decides when; this package decides how much."""
