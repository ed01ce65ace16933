"""Jobs: the worker that sends the outbox (composing each kind's handler from the domain) and runs the
scheduled jobs, and the doctor. This is the top of the stack, beside the HTTP layer."""
