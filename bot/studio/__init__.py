"""The knowledge editors' studio: what the back office's editing pages need from the knowledge engine.

``trial``: the "Try it" pane (a question against the live index and against it with a draft) and
the draft's impact on the labelled dev questions.
"""
