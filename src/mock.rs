//! The bundled simulated provider behind `llmwire mock`.
