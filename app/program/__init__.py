"""The program: how points are earned and what they are worth (settings, channel rules, multipliers).

A fresh installation gets working defaults, so a store earns points with no set-up. Tiers, expiry,
campaigns, challenges, referrals and memberships belong here as they arrive."""
