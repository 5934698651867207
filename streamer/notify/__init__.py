"""Alerts and delivery: events the collector raises, an outbox, and the channels.

``base`` holds what every channel shares (``Notice``, ``Channel``, the delivery
errors); ``settings`` the validated ``[notify.*]`` and ``[alerts]`` tables. The
collector writes events to the outbox in the cycle that caused them; a separate
job sends them, so a slow or failing channel never delays a collector cycle.
"""
