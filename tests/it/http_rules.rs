//! HTTP behaviour common to every endpoint.
