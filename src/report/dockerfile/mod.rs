//! The Dockerfile side of the reports: lint findings and the build-cache
//! simulation written as text and markdown. The data comes from
//! `crate::dockerfile`; only the writing is here.

pub mod cache;
pub mod lint;
#[cfg(test)]
mod tests;
