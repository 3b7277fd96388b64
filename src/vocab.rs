//! The image analysis' fixed vocabulary: finding rules, categories,
//! severities and estimate strategies, as enums rather than strings.
//!
//! Each value has one spelling (its JSON name, its name on the command line
//! and in `.ballast.toml`), so a typo is an error where it is written instead
//! of a comparison that silently never matches. A leaf module: it imports
//! nothing from the crate.

use std::fmt;
use std::str::FromStr;

/// An enum whose values are exactly the listed strings: `as_str`, `ALL`,
/// `Display` (honouring width and alignment), `FromStr` (an unknown value is an
/// error naming the valid ones), serde and clap's `ValueEnum`. Ordering is the
/// strings' ordering, so sorting by value sorts as the strings did.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The value's one spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The valid spellings, comma-separated, for error messages.
            pub fn valid() -> String {
                Self::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| {
                        format!("unknown {} '{s}' (valid: {})", $what, Self::valid())
                    })
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.as_str().cmp(other.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        impl clap::ValueEnum for $name {
            fn value_variants<'a>() -> &'a [Self] {
                Self::ALL
            }

            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(clap::builder::PossibleValue::new(self.as_str()))
            }
        }
    };
}

vocabulary! {
    /// A finding rule of the image analysis (the `rule` of a finding).
    Rule, "rule" {
        DeletedLater = "deleted-later",
        Overwritten = "overwritten",
        DuplicateContent = "duplicate-content",
        VcsDirectory = "vcs-directory",
        PackageCache = "package-cache",
        DevDependencies = "dev-dependencies",
        BuildToolchain = "build-toolchain",
        PythonBytecode = "python-bytecode",
        DocsAndLocales = "docs-and-locales",
        Junk = "junk",
        Secret = "secret",
        RootUser = "root-user",
        NoHealthcheck = "no-healthcheck",
        Setuid = "setuid",
        WorldWritable = "world-writable",
    }
}

vocabulary! {
    /// What kind of problem a finding is.
    Category, "category" {
        /// Shipped but unseen.
        Waste = "waste",
        /// Live but unneeded.
        Bloat = "bloat",
        Security = "security",
        Reliability = "reliability",
    }
}

vocabulary! {
    /// How much a finding matters. Sort by [`Severity::rank`], not by value.
    Severity, "severity" {
        High = "high",
        Medium = "medium",
        Low = "low",
        Info = "info",
    }
}

vocabulary! {
    /// How an estimate makes the image smaller.
    Strategy, "strategy" {
        MultiStage = "multi-stage",
        BaseSwitch = "base-switch",
    }
}

impl Category {
    /// Waste and bloat are about size: removing their files reclaims bytes.
    /// Security and reliability findings name files for their risk.
    pub const fn is_size(self) -> bool {
        matches!(self, Category::Waste | Category::Bloat)
    }
}

impl Severity {
    /// 0 for the most severe: findings are listed in this order.
    pub const fn rank(self) -> u8 {
        match self {
            Severity::High => 0,
            Severity::Medium => 1,
            Severity::Low => 2,
            Severity::Info => 3,
        }
    }
}

impl Rule {
    /// The rules whose bytes are hidden versions (shipped, seen by no one):
    /// their findings name no live files.
    pub const fn is_hidden_version(self) -> bool {
        matches!(self, Rule::DeletedLater | Rule::Overwritten)
    }
}

/// Reading back `&'static str` fields (a libc, an ecosystem, a package
/// manager: names from fixed tables in the code) from the image cache of
/// `analysis`. Each distinct name is allocated once per process and kept, so
/// memory grows with the number of distinct names, never with the number of
/// analyses read back.
/// A name from a fixed table in the code (a libc, an ecosystem, a package
/// manager). An alias, so serde does not take the fields as borrowed from
/// the input it reads them back from (see `vocab::statics`).
pub type Fixed = &'static str;

pub(crate) mod statics {
    use std::collections::HashSet;
    use std::sync::{LazyLock, Mutex};

    use serde::{Deserialize, Deserializer};

    fn intern(s: &str) -> &'static str {
        static NAMES: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Mutex::default);
        let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&known) = names.get(s) {
            return known;
        }
        let kept: &'static str = Box::leak(s.to_owned().into_boxed_str());
        names.insert(kept);
        kept
    }

    pub(crate) fn one<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
        Ok(intern(&String::deserialize(d)?))
    }

    pub(crate) fn opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'static str>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.map(|s| intern(&s)))
    }

    pub(crate) fn vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<&'static str>, D::Error> {
        Ok(Vec::<String>::deserialize(d)?
            .iter()
            .map(|s| intern(s))
            .collect())
    }

    pub(crate) fn first_of_pair<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<(&'static str, T)>, D::Error> {
        Ok(Option::<(String, T)>::deserialize(d)?.map(|(s, t)| (intern(&s), t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for r in Rule::ALL {
            assert_eq!(r.as_str().parse::<Rule>(), Ok(*r));
            assert_eq!(serde_json::to_string(r).unwrap(), format!("\"{r}\""));
        }
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>(), Ok(*s));
        }
        assert_eq!(format!("{:<8}|", Severity::Low), "low     |");
        assert_eq!(Strategy::MultiStage.to_string(), "multi-stage");
    }

    #[test]
    fn unknown_values_name_the_valid_ones() {
        let err = "secrets".parse::<Rule>().unwrap_err();
        assert!(err.contains("unknown rule 'secrets'"), "{err}");
        assert!(err.contains("secret, root-user"), "{err}");
        let err: Result<Rule, _> = serde_json::from_str("\"secrets\"");
        assert!(err.is_err());
    }

    #[test]
    fn values_sort_as_their_strings() {
        let mut rules = Rule::ALL.to_vec();
        rules.sort();
        let mut names: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
        names.sort_unstable();
        assert_eq!(rules.iter().map(|r| r.as_str()).collect::<Vec<_>>(), names);
    }
}
