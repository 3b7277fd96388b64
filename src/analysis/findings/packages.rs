//! What package managers and builds leave behind: caches
//! (`package-cache`), packages only the project's devDependencies need
//! (`dev-dependencies`) and compilers, headers and build packages
//! (`build-toolchain`).

use super::{Finding, FindingPackage, FindingPath, Group, Input, glob, human, live_dirs_named};
use crate::analysis::packages::Package;
use crate::layer::EntryKind;
use crate::tree::MergedTree;
use crate::vocab::{Rule, Severity};

/// Package-manager caches: (what, path patterns, fix).
const CACHES: &[(&str, &[&str], &str)] = &[
    (
        "apt package lists",
        &["var/lib/apt/lists/*"],
        "`rm -rf /var/lib/apt/lists/*` in the same RUN as `apt-get install`",
    ),
    (
        "apt downloaded packages",
        &[
            "var/cache/apt/archives/*",
            "var/cache/apt/pkgcache.bin",
            "var/cache/apt/srcpkgcache.bin",
        ],
        "`apt-get clean` in the same RUN as `apt-get install` (or RUN --mount=type=cache,target=/var/cache/apt)",
    ),
    ("apk cache", &["var/cache/apk/*"], "`apk add --no-cache`"),
    (
        "pip cache",
        &["root/.cache/pip", "home/*/.cache/pip"],
        "`pip install --no-cache-dir` (or ENV PIP_NO_CACHE_DIR=1)",
    ),
    (
        "npm cache",
        &["root/.npm/_cacache", "home/*/.npm/_cacache"],
        "`npm cache clean --force` in the same RUN as `npm ci`, or RUN --mount=type=cache,target=/root/.npm",
    ),
    (
        "yarn cache",
        &[
            "usr/local/share/.cache/yarn",
            "root/.cache/yarn",
            "home/*/.cache/yarn",
        ],
        "`yarn cache clean` in the same RUN as `yarn install`",
    ),
    (
        "pnpm store",
        &[
            "root/.local/share/pnpm/store",
            "root/.pnpm-store",
            "home/*/.local/share/pnpm/store",
        ],
        "`pnpm store prune` in the same RUN, or RUN --mount=type=cache for the store",
    ),
    (
        "Go build and module cache",
        &[
            "root/.cache/go-build",
            "go/pkg/mod/cache",
            "root/go/pkg/mod/cache",
        ],
        "build in a stage and COPY only the binary, or RUN --mount=type=cache,target=/root/.cache/go-build",
    ),
    (
        "Cargo registry",
        &[
            "usr/local/cargo/registry",
            "root/.cargo/registry",
            "root/.cargo/git",
        ],
        "build in a stage and COPY only the binary, or RUN --mount=type=cache,target=/usr/local/cargo/registry",
    ),
    (
        "Maven repository",
        &["root/.m2/repository"],
        "build in a stage, or RUN --mount=type=cache,target=/root/.m2",
    ),
    (
        "Gradle cache",
        &["root/.gradle/caches", "home/gradle/.gradle/caches"],
        "build in a stage, or RUN --mount=type=cache,target=/root/.gradle",
    ),
    (
        "Composer cache",
        &["root/.composer/cache", "root/.cache/composer"],
        "`composer install --no-cache` (or COMPOSER_CACHE_DIR=/dev/null)",
    ),
];

pub(super) fn caches(input: &Input, out: &mut Vec<Finding>) {
    for (what, patterns, fix) in CACHES {
        let mut group = Group::new();
        for pattern in *patterns {
            for id in glob(input.tree, pattern) {
                // apt's lock file and partial/ directory are not cache content.
                let name = &input.tree.node(id).name[..];
                if name == b"lock" || name == b"partial" || name == b"auxfiles" {
                    continue;
                }
                group.add(input.tree, id);
            }
        }
        if group.bytes() == 0 {
            continue;
        }
        let advice = format!(
            "{what} ({}) are left in the image: {fix}",
            human(group.bytes())
        );
        out.extend(group.into_finding(input, Rule::PackageCache, Severity::Medium, advice));
    }
}

/// `build-toolchain`: compiler directories, build binaries, JavaScript build
/// tools and build packages, in one finding.
pub(super) fn toolchains(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    let mut group = Group::new();
    toolchain_directories(tree, &mut group);
    build_binaries(tree, &mut group);
    javascript_build_tools(tree, &mut group);
    let mut build_packages: Vec<&Package> = input
        .packages
        .iter()
        .filter(|p| {
            matches!(p.ecosystem, "deb" | "apk") && is_build_package(&p.name) && p.bytes > 0
        })
        .collect();
    build_packages.sort_by_key(|p| std::cmp::Reverse(p.bytes));
    for p in &build_packages {
        group.add_package(tree, p);
    }
    if group.bytes() == 0 {
        return;
    }
    let what = match build_packages.as_slice() {
        [] => "compilers, headers and build tools are".to_string(),
        [one] => format!("the build package {} is", one.name),
        [first, rest @ ..] => format!("{} and {} other build packages are", first.name, rest.len()),
    };
    let advice = format!(
        "{what} in the final image ({}): build in a separate stage (`FROM … AS build`) and \
         `COPY --from=build` only the artifacts, or `apt-get purge --auto-remove` (`apk del`) the build \
         packages in the RUN that used them",
        human(group.bytes())
    );
    if let Some(mut f) = group.into_finding(input, Rule::BuildToolchain, Severity::Medium, advice) {
        f.packages = build_packages
            .into_iter()
            .map(FindingPackage::from)
            .collect();
        out.push(f);
    }
}

/// Compiler internals and headers: gcc's and LLVM's directories, /usr/include.
fn toolchain_directories(tree: &MergedTree, group: &mut Group) {
    for pattern in [
        "usr/lib/gcc",
        "usr/libexec/gcc",
        "usr/include",
        "usr/local/include",
        "usr/lib/llvm-*",
    ] {
        let ids = if let Some(prefix) = pattern.strip_suffix('*') {
            let (parent, stem) = prefix.rsplit_once('/').expect("patterns have a parent");
            glob(tree, &format!("{parent}/*"))
                .into_iter()
                .filter(|&id| tree.node(id).name.starts_with(stem.as_bytes()))
                .collect()
        } else {
            glob(tree, pattern)
        };
        for id in ids {
            group.add(tree, id);
        }
    }
}

/// Compilers and build tools in /usr/bin, also under versioned or
/// target-prefixed names (`gcc-12`, `x86_64-linux-gnu-gcc-12`).
fn build_binaries(tree: &MergedTree, group: &mut Group) {
    const BINARIES: &[&str] = &[
        "gcc", "g++", "cc", "c++", "cpp", "clang", "clang++", "ld", "ld.bfd", "ld.gold", "as",
        "make", "cmake",
    ];
    for id in glob(tree, "usr/bin/*") {
        let name = String::from_utf8_lossy(&tree.node(id).name).into_owned();
        let base = name
            .rsplit_once("-linux-gnu-")
            .map_or(name.as_str(), |(_, b)| b);
        let base = base.split_once('-').map_or(base, |(b, v)| {
            if v.chars().all(|c| c.is_ascii_digit()) {
                b
            } else {
                base
            }
        });
        if BINARIES.contains(&base)
            && tree
                .node(id)
                .live()
                .is_some_and(|m| m.kind == EntryKind::File)
        {
            group.add(tree, id);
        }
    }
}

/// Compilers and bundlers installed as project dependencies.
fn javascript_build_tools(tree: &MergedTree, group: &mut Group) {
    for id in live_dirs_named(tree, &[b"node_modules"]) {
        for name in [
            "typescript",
            "@types",
            "ts-node",
            "@babel",
            "webpack",
            "esbuild",
            "@esbuild",
        ] {
            if let Some(c) = tree.child(id, name.as_bytes()).filter(|&c| tree.is_live(c)) {
                group.add(tree, c);
            }
        }
    }
}

/// Compilers, binutils, headers and the like: needed to build, not to run.
fn is_build_package(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "build-essential",
        "build-base",
        "make",
        "cmake",
        "autoconf",
        "automake",
        "libtool",
        "pkg-config",
        "pkgconf",
        "dpkg-dev",
        "binutils",
        "gcc",
        "g++",
        "cpp",
        "clang",
        "llvm",
        "musl-dev",
        "linux-headers",
        "libc-dev",
        "fortify-headers",
        "bison",
        "flex",
        "m4",
    ];
    const PREFIXES: &[&str] = &[
        "gcc-",
        "g++-",
        "cpp-",
        "binutils-",
        "clang-",
        "llvm-",
        "libclang-",
    ];
    // `gcc-12-base` only carries docs that the runtime libraries depend on.
    !name.ends_with("-base")
        && (EXACT.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p)))
        || name.ends_with("-dev")
        || name.ends_with("-headers")
}

/// `dev-dependencies`: packages only the project's devDependencies need.
pub(super) fn dev_dependencies(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    for project in input.dev {
        let mut group = Group::new();
        let mut listed: Vec<&Package> = project
            .packages
            .iter()
            .map(|&i| &input.packages[i])
            .collect();
        listed.sort_by_key(|p| std::cmp::Reverse(p.bytes));
        for p in &listed {
            group.add_package(tree, p);
            group.paths.push(FindingPath::file(
                p.location.clone().unwrap_or_else(|| p.name.clone()),
                p.bytes,
            ));
        }
        let fix = match project.source {
            "yarn.lock" => {
                "`yarn install --production --frozen-lockfile` (yarn 1) or `yarn workspaces focus --production` (berry)"
            }
            "pnpm-lock.yaml" => {
                "`pnpm install --prod --frozen-lockfile` (or `pnpm prune --prod` after building)"
            }
            _ => "`npm ci --omit=dev` (or `npm prune --omit=dev` after building)",
        };
        let names: Vec<&str> = listed.iter().take(3).map(|p| p.name.as_str()).collect();
        let more = if listed.len() > 3 {
            format!(" and {} more", listed.len() - 3)
        } else {
            String::new()
        };
        let advice = format!(
            "{} dev-only packages in {}/node_modules ({}{more}, {}, from {}) are shipped: build in one stage, then \
             install with {fix} in the final stage",
            listed.len(),
            project.project.trim_end_matches('/'),
            names.join(", "),
            human(group.bytes()),
            project.source,
        );
        if let Some(mut f) =
            group.into_finding(input, Rule::DevDependencies, Severity::Medium, advice)
        {
            f.packages = listed.into_iter().map(FindingPackage::from).collect();
            out.push(f);
        }
    }
}
