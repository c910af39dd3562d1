//! qualys-sim: a stateful simulator of the Qualys connector APIs (being written, issue 3).
