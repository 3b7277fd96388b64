//! `.ballast.toml`: ballast's own budget file, and the size and ratio syntax
//! its values (and the budget flags) are written in.

use std::path::Path;

use serde::Deserialize;

use super::Budgets;
use crate::error::{Error, Result};
use crate::vocab::Rule;

/// `.ballast.toml`: budgets under `[budget]` (or at the top level).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlBudgets {
    max_size: Option<SizeValue>,
    max_layer_size: Option<SizeValue>,
    max_wasted_bytes: Option<SizeValue>,
    max_reclaimable_bytes: Option<SizeValue>,
    max_wasted_percent: Option<RatioValue>,
    min_efficiency: Option<RatioValue>,
    #[serde(default)]
    deny: Vec<String>,
    #[serde(default)]
    ignore_paths: Vec<String>,
    max_growth: Option<SizeValue>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SizeValue {
    Int(u64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RatioValue {
    Float(f64),
    Text(String),
}

/// Parse a size as people write it: `150MB` (10^6), `1.2GiB` (2^30), `512k`,
/// `1000` (bytes). Units are go-humanize's, as dive's `.dive-ci` uses them.
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("'{text}' is not a size (try 150MB or 1.2GiB)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "ki" | "kib" => 1024.0,
        "mi" | "mib" => 1024.0 * 1024.0,
        "gi" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "ti" | "tib" => 1024f64.powi(4),
        other => {
            return Err(format!(
                "'{text}': unknown size unit '{other}' (use B, KB, MB, GB, KiB, MiB, GiB)"
            ));
        }
    };
    Ok((value * mult).round() as u64)
}

/// Parse a ratio: `0.9`, `90%`; a bare number above 1 is a percentage.
pub fn parse_ratio(text: &str) -> std::result::Result<f64, String> {
    let t = text.trim();
    let (num, percent) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("'{text}' is not a ratio (try 0.9 or 90%)"))?;
    Ok(if percent || v > 1.0 { v / 100.0 } else { v })
}

fn size_of(v: Option<SizeValue>, key: &str, path: &Path) -> Result<Option<u64>> {
    v.map(|v| match v {
        SizeValue::Int(n) => Ok(n),
        SizeValue::Text(t) => parse_size(&t).map_err(|e| bad_config(path, key, e)),
    })
    .transpose()
}

fn ratio_of(v: Option<RatioValue>, key: &str, path: &Path) -> Result<Option<f64>> {
    v.map(|v| match v {
        RatioValue::Float(f) => Ok(if f > 1.0 { f / 100.0 } else { f }),
        RatioValue::Text(t) => parse_ratio(&t).map_err(|e| bad_config(path, key, e)),
    })
    .transpose()
}

/// Rule ids as a file names them: an unknown one is an error naming the
/// file, the key and the valid ids.
fn rules_of(ids: Vec<String>, key: &str, path: &Path) -> Result<Vec<Rule>> {
    ids.iter()
        .map(|id| id.parse().map_err(|e| bad_config(path, key, e)))
        .collect()
}

pub(super) fn bad_config(path: &Path, key: &str, reason: impl std::fmt::Display) -> Error {
    Error::Usage(format!("'{}': {key}: {reason}", path.display()))
}

pub(super) fn parse_toml(text: &str, path: &Path) -> Result<Budgets> {
    let mut table: toml::Table =
        toml::from_str(text).map_err(|e| bad_config(path, "syntax", e.message().to_string()))?;
    // Budgets under `[budget]`, or at the top level of the file.
    let chosen = match table.remove("budget") {
        Some(toml::Value::Table(t)) if table.is_empty() => t,
        Some(_) => return Err(bad_config(path, "budget", "expected only a [budget] table")),
        None => table,
    };
    let b: TomlBudgets = toml::Value::Table(chosen)
        .try_into()
        .map_err(|e: toml::de::Error| bad_config(path, "budget", e.message().to_string()))?;
    Ok(Budgets {
        max_size: size_of(b.max_size, "max_size", path)?,
        max_layer_size: size_of(b.max_layer_size, "max_layer_size", path)?,
        max_wasted_bytes: size_of(b.max_wasted_bytes, "max_wasted_bytes", path)?,
        max_reclaimable_bytes: size_of(b.max_reclaimable_bytes, "max_reclaimable_bytes", path)?,
        max_wasted_percent: ratio_of(b.max_wasted_percent, "max_wasted_percent", path)?,
        min_efficiency: ratio_of(b.min_efficiency, "min_efficiency", path)?,
        deny: rules_of(b.deny, "deny", path)?,
        ignore_paths: b.ignore_paths,
        max_growth: size_of(b.max_growth, "max_growth", path)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_ratios_parse_like_dive() {
        assert_eq!(parse_size("150MB"), Ok(150_000_000));
        assert_eq!(parse_size("1.2GiB"), Ok(1_288_490_189));
        assert_eq!(parse_size("20 mb"), Ok(20_000_000));
        assert_eq!(parse_size("512k"), Ok(512_000));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("ten").is_err());
        assert!(
            parse_size("5 parsecs")
                .unwrap_err()
                .contains("unknown size unit")
        );
        assert_eq!(parse_ratio("0.9"), Ok(0.9));
        assert_eq!(parse_ratio("90%"), Ok(0.9));
        assert_eq!(parse_ratio("95"), Ok(0.95));
    }

    #[test]
    fn toml_budgets_with_or_without_a_table() {
        let p = Path::new(".ballast.toml");
        let b = parse_toml(
            "[budget]\nmax_size = \"150MB\"\nmin_efficiency = 95\ndeny = [\"secret\"]\n",
            p,
        )
        .unwrap();
        assert_eq!(
            (b.max_size, b.min_efficiency, b.deny.clone()),
            (Some(150_000_000), Some(0.95), vec![Rule::Secret])
        );
        let b = parse_toml("max_layer_size = 1000\nmax_wasted_percent = \"5%\"\n", p).unwrap();
        assert_eq!(
            (b.max_layer_size, b.max_wasted_percent),
            (Some(1000), Some(0.05))
        );
        let err = parse_toml("[budget]\nmax_sise = 1\n", p).unwrap_err();
        assert!(err.to_string().contains("max_sise"), "{err}");
    }

    #[test]
    fn an_unknown_denied_rule_names_the_file_the_key_and_the_valid_ids() {
        let err = parse_toml("deny = [\"secrets\"]\n", Path::new("ci/.ballast.toml")).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("ci/.ballast.toml"), "{text}");
        assert!(text.contains("deny"), "{text}");
        assert!(text.contains("unknown rule 'secrets'"), "{text}");
        assert!(text.contains("secret, root-user"), "{text}");
    }
}
