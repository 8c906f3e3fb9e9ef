"""Service insights: what AskIT achieved and what it failed to answer, per council.

Rasa's event broker writes every tracker event (bot/event_broker.py); ``python -m bot.insights
load`` turns them into question and ticket outcomes in the insights store (``store.py``),
incrementally; the figures (``figures.py``) and content gaps (``gaps.py``) read only that store.
"""
