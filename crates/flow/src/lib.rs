//! Flow model, primitives, aggregation cache and output encodings.
