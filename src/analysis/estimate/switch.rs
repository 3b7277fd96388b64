//! The `base-switch` estimates: the app on a smaller base of the same
//! runtime, with the traps that decide whether the switch works (native code
//! on another libc, no shell, no package manager, no CA certificates or time
//! zone data).

use super::{BaseImage, BaseInfo, Estimate, EstimateWarning, Facts, MAX_PATHS};
use crate::layer::sniff;
use crate::vocab::Strategy;

/// base itself excepted.
pub(super) fn candidates<'a>(base: &BaseInfo, table: &'a [BaseImage]) -> Vec<&'a BaseImage> {
    if base.layers == 0 {
        return Vec::new();
    }
    let want = match base.runtime.as_ref() {
        Some(r) if r.kind != "go" => r.kind,
        _ => "none",
    };
    let mut out: Vec<&BaseImage> = table
        .iter()
        .filter(|r| r.runtime == want)
        .filter(|r| r.bytes() < base.bytes)
        .filter(|r| base.closest.as_deref() != Some(&r.name()))
        .collect();
    out.sort_by_key(|r| r.bytes());
    out
}

pub(super) fn switch(base: &BaseInfo, facts: &Facts, shipped: u64, c: &BaseImage) -> Estimate {
    let human = crate::units::bytes;
    let name = c.name();
    let mut assumptions = vec![format!(
        "{name} is {} ({}, {}, {})",
        human(c.bytes()),
        c.size_kind,
        c.source,
        c.date
    )];
    if base.layers == 0 {
        assumptions.push(format!(
            "the image has no base layers (FROM scratch): {name} goes under it"
        ));
    }
    let adjust = runtime_change(base, c, &mut assumptions);
    if !facts.app_packages.is_empty() {
        let bytes: u64 = facts.app_packages.iter().map(|p| p.1).sum();
        assumptions.push(format!(
            "the {} packages the app layers install ({}) take the same room on {name}{}",
            facts.app_packages.len(),
            human(bytes),
            if c.package_manager == "none" {
                ", copied from a build stage"
            } else {
                ""
            }
        ));
    }
    assumptions.push(
        "the app layers are rebuilt unchanged on the new base (their hidden bytes too)".into(),
    );
    let mut warnings: Vec<EstimateWarning> = size_figure(c).into_iter().collect();
    native_code(base, facts, c, &mut warnings);
    shell_and_tools(base, facts, c, &mut warnings);
    let size_after = (i128::from(shipped) - i128::from(base.bytes) + i128::from(c.bytes()) + adjust)
        .max(0) as u64;
    let trimmed = facts.app_hidden + facts.dropped_bytes;
    Estimate {
        strategy: Strategy::BaseSwitch,
        with_multi_stage: (trimmed > 0).then(|| size_after.saturating_sub(trimmed)),
        feasible: !warnings.iter().any(|w| w.blocking),
        candidate: Some(c.clone()),
        size_before: shipped,
        size_after,
        bytes_saved: shipped.saturating_sub(size_after),
        assumptions,
        warnings,
        dropped: Vec::new(),
        dockerfile: None,
    }
}

/// The runtime's bytes the switch adds (the candidate lacks the image's
/// runtime: it is copied in) or removes (the candidate brings the runtime the
/// app layers installed), with the assumption that says so.
fn runtime_change(base: &BaseInfo, c: &BaseImage, assumptions: &mut Vec<String>) -> i128 {
    let name = c.name();
    let human = crate::units::bytes;
    let mut adjust: i128 = 0;
    let runtime = base.runtime.as_ref().filter(|r| r.kind != "go");
    if let Some(r) = runtime {
        match (r.in_base, c.runtime == r.kind) {
            (true, false) => {
                adjust += i128::from(r.bytes);
                assumptions.push(format!(
                    "{name} has no {} runtime: the current one ({}, {}) is copied in",
                    r.kind,
                    r.path,
                    human(r.bytes)
                ));
            }
            (false, true) => {
                adjust -= i128::from(r.bytes);
                assumptions.push(format!(
                    "{name} brings {}: the app layers no longer install it ({})",
                    r.kind,
                    human(r.bytes)
                ));
            }
            (true, true) => assumptions.push(format!(
                "{name}'s {} runtime replaces the current one",
                r.kind
            )),
            (false, false) => {}
        }
    }
    adjust
}

/// A warning when the table's figure for `c` is not its uncompressed size.
fn size_figure(c: &BaseImage) -> Option<EstimateWarning> {
    let name = c.name();
    (c.size_kind != "uncompressed" && c.size_kind != "measured").then(|| EstimateWarning {
        kind: "size-figure",
        blocking: false,
        message: format!(
            "the table's figure for {name} is {}, not the uncompressed size: the real size after \
                 differs by that much",
            match c.size_kind.as_str() {
                "compressed" => "the compressed download size",
                _ => "approximate",
            }
        ),
        paths: Vec::new(),
    })
}

/// Native code linked against a libc the candidate does not have.
fn native_code(base: &BaseInfo, facts: &Facts, c: &BaseImage, out: &mut Vec<EstimateWarning>) {
    let mut files: Vec<&(String, u8)> = facts.app_elf.iter().collect();
    let runtime_pair;
    if let Some(r) = base
        .runtime
        .as_ref()
        .filter(|r| r.in_base && r.kind != c.runtime && r.kind != "go")
    {
        runtime_pair = (r.path.clone(), facts.runtime_elf);
        files.push(&runtime_pair);
    }
    let with = |flag: u8| -> Vec<String> {
        files
            .iter()
            .filter(|(_, f)| f & flag != 0)
            .map(|(p, _)| p.clone())
            .collect()
    };
    let (glibc, musl) = (with(sniff::ELF_GLIBC), with(sniff::ELF_MUSL));
    let mut push = |kind, paths: Vec<String>, message: String| {
        if !paths.is_empty() {
            out.push(EstimateWarning {
                kind,
                blocking: true,
                message,
                paths: paths.into_iter().take(MAX_PATHS).collect(),
            });
        }
    };
    let count = |v: &[String]| v.len();
    match c.libc.as_str() {
        "musl" => push(
            "glibc-native-code",
            glibc.clone(),
            format!(
                "{} ELF file(s) are linked against glibc and will not load on musl: rebuild them on {} ({})",
                count(&glibc),
                c.name(),
                rebuild_hint(&glibc)
            ),
        ),
        "glibc" => push(
            "musl-native-code",
            musl.clone(),
            format!(
                "{} ELF file(s) are linked against musl and will not load on glibc: rebuild them on {}",
                count(&musl),
                c.name()
            ),
        ),
        _ => {
            let dynamic: Vec<String> = files
                .iter()
                .filter(|(_, f)| f & (sniff::ELF_GLIBC | sniff::ELF_MUSL) != 0)
                .map(|(p, _)| p.clone())
                .collect();
            push(
                "dynamic-binary",
                dynamic.clone(),
                format!(
                    "{} ELF file(s) need a C library and {} has none: link them statically \
                     (CGO_ENABLED=0) or pick a base with libc",
                    count(&dynamic),
                    c.name()
                ),
            );
        }
    }
}

fn shell_and_tools(base: &BaseInfo, facts: &Facts, c: &BaseImage, out: &mut Vec<EstimateWarning>) {
    let name = c.name();
    if !c.shell {
        if !facts.shell_form.is_empty() {
            out.push(EstimateWarning {
                kind: "shell-form",
                blocking: true,
                message: format!(
                    "{name} has no shell: write these in exec form (`CMD [\"node\", \"server.js\"]`, \
                     `HEALTHCHECK CMD [\"/app/healthcheck\"]`)"
                ),
                paths: facts.shell_form.clone(),
            });
        }
        if !facts.app_runs.is_empty() {
            out.push(EstimateWarning {
                kind: "run-needs-shell",
                blocking: false,
                message: format!(
                    "{} RUN step(s) need a shell: run them in a build stage and COPY the results onto {name}",
                    facts.app_runs.len()
                ),
                paths: facts.app_runs.iter().take(MAX_PATHS).cloned().collect(),
            });
        }
    }
    for pm in &facts.app_package_managers {
        if *pm == c.package_manager {
            continue;
        }
        let message = if c.package_manager == "none" {
            format!(
                "the app layers install packages with {pm}; {name} has no package manager: install \
                 in a build stage and COPY the files (or pick a -slim base)"
            )
        } else {
            format!(
                "the app layers install packages with {pm}; {name} uses {}: package names and \
                 versions differ",
                c.package_manager
            )
        };
        out.push(EstimateWarning {
            kind: "package-manager",
            blocking: false,
            message,
            paths: Vec::new(),
        });
    }
    if base.ca_certificates && c.ca_certificates == Some(false) {
        out.push(EstimateWarning {
            kind: "ca-certificates",
            blocking: false,
            message: format!(
                "the image has CA certificates and {name} does not: TLS connections fail until \
                 ca-certificates is added"
            ),
            paths: Vec::new(),
        });
    }
    if base.tzdata && c.tzdata == Some(false) {
        out.push(EstimateWarning {
            kind: "tzdata",
            blocking: false,
            message: format!(
                "the image has time zone data and {name} does not: add tzdata if the app uses named zones"
            ),
            paths: Vec::new(),
        });
    }
}

/// How to rebuild native code for another C library, for the ecosystems
/// the files belong to (an `npm rebuild` hint only where Node modules are).
fn rebuild_hint(paths: &[String]) -> String {
    let node = paths.iter().any(|p| p.contains("/node_modules/"));
    let python =
        (paths.iter()).any(|p| p.contains("/site-packages/") || p.contains("/dist-packages/"));
    let mut ways = Vec::new();
    if node {
        ways.push("`npm rebuild`");
    }
    if python {
        ways.push("`pip install` of musllinux wheels");
    }
    ways.push("from source");
    ways.join(", ")
}

#[cfg(test)]
mod hint_tests {
    use super::rebuild_hint;

    #[test]
    fn a_python_image_gets_no_npm_hint() {
        let py = ["/usr/lib/python3/dist-packages/_x.so".to_string()];
        assert_eq!(
            rebuild_hint(&py),
            "`pip install` of musllinux wheels, from source"
        );
        let node = ["/app/node_modules/x/build/x.node".to_string()];
        assert_eq!(rebuild_hint(&node), "`npm rebuild`, from source");
        assert_eq!(rebuild_hint(&["/usr/bin/tool".into()]), "from source");
    }
}
