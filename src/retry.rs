//! The retry policy: backoff, budgets and the pure retry decision.
