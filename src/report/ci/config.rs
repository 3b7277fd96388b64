//! `.ballast.toml`: ballast's own budget file, and the size and ratio syntax
//! its values (and the budget flags) are written in.

use std::path::Path;

use serde::Deserialize;

use super::Budgets;
use crate::error::{Error, Result};
use crate::vocab::Rule;

use crate::limits::{Limit, parse_assignment};
pub use crate::units::parse_size;

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
    Negative(i64),
    Float(f64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RatioValue {
    Float(f64),
    Text(String),
}

/// Parse a ratio. One rule for flags and `.ballast.toml` alike: a bare
/// number is a fraction from 0 to 1 (`0.9`), a number with `%` a percentage
/// from 0 to 100 (`90%`). A bare number above 1 is an error that suggests
/// the percentage; NaN, infinity and negative values are errors.
pub fn parse_ratio(text: &str) -> std::result::Result<f64, String> {
    let t = text.trim();
    let (num, percent) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    let value: f64 = num.parse().map_err(|_| {
        format!(
            "'{text}' is not a ratio (write a fraction such as 0.9, or a percentage such as 90%)"
        )
    })?;
    checked_ratio(value, percent, text)
}

/// A ratio's value checked by the rule of `parse_ratio`; `shown` is how the
/// user wrote it.
fn checked_ratio(value: f64, percent: bool, shown: &str) -> std::result::Result<f64, String> {
    let (max, unit) = if percent { (100.0, "%") } else { (1.0, "") };
    if !value.is_finite() {
        return Err(format!(
            "'{shown}' is not a ratio (write a fraction such as 0.9, or a percentage such as 90%)"
        ));
    }
    if value < 0.0 {
        return Err(format!(
            "'{shown}' is negative; a ratio is from 0 to {max}{unit}"
        ));
    }
    if value > max {
        return Err(if percent {
            format!("'{shown}' is above 100%")
        } else {
            format!(
                "'{shown}' is above 1: a bare number is a fraction (0.9 is 90 %); \
                 for a percentage write '{value}%'"
            )
        });
    }
    // -0.0 reads as 0.
    Ok(if percent { value / 100.0 } else { value } + 0.0)
}

fn size_of(v: Option<SizeValue>, key: &str, path: &Path) -> Result<Option<u64>> {
    v.map(|v| match v {
        SizeValue::Int(n) => Ok(n),
        SizeValue::Negative(n) => Err(bad_config(
            path,
            key,
            format!("'{n}' is negative; a size is 0 bytes or more"),
        )),
        SizeValue::Float(f) => Err(bad_config(
            path,
            key,
            format!("'{f}' is not a whole number of bytes (write a size such as \"1.5MB\")"),
        )),
        SizeValue::Text(t) => parse_size(&t).map_err(|e| bad_config(path, key, e)),
    })
    .transpose()
}

fn ratio_of(v: Option<RatioValue>, key: &str, path: &Path) -> Result<Option<f64>> {
    v.map(|v| match v {
        RatioValue::Float(f) => {
            checked_ratio(f, false, &f.to_string()).map_err(|e| bad_config(path, key, e))
        }
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
    let limits = match table.remove("limits") {
        Some(toml::Value::Table(t)) => limits_of(t, path)?,
        Some(_) => return Err(bad_config(path, "limits", "expected a [limits] table")),
        None => Vec::new(),
    };
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
        limits,
    })
}

/// `[limits]`: `entries-per-layer = 10000000`, `tar-header = "4MiB"` (the
/// names of `--limit`; `_` may stand for `-`).
fn limits_of(table: toml::Table, path: &Path) -> Result<Vec<(Limit, u64)>> {
    table
        .into_iter()
        .map(|(key, value)| {
            let text = match value {
                toml::Value::Integer(n) => n.to_string(),
                toml::Value::String(s) => s,
                other => other.to_string(),
            };
            let name = key.replace('_', "-");
            parse_assignment(&format!("{name}={text}"))
                .map_err(|e| bad_config(path, &format!("limits.{key}"), e))
        })
        .collect()
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
        assert_eq!(parse_ratio("1"), Ok(1.0));
        assert_eq!(parse_ratio("100%"), Ok(1.0));
        assert_eq!(parse_ratio("0"), Ok(0.0));
    }

    #[test]
    fn a_bare_ratio_above_one_is_an_error_suggesting_a_percentage() {
        // It used to mean 95 %, while 1 meant 100 %.
        let err = parse_ratio("95").unwrap_err();
        assert!(err.contains("'95' is above 1"), "{err}");
        assert!(err.contains("'95%'"), "{err}");
        assert!(parse_ratio("2").unwrap_err().contains("'2%'"));
        assert!(parse_ratio("101%").unwrap_err().contains("above 100%"));
    }

    #[test]
    fn nan_infinite_and_negative_ratios_are_errors() {
        for bad in [
            "NaN", "nan", "inf", "-inf", "infinity", "1e999", "NaN%", "inf%",
        ] {
            let err = parse_ratio(bad).unwrap_err();
            assert!(err.contains("is not a ratio"), "{bad}: {err}");
            assert!(err.contains(bad), "{bad}: {err}");
        }
        for bad in ["-0.1", "-5%"] {
            let err = parse_ratio(bad).unwrap_err();
            assert!(err.contains("negative"), "{bad}: {err}");
        }
        assert_eq!(parse_ratio("-0"), Ok(0.0));
        assert!(parse_ratio("-0").unwrap().is_sign_positive());
    }

    #[test]
    fn an_overflowing_size_is_an_error_naming_the_value() {
        // It used to saturate to 18 EB.
        for bad in [
            "99999999999999999999999999TB",
            "99999999999999999999999999",
            "18446744073709551616",
            "20000000TB",
            "16777216TiB",
            "18446744073709551615.9",
            "99999999999999999999.5GB",
        ] {
            let err = parse_size(bad).unwrap_err();
            assert!(err.contains(&format!("'{bad}' is too large")), "{err}");
        }
        assert_eq!(parse_size("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_size("16777215TiB"), Ok(16_777_215 << 40));
        let err = parse_size("-5MB").unwrap_err();
        assert!(err.contains("'-5MB' is negative"), "{err}");
        for bad in ["NaN", "inf", "1e3MB", "1.2.3MB", "MB", ""] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn toml_budgets_reject_nan_infinite_negative_and_ambiguous_values() {
        let p = Path::new(".ballast.toml");
        for (text, key, says) in [
            ("min_efficiency = nan\n", "min_efficiency", "is not a ratio"),
            ("min_efficiency = inf\n", "min_efficiency", "is not a ratio"),
            (
                "max_wasted_percent = -0.5\n",
                "max_wasted_percent",
                "negative",
            ),
            ("min_efficiency = 95\n", "min_efficiency", "'95%'"),
            (
                "min_efficiency = \"NaN\"\n",
                "min_efficiency",
                "is not a ratio",
            ),
            ("max_size = -5\n", "max_size", "'-5' is negative"),
            ("max_size = 1.5\n", "max_size", "not a whole number"),
            ("max_size = nan\n", "max_size", "not a whole number"),
            (
                "max_size = \"99999999999999999999999999TB\"\n",
                "max_size",
                "too large",
            ),
        ] {
            let err = parse_toml(text, p).unwrap_err().to_string();
            assert!(err.contains(key) && err.contains(says), "{text}: {err}");
        }
    }

    #[test]
    fn toml_budgets_with_or_without_a_table() {
        let p = Path::new(".ballast.toml");
        let b = parse_toml(
            "[budget]\nmax_size = \"150MB\"\nmin_efficiency = \"95%\"\ndeny = [\"secret\"]\n",
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
