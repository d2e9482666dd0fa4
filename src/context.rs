//! Context management: token estimates and history trimming.
