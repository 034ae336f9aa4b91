"""Benchmarks of the running bot: `python -m bench --out DIR [--quick]` (see bench/__main__.py)."""
