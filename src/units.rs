//! Units for people: how a byte count is written in every output.
//!
//! A leaf module (it imports nothing from the crate) so that the analysis can
//! write sizes into its advice without depending on the report writers.

/// Bytes for people, one convention everywhere: decimal units, as Docker shows them.
pub fn bytes(n: u64) -> String {
    humansize::format_size(n, humansize::DECIMAL)
}

/// Parse a size as people write it: `150MB` (10^6), `1.2GiB` (2^30), `512k`,
/// `1000` (bytes). Units are go-humanize's, as dive's `.dive-ci` uses them.
/// A negative size, or one above 2^64 - 1 bytes, is an error naming the value.
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let not_a_size = || format!("'{text}' is not a size (try 150MB or 1.2GiB)");
    if num.is_empty() {
        return Err(if t.starts_with('-') {
            format!("'{text}' is negative; a size is 0 bytes or more")
        } else {
            not_a_size()
        });
    }
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        "ki" | "kib" => 1 << 10,
        "mi" | "mib" => 1 << 20,
        "gi" | "gib" => 1 << 30,
        "ti" | "tib" => 1 << 40,
        other => {
            return Err(format!(
                "'{text}': unknown size unit '{other}' (use B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            ));
        }
    };
    let too_large = || {
        format!(
            "'{text}' is too large (the largest size is {} bytes, about 18.4 EB)",
            u64::MAX
        )
    };
    if !num.contains('.') {
        // Whole numbers exactly, so an overflow is seen rather than rounded.
        let n: u64 = num
            .parse()
            .map_err(|e: std::num::ParseIntError| match e.kind() {
                std::num::IntErrorKind::PosOverflow => too_large(),
                _ => not_a_size(),
            })?;
        return n.checked_mul(mult).ok_or_else(too_large);
    }
    // Only digits and dots here: never NaN or infinite, but maybe too large.
    let value: f64 = num.parse().map_err(|_| not_a_size())?;
    let bytes = (value * mult as f64).round();
    if bytes >= 18_446_744_073_709_551_616.0 {
        return Err(too_large());
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimal_units() {
        assert_eq!(super::bytes(0), "0 B");
        assert_eq!(super::bytes(1_500_000), "1.50 MB");
    }
}
