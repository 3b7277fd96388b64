//! The resource limits: how much of an input ballast holds or walks before it
//! refuses it. Every bound on what an image or a Dockerfile can make ballast
//! hold in memory is here, with its name, its default (far above any real
//! image) and what it bounds, so the table in docs/reference.md, `--limit NAME=VALUE`,
//! `[limits]` in `.ballast.toml` and every breach message agree.
//!
//! A leaf module: the layer reader, the sources, the Dockerfile parser and the
//! analysis each read their own limits from the one [`Limits`] value that
//! travels in the options (see docs/architecture.md).

use crate::units::parse_size;

/// One limit, by what it bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// A GNU long-name or long-link header, or a PAX record block, in bytes.
    TarHeader,
    /// A layer entry's path or link target, in bytes.
    PathLength,
    /// Entries (whiteouts included) in one layer.
    EntriesPerLayer,
    /// Entries of all layers in the merged tree together: every path a layer
    /// adds, changes or removes, the directories deeper paths imply included.
    EntriesPerImage,
    /// An image's metadata together (manifests, indexes, config), in bytes.
    Metadata,
    /// Members kept in memory while streaming an archive, together, in bytes.
    StreamMemory,
    /// How deep image indexes may nest.
    IndexDepth,
    /// One file read whole for the package inventories, in bytes.
    PackageFile,
    /// Those files in one layer together, in bytes.
    PackageLayer,
    /// Those files in the image together, in bytes.
    PackageImage,
    /// One `ENV`/`ARG` value after variable expansion, in bytes.
    ExpandedValue,
    /// The variables in scope at one Dockerfile instruction, in bytes.
    ExpandedScope,
    /// The variables at the ends of all stages of a Dockerfile, in bytes.
    ExpandedTotal,
    /// How deep `${…}` substitutions may nest.
    SubstitutionDepth,
    /// Build stages (`FROM` lines) in one Dockerfile.
    Stages,
    /// A text file a user names: the Dockerfile, `.dockerignore`, the budget
    /// file, the fleet's reference list, in bytes.
    TextFile,
}

/// How a limit's values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Bytes,
    Count,
}

struct Spec {
    limit: Limit,
    name: &'static str,
    unit: Unit,
    default: u64,
}

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
/// The `entries-per-image` default: real images hold a few hundred thousand
/// paths (the 1,000,000-file benchmark image 1,197,350); an image at this
/// limit stays under 500 MB (docs/reference.md "Bound check").
const ENTRIES_PER_IMAGE: u64 = 1_500_000;

/// Every limit, in the order docs/reference.md lists them, which is the
/// order of [`Limit`].
const SPECS: [Spec; 16] = [
    spec(Limit::TarHeader, "tar-header", Unit::Bytes, MIB),
    spec(Limit::PathLength, "path-length", Unit::Bytes, 64 * KIB),
    spec(
        Limit::EntriesPerLayer,
        "entries-per-layer",
        Unit::Count,
        2_000_000,
    ),
    spec(
        Limit::EntriesPerImage,
        "entries-per-image",
        Unit::Count,
        ENTRIES_PER_IMAGE,
    ),
    spec(Limit::Metadata, "metadata", Unit::Bytes, 64 * MIB),
    spec(Limit::StreamMemory, "stream-memory", Unit::Bytes, 256 * MIB),
    spec(Limit::IndexDepth, "index-depth", Unit::Count, 8),
    spec(Limit::PackageFile, "package-file", Unit::Bytes, 16 * MIB),
    spec(Limit::PackageLayer, "package-layer", Unit::Bytes, 64 * MIB),
    spec(Limit::PackageImage, "package-image", Unit::Bytes, 128 * MIB),
    spec(Limit::ExpandedValue, "expanded-value", Unit::Bytes, MIB),
    spec(
        Limit::ExpandedScope,
        "expanded-scope",
        Unit::Bytes,
        16 * MIB,
    ),
    spec(
        Limit::ExpandedTotal,
        "expanded-total",
        Unit::Bytes,
        64 * MIB,
    ),
    spec(
        Limit::SubstitutionDepth,
        "substitution-depth",
        Unit::Count,
        64,
    ),
    spec(Limit::Stages, "stages", Unit::Count, 1000),
    spec(Limit::TextFile, "text-file", Unit::Bytes, 16 * MIB),
];

// Row `i` of SPECS is the limit whose discriminant is `i`.
const _: () = {
    let mut i = 0;
    while i < SPECS.len() {
        assert!(
            SPECS[i].limit as usize == i,
            "SPECS must follow the order of Limit"
        );
        i += 1;
    }
};

const fn spec(limit: Limit, name: &'static str, unit: Unit, default: u64) -> Spec {
    Spec {
        limit,
        name,
        unit,
        default,
    }
}

impl Limit {
    /// Every limit, in the order of docs/reference.md.
    pub fn all() -> impl Iterator<Item = Limit> {
        SPECS.iter().map(|s| s.limit)
    }

    /// Its row of [`SPECS`], which lists the limits in the enum's order (checked
    /// when compiling), so a lookup is an index: the layer reader asks for
    /// limits at every tar entry.
    fn spec(self) -> &'static Spec {
        &SPECS[self as usize]
    }

    /// The name users write (`--limit entries-per-layer=…`).
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The default value.
    pub fn default_value(self) -> u64 {
        self.spec().default
    }

    /// Whether values are byte sizes (which accept units) or counts.
    pub fn is_size(self) -> bool {
        self.spec().unit == Unit::Bytes
    }

    /// `value` as people read it: `1 MiB` for sizes, the number for counts.
    pub fn show(self, value: u64) -> String {
        match self.spec().unit {
            Unit::Count => value.to_string(),
            Unit::Bytes => match binary(value) {
                (n, "") => format!("{n} bytes"),
                (n, unit) => format!("{n} {unit}"),
            },
        }
    }

    /// `value` as the flag takes it: `2MiB`, `64KiB`, `1000`.
    fn flag_value(self, value: u64) -> String {
        match (self.spec().unit, binary(value)) {
            (Unit::Bytes, (n, unit)) => format!("{n}{unit}"),
            (Unit::Count, _) => value.to_string(),
        }
    }
}

/// `value` in the largest binary unit that divides it exactly.
fn binary(value: u64) -> (u64, &'static str) {
    for (size, unit) in [(1 << 30, "GiB"), (MIB, "MiB"), (KIB, "KiB")] {
        if value >= size && value.is_multiple_of(size) {
            return (value / size, unit);
        }
    }
    (value, "")
}

impl std::str::FromStr for Limit {
    type Err = String;

    fn from_str(name: &str) -> Result<Limit, String> {
        SPECS
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.limit)
            .ok_or_else(|| {
                format!(
                    "unknown limit '{name}' (valid limits: {})",
                    Limit::all().map(Limit::name).collect::<Vec<_>>().join(", ")
                )
            })
    }
}

/// The value of every limit: the defaults unless raised (or lowered) by
/// `--limit` or `[limits]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    values: [u64; SPECS.len()],
}

impl Default for Limits {
    fn default() -> Limits {
        let mut values = [0; SPECS.len()];
        for (v, s) in values.iter_mut().zip(&SPECS) {
            *v = s.default;
        }
        Limits { values }
    }
}

impl Limits {
    /// The value of `limit`.
    pub fn get(&self, limit: Limit) -> u64 {
        self.values[limit as usize]
    }

    /// The value of `limit` as a length in memory (saturating on 32-bit).
    pub fn len(&self, limit: Limit) -> usize {
        usize::try_from(self.get(limit)).unwrap_or(usize::MAX)
    }

    /// Set `limit` to `value`.
    pub fn set(&mut self, limit: Limit, value: u64) {
        self.values[limit as usize] = value;
    }

    /// Set a limit from its text value (`2MiB`, `10000000`).
    pub fn set_text(&mut self, limit: Limit, value: &str) -> Result<(), String> {
        self.set(limit, parse_value(limit, value)?);
        Ok(())
    }

    /// What a breach message ends with: the limit's name and value, and the
    /// flag that raises it past `hit` (the value met, when known).
    pub fn breach(&self, limit: Limit, hit: Option<u64>) -> String {
        let value = self.get(limit);
        let mut raise = value.saturating_mul(2).max(1);
        if let Some(hit) = hit.filter(|&h| h > raise) {
            raise = round_up(limit, hit);
        }
        format!(
            "the {} limit is {}; raise it with --limit {}={}",
            limit.name(),
            limit.show(value),
            limit.name(),
            limit.flag_value(raise)
        )
    }
}

/// `hit` rounded up to a whole KiB or MiB (for sizes), so the suggested
/// flag is readable.
fn round_up(limit: Limit, hit: u64) -> u64 {
    if !limit.is_size() {
        return hit;
    }
    let step = if hit >= MIB { MIB } else { KIB };
    hit.div_ceil(step).saturating_mul(step)
}

/// A limit's value: a size with the usual units for byte limits, a whole
/// number for counts.
fn parse_value(limit: Limit, text: &str) -> Result<u64, String> {
    let value = if limit.is_size() {
        parse_size(text)?
    } else {
        text.trim().parse::<u64>().map_err(|_| {
            format!(
                "'{text}' is not a whole number (the {} limit is a count)",
                limit.name()
            )
        })?
    };
    if value == 0 {
        return Err(format!(
            "'{text}': the {} limit must be above 0",
            limit.name()
        ));
    }
    Ok(value)
}

/// The entries an image's layers have been read with so far, shared by its
/// layer readers: layers read side by side, or read and waiting for an
/// earlier one to be merged, count against `entries-per-image` together, so
/// the layers held before merging are bounded by it too, not by
/// `entries-per-layer` times the layers.
#[derive(Debug, Default)]
pub struct ImageEntries(std::sync::atomic::AtomicU64);

impl ImageEntries {
    /// Count one more entry; past `entries-per-image`, the breach message.
    pub fn add(&self, limits: &Limits) -> Result<(), String> {
        let read = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let max = limits.get(Limit::EntriesPerImage);
        if read <= max {
            return Ok(());
        }
        Err(format!(
            "the image's layers hold more than {max} entries together (counted as they \
             are read): {}",
            limits.breach(Limit::EntriesPerImage, None)
        ))
    }
}

/// `--limit NAME=VALUE`, as clap parses it.
pub fn parse_assignment(text: &str) -> Result<(Limit, u64), String> {
    let Some((name, value)) = text.split_once('=') else {
        return Err(format!(
            "'{text}' is not NAME=VALUE (valid limits: {})",
            Limit::all().map(Limit::name).collect::<Vec<_>>().join(", ")
        ));
    };
    let limit: Limit = name.trim().parse()?;
    Ok((limit, parse_value(limit, value)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_limit_has_one_spec_and_a_unique_name() {
        let names: std::collections::BTreeSet<_> = Limit::all().map(Limit::name).collect();
        assert_eq!(names.len(), SPECS.len());
        for l in Limit::all() {
            assert_eq!(l.name().parse::<Limit>(), Ok(l));
            assert_eq!(Limits::default().get(l), l.default_value());
        }
    }

    #[test]
    fn assignments_take_units_for_sizes_and_numbers_for_counts() {
        assert_eq!(
            parse_assignment("tar-header=2MiB"),
            Ok((Limit::TarHeader, 2 << 20))
        );
        assert_eq!(
            parse_assignment("entries-per-layer=10"),
            Ok((Limit::EntriesPerLayer, 10))
        );
        assert!(parse_assignment("stages=1k").unwrap_err().contains("count"));
        assert!(
            parse_assignment("stages=0")
                .unwrap_err()
                .contains("above 0")
        );
        let err = parse_assignment("entries=5").unwrap_err();
        assert!(
            err.contains("unknown limit 'entries'") && err.contains("entries-per-layer, "),
            "{err}"
        );
        assert!(
            parse_assignment("stages")
                .unwrap_err()
                .contains("NAME=VALUE")
        );
    }

    #[test]
    fn a_breach_names_the_limit_its_value_and_the_flag() {
        let l = Limits::default();
        assert_eq!(
            l.breach(Limit::TarHeader, Some(512 << 20)),
            "the tar-header limit is 1 MiB; raise it with --limit tar-header=512MiB"
        );
        assert_eq!(
            l.breach(Limit::Stages, None),
            "the stages limit is 1000; raise it with --limit stages=2000"
        );
        let mut small = Limits::default();
        small.set(Limit::PathLength, 100);
        assert_eq!(
            small.breach(Limit::PathLength, Some(300)),
            "the path-length limit is 100 bytes; raise it with --limit path-length=1KiB"
        );
    }
}
