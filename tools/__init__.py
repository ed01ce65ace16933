"""Developer tools run by the Makefile (never imported by the app)."""
