"""Rasa NLU components (run inside the Rasa venv: numpy, scikit-learn, sentence-transformers only)."""
