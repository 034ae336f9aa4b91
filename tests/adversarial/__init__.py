"""The adversarial suite's corpus (corpus.py) and its judges (checks.py); tests/e2e/test_adversarial.py plays it."""
