"""The knowledge editors' studio: articles written, tried, reviewed and published in the browser
(docs/editors.md). Drafts, reviews and history live in the back office's database
(bot/studio/store.py); publishing writes the article file into the articles folder, which stays
the source of truth the running bot follows (bot/studio/folder.py). The rules of who may do what,
and when, are bot/studio/workflow.py's; "Try it" and the impact check are bot/studio/trial.py's;
the pages are bot/backoffice/studio.py."""
