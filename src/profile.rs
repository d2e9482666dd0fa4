//! Provider profiles: what each provider accepts, rejects and limits.
