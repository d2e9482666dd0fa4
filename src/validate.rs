//! Local request validation and safe repair, per provider profile.
