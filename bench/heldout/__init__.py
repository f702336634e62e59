"""The held-out recognition set (see generate.py)."""
