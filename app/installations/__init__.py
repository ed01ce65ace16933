"""Installations: one per Saleor store that installed Lojal. Every tenant row hangs off one."""
