"""How long tests wait: bounds on waits for conditions, never sleeps."""

POLL_S = 0.05  # a server loop's select timeout, so it notices its stop flag
JOIN_S = 5.0  # a helper thread's join
WAIT_S = 30.0  # the longest a test waits for something the engine must do
EVENT_WAIT_S = 15.0  # the default wait for an event
THREAD_EXIT_GRACE_S = 5.0  # after a test, for its threads to finish
