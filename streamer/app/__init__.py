"""The application: the CLI, the daemon, the Prometheus endpoint, publish and the demos.

Only this package wires the features (collectors, schedules, reports, notify) together.
"""
