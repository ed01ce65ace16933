"""Rewards: the catalog of what points buy (several levels, small and large), and partner code pools."""
