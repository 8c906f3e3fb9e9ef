"""Known incidents: an outage declared once, matched against staff's messages before the knowledge base."""
