//! dive's `.dive-ci`, read with dive's meanings so a team switching from
//! `dive --ci` gets the same verdict from the same file.

use std::path::Path;

use super::Budgets;
use super::config::{bad_config, parse_size};
use crate::error::Result;

/// dive's defaults when it runs with `CI=true` and no `.dive-ci`.
pub fn dive_defaults() -> Budgets {
    Budgets {
        min_efficiency: Some(0.9),
        max_wasted_percent: Some(0.1),
        ..Budgets::default()
    }
}

/// dive's `.dive-ci` (YAML with a `rules:` map), with dive's meanings: a missing
/// key keeps dive's default, `disabled` turns the rule off.
pub(super) fn parse_dive_ci(text: &str, path: &Path) -> Result<Budgets> {
    let mut b = dive_defaults();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim().trim_matches(['"', '\'']));
        if value.is_empty() {
            continue;
        }
        let disabled = value.eq_ignore_ascii_case("disabled");
        // dive calls a ratio outside 0..1 misconfigured and gives no verdict.
        let ratio = |v: &str| -> Result<f64> {
            match v.parse::<f64>() {
                Ok(r) if (0.0..=1.0).contains(&r) => Ok(r + 0.0),
                Ok(r) if r.is_nan() => Err(bad_config(path, key, format!("'{v}' is not a number"))),
                Ok(_) => Err(bad_config(
                    path,
                    key,
                    format!("'{v}' is outside 0..1 (dive's rules take ratios)"),
                )),
                Err(_) => Err(bad_config(path, key, format!("'{v}' is not a number"))),
            }
        };
        match key {
            "lowestEfficiency" => {
                b.min_efficiency = if disabled { None } else { Some(ratio(value)?) };
            }
            "highestWastedBytes" => {
                b.max_wasted_bytes = if disabled {
                    None
                } else {
                    Some(parse_size(value).map_err(|e| bad_config(path, key, e))?)
                };
            }
            "highestUserWastedPercent" => {
                b.max_wasted_percent = if disabled { None } else { Some(ratio(value)?) };
            }
            "rules" => {}
            other => {
                return Err(bad_config(
                    path,
                    other,
                    "unknown dive rule (dive knows lowestEfficiency, highestWastedBytes, highestUserWastedPercent)",
                ));
            }
        }
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dive_ci_keeps_dive_defaults_and_disabled() {
        let b = parse_dive_ci(
            "rules:\n  lowestEfficiency: 0.95 # comment\n  highestWastedBytes: 20MB\n",
            Path::new(".dive-ci"),
        )
        .unwrap();
        assert_eq!(b.min_efficiency, Some(0.95));
        assert_eq!(b.max_wasted_bytes, Some(20_000_000));
        assert_eq!(b.max_wasted_percent, Some(0.1), "dive's default stays");
        let b = parse_dive_ci(
            "rules:\n  highestUserWastedPercent: disabled\n",
            Path::new(".dive-ci"),
        )
        .unwrap();
        assert_eq!(b.max_wasted_percent, None);
        let err =
            parse_dive_ci("rules:\n  lowestEfficency: 0.9\n", Path::new(".dive-ci")).unwrap_err();
        assert!(err.to_string().contains("lowestEfficency"), "{err}");
    }

    #[test]
    fn dive_ci_rejects_nan_infinite_negative_and_overflowing_values() {
        for (rule, value, says) in [
            ("lowestEfficiency", "NaN", "'NaN' is not a number"),
            ("lowestEfficiency", "inf", "outside 0..1"),
            ("highestUserWastedPercent", "-0.1", "outside 0..1"),
            ("highestUserWastedPercent", "10", "outside 0..1"),
            (
                "highestWastedBytes",
                "99999999999999999999999999TB",
                "too large",
            ),
        ] {
            let text = format!("rules:\n  {rule}: {value}\n");
            let err = parse_dive_ci(&text, Path::new(".dive-ci")).unwrap_err();
            let err = err.to_string();
            assert!(err.contains(rule) && err.contains(says), "{err}");
        }
    }
}
