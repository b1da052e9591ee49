//! What the benchmark examples share.

pub mod load;
