"""Known incidents from where the desk already records them, polled by the action server:
a Statuspage page's unresolved incidents and ServiceNow's major incidents.

``config.py`` reads knowledge_base/incident_feeds.yml (which feeds, how often, which councils and
staff questions their incidents get), ``base.py`` holds what every feed gives (its incidents, the
entries it could not read), ``statuspage.py`` and ``servicenow.py`` read one format each, and
``poller.py`` writes what a feed says into the incident store, keeping the last known state while a
feed is down. The modules use the service desks' HTTP client: the action server imports them, and
importing this package alone loads none of them.
"""
