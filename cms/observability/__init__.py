"""Seeing what the CMS does in production: request ids, structured logs, Prometheus metrics.

- ``requests``: the request being served (its id, route, GraphQL operation, SQL count), in a
  context variable that follows it onto the execution pool's threads.
- ``middleware``: one ASGI middleware that opens that context, answers with X-Request-ID and
  records the request's metrics (and, when asked, an access-log line).
- ``metrics``: the metric families and the small API other modules count through
  (``cache_hit()``, ``rendition_made()`` ...); correct with several worker processes.
- ``logs``: JSON or console log lines, each with the request id of the request it belongs to.
"""
