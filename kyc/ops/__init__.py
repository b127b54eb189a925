"""What an operator needs to run the product: health probes, Prometheus metrics, worker heartbeat, JSON logs.

An outer layer: it reads what the core records and never writes to it.
"""
