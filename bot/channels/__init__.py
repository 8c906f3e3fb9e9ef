"""Rasa input channels (Rasa environment, Python 3.10): they verify who is talking and
translate each channel's payloads. Never imports faiss, torch or rasa-sdk."""
