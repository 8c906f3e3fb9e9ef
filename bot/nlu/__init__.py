"""Custom Rasa NLU components (Rasa environment, Python 3.10)."""
