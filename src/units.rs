//! Units for people: how a byte count is written in every output.
//!
//! A leaf module (it imports nothing from the crate) so that the analysis can
//! write sizes into its advice without depending on the report writers.

/// Bytes for people, one convention everywhere: decimal units, as Docker shows them.
pub fn bytes(n: u64) -> String {
    humansize::format_size(n, humansize::DECIMAL)
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimal_units() {
        assert_eq!(super::bytes(0), "0 B");
        assert_eq!(super::bytes(1_500_000), "1.50 MB");
    }
}
