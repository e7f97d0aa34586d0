"""The load generator (`--load`): spec-exact notifications sent open-loop at a steady rate
(`runner`), with bodies made by the spec's payload code (`bodies`), latencies kept in
log-linear buckets (`histogram`) and the words on stderr (`report`); `locustfile` sends the
same notifications from Locust's workers, for rates past one machine."""
