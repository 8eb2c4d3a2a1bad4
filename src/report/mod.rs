//! Reports: the last step of the pipeline. One model per view, several renderers.

pub mod flows;
