"""Delivery: the sender and the channels that carry alerts and reports.

``base`` holds what every channel shares (``Notice``, ``Channel``, the delivery
errors); the validated ``[notify.*]`` and ``[alerts]`` tables are core
(``streamer.notifyconf``), as is the outbox (``streamer.outbox``). The collector
writes alert events (``collectors.alerts``) to the outbox in the cycle that caused
them; a separate job sends them, so a slow or failing channel never delays a cycle.
"""
