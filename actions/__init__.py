"""Rasa custom actions. Thin: read the tracker, call bot.knowledge or bot.servicedesk, utter.

rasa-sdk imports every module here and instantiates every concrete Action subclass.
"""
