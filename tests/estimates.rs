//! The estimates checked against real builds. Each test builds an app image
//! on the local engine, then the variant the estimate describes, and asserts
//! that the estimated size is within 10 % of the real one (and the estimated
//! saving within 10 % of the real saving):
//!
//! - a Node app with devDependencies (a real TypeScript compiler from Debian's
//!   `node-typescript`, sources compiled by it in the build) on a Debian base
//!   with Node: the multi-stage variant, and the same app on a distroless-like
//!   base with Node;
//! - a Python app that compiles a C extension with gcc installed by `dpkg -i`
//!   in the app layers: the multi-stage variant, and the app alone on a
//!   distroless-like base with Python.
//!
//! No image can be pulled, so the bases are assembled offline from Debian
//! packages: a `debootstrap --variant=minbase bookworm` root filesystem with
//! the runtime installed by dpkg (a `node:bookworm`/`python` stand-in), and
//! a distroless-like root made with `dpkg -x` of libc6, ca-certificates,
//! tzdata, base-files and the runtime's packages (how distroless is made).
//! Packages come from the Debian mirror through apt and are cached under
//! `target/estimates-debs`.
//!
//! The feasibility warnings are pinned on the same images: a glibc-linked
//! `.node` addon and a C extension against musl bases, the shell-form CMD
//! against a base with no shell. A small busybox pair checks that the parent
//! image's CMD in the history marks where the base ends.
//!
//! Needs the Docker engine and the debootstrap root filesystem cached under
//! `target/debootstrap-bookworm`, built when the gate (tests/support/gate.rs)
//! requires it (`BALLAST_DEBOOTSTRAP=1`, which also makes apt failures fatal,
//! or `BALLAST_REQUIRE_ALL=1`); without them the tests skip through the gate.

/// The one gate for what the tests need from the machine (tests/support/gate.rs).
#[allow(dead_code)]
#[path = "support/gate.rs"]
mod gate;

#[allow(dead_code)]
#[path = "engine/support.rs"]
mod engine_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ballast::Analysis;
use ballast::analysis::estimate::{self, BaseImage, Estimate};
use ballast::source::{EngineStorage, SourceKind};
use engine_support::{Image, docker_ready, run, stdout, unique};
use gate::Need;

fn target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target dir")
        .to_path_buf()
}

/// The engine and the cached (or freshly built) debootstrap root.
fn ready(test: &str) -> Option<PathBuf> {
    if !docker_ready(test) {
        return None;
    }
    // One debootstrap at a time: the tests here start together.
    static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = target().join("debootstrap-bookworm");
    if dir.join("usr/bin/dpkg").is_file() {
        return Some(dir);
    }
    if !gate::required(Need::Debootstrap) {
        let why = format!("no debootstrap root at {}", dir.display());
        gate::unmet(Need::Debootstrap, test, &why);
        return None;
    }
    let partial = dir.with_extension(format!("partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&partial);
    run(Command::new("debootstrap")
        .args(["--variant=minbase", "bookworm"])
        .arg(&partial)
        .arg("http://deb.debian.org/debian"));
    // Another test may have finished first: either copy will do.
    if std::fs::rename(&partial, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    Some(dir)
}

/// Debian packages, cached under `target/estimates-debs/<name>`. With a
/// `status` file, `packages` and what they need beyond it (apt resolves the
/// dependencies against that dpkg database); without, the packages alone.
fn debs(test: &str, name: &str, status: Option<&Path>, packages: &[&str]) -> Option<PathBuf> {
    let dir = target().join("estimates-debs").join(name);
    if dir.join(".complete").is_file() {
        return Some(dir);
    }
    // Fetched aside and renamed into place: tests running at once never see
    // a half-filled cache.
    let partial = dir.with_extension(format!("partial-{}-{}", std::process::id(), test.len()));
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(partial.join("partial")).expect("deb cache dir");
    let cache = tempfile::tempdir().expect("apt cache dir");
    let mut cmd = Command::new("apt-get");
    match status {
        Some(status) => {
            cmd.args([
                "install",
                "-y",
                "-qq",
                "--download-only",
                "--no-install-recommends",
            ])
            .arg("-o")
            .arg("Debug::NoLocking=1")
            .arg("-o")
            .arg(format!("Dir::Cache={}", cache.path().display()))
            .arg("-o")
            .arg(format!("Dir::Cache::archives={}", partial.display()))
            .arg("-o")
            .arg(format!("Dir::State::status={}", status.display()));
        }
        None => {
            cmd.current_dir(&partial).args(["download", "-qq"]);
        }
    }
    let out = cmd.args(packages).output();
    let failed = match out {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(format!(
            "apt-get could not fetch {packages:?}: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Some(format!("cannot run apt-get: {e}")),
    };
    if let Some(why) = failed {
        let _ = std::fs::remove_dir_all(&partial);
        gate::unmet(Need::DebianPackages, test, &why);
        return None;
    }
    let _ = std::fs::remove_dir_all(partial.join("partial"));
    std::fs::write(partial.join(".complete"), "").expect("mark the deb cache");
    std::fs::create_dir_all(dir.parent().expect("a parent")).expect("deb cache root");
    if std::fs::rename(&partial, &dir).is_err() {
        // Another test got there first.
        let _ = std::fs::remove_dir_all(&partial);
    }
    Some(dir)
}

fn deb_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("deb dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "deb"))
        .collect();
    out.sort();
    out
}

/// A copy of the debootstrap root with `debs` installed by dpkg inside it.
fn installed(rootfs: &Path, debs: &Path, into: &Path) {
    run(Command::new("cp").arg("-a").arg(rootfs).arg(into));
    let stage = into.join("tmp/ballast-debs");
    std::fs::create_dir_all(&stage).expect("stage dir");
    for d in deb_files(debs) {
        std::fs::copy(&d, stage.join(d.file_name().expect("a name"))).expect("stage deb");
    }
    run(Command::new("chroot").arg(into).args([
        "sh",
        "-c",
        "dpkg -i /tmp/ballast-debs/*.deb >/dev/null",
    ]));
    std::fs::remove_dir_all(&stage).expect("unstage");
}

/// A distroless-like root: every package unpacked, nothing configured, and
/// the CA bundle generated as `update-ca-certificates` would.
fn unpacked(dirs: &[&Path], into: &Path) {
    std::fs::create_dir_all(into.join("tmp")).expect("root dir");
    for dir in dirs {
        for d in deb_files(dir) {
            run(Command::new("dpkg").arg("-x").arg(&d).arg(into));
        }
    }
    let certs = into.join("usr/share/ca-certificates/mozilla");
    if let Ok(entries) = std::fs::read_dir(&certs) {
        let mut paths: Vec<PathBuf> = entries.map(|e| e.expect("cert").path()).collect();
        paths.sort();
        let mut bundle = Vec::new();
        for p in paths {
            bundle.extend(std::fs::read(p).expect("read cert"));
        }
        std::fs::create_dir_all(into.join("etc/ssl/certs")).expect("certs dir");
        std::fs::write(into.join("etc/ssl/certs/ca-certificates.crt"), bundle).expect("bundle");
    }
}

/// `docker import` of a root directory as one layer.
fn import(root: &Path, name: &str, changes: &[&str]) -> Image {
    let image = Image::adopt(unique(name));
    let mut tar = Command::new("tar")
        .arg("-C")
        .arg(root)
        .args(["--numeric-owner", "-cf", "-", "."])
        .stdout(Stdio::piped())
        .spawn()
        .expect("run tar");
    let mut import = Command::new("docker");
    import.arg("import");
    for c in changes {
        import.args(["--change", c]);
    }
    let out = import
        .args(["-", &image.tag])
        .stdin(tar.stdout.take().expect("tar's stdout"))
        .output()
        .expect("run docker import");
    assert!(
        tar.wait().expect("tar").success(),
        "tar of {}",
        root.display()
    );
    assert!(
        out.status.success(),
        "docker import: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    image
}

/// Build a context directory with the legacy builder, offline.
fn build(name: &str, ctx: &Path, dockerfile: &str) -> Image {
    std::fs::write(ctx.join("Dockerfile"), dockerfile).expect("write Dockerfile");
    let image = Image::adopt(unique(name));
    run(Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args(["build", "-q", "--force-rm", "--network", "none"])
        .args(["-t", &image.tag])
        .arg(ctx));
    image
}

/// What the engine says the image takes (its layers on disk).
fn real_size(image: &Image) -> u64 {
    let out = run(Command::new("docker").args(["image", "inspect", "-f", "{{.Size}}", &image.tag]));
    stdout(&out).trim().parse().expect("a size")
}

fn analyze(image: &Image) -> Analysis {
    engine_support::analyze(&image.tag, SourceKind::Docker)
}

/// The estimate is within 10 % of the real size, and its saving within 10 %
/// of the real saving (a looser check would pass on any image whose base
/// dominates).
fn close(what: &str, before: u64, estimated: u64, real: u64) {
    let error = estimated.abs_diff(real) as f64 / real as f64;
    let saved_real = before.saturating_sub(real);
    let saved_est = before.saturating_sub(estimated);
    let saved_error = saved_est.abs_diff(saved_real) as f64 / saved_real.max(1) as f64;
    eprintln!(
        "{what}: before {before}, estimated {estimated}, real {real} ({:.2} % off); saving estimated \
         {saved_est}, real {saved_real} ({:.2} % off)",
        error * 100.0,
        saved_error * 100.0
    );
    assert!(error <= 0.10, "{what}: estimate {estimated} vs real {real}");
    assert!(
        saved_error <= 0.10,
        "{what}: estimated saving {saved_est} vs real {saved_real}"
    );
}

fn write(ctx: &Path, path: &str, data: impl AsRef<[u8]>) {
    let p = ctx.join(path);
    std::fs::create_dir_all(p.parent().expect("a parent")).expect("context dir");
    std::fs::write(p, data).expect("context file");
}

fn strategy<'a>(a: &'a Analysis, s: &str) -> &'a Estimate {
    let s: ballast::vocab::Strategy = s.parse().unwrap_or_else(|e| panic!("{e}"));
    a.estimates
        .iter()
        .find(|e| e.strategy == s)
        .unwrap_or_else(|| panic!("no {s} estimate: {:#?}", a.estimates))
}

/// A glibc-linked shared object, compiled here: a Node addon's stand-in.
fn glibc_addon(test: &str, out: &Path) -> bool {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path().join("addon.c");
    std::fs::write(
        &src,
        "#include <string.h>\nsize_t addon_len(const char *s) { return strlen(s); }\n",
    )
    .expect("addon source");
    match Command::new("cc")
        .args(["-shared", "-fPIC", "-O2", "-o"])
        .arg(out)
        .arg(&src)
        .output()
    {
        Ok(o) if o.status.success() => true,
        Ok(o) => {
            let why = format!(
                "cc could not build the native addon: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            gate::unmet(Need::CCompiler, test, &why);
            false
        }
        Err(e) => {
            gate::unmet(Need::CCompiler, test, &format!("cannot run cc: {e}"));
            false
        }
    }
}

const TS_MAIN: &str = r#"import { pad } from "./util";
interface Greeting { who: string; times: number }
const g: Greeting = { who: "estimates", times: 3 };
for (let i = 0; i < g.times; i++) {
  console.log(pad(`hello ${g.who}`, 30));
}
"#;

const TS_UTIL: &str = r#"export function pad(s: string, width: number): string {
  return s.length >= width ? s : s + " ".repeat(width - s.length);
}
"#;

#[test]
fn node_app_multi_stage_and_distroless_estimates_match_real_builds() {
    let test = "node_app_multi_stage_and_distroless_estimates_match_real_builds";
    let Some(rootfs) = ready(test) else { return };
    let status = rootfs.join("var/lib/dpkg/status");
    let Some(node_debs) = debs(test, "node", Some(&status), &["nodejs"]) else {
        return;
    };
    let Some(ts_deb) = debs(test, "typescript", None, &["node-typescript"]) else {
        return;
    };
    let empty = tempfile::NamedTempFile::new().expect("empty status");
    let Some(node_closure) = debs(test, "node-closure", Some(empty.path()), &["nodejs"]) else {
        return;
    };
    let Some(basics) = debs(
        test,
        "distroless-basics",
        None,
        &["ca-certificates", "tzdata", "base-files", "netbase"],
    ) else {
        return;
    };
    let work = tempfile::tempdir_in(target()).expect("work dir");

    // The `node:bookworm` stand-in: Debian with Node, CMD node.
    let node_root = work.path().join("node-root");
    installed(&rootfs, &node_debs, &node_root);
    let node_base = import(&node_root, "est-node-base", &["CMD [\"node\"]"]);

    // The app: TypeScript compiled in the build, a dev-only compiler, a
    // production dependency and a glibc native addon.
    let ctx = work.path().join("node-ctx");
    let ts_root = work.path().join("ts");
    unpacked(&[&ts_deb], &ts_root);
    std::fs::create_dir_all(ctx.join("app/node_modules")).expect("ctx");
    run(Command::new("cp")
        .arg("-a")
        .arg(ts_root.join("usr/share/nodejs/typescript"))
        .arg(ctx.join("app/node_modules/typescript")));
    write(
        &ctx,
        "app/package.json",
        r#"{"name":"demo","version":"1.0.0","dependencies":{"left-pad":"^1.3.0","native-addon":"1.0.0"},"devDependencies":{"typescript":"^4.8.4"}}"#,
    );
    write(
        &ctx,
        "app/package-lock.json",
        r#"{"name":"demo","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"demo","version":"1.0.0"},"node_modules/typescript":{"version":"4.8.4","dev":true},"node_modules/left-pad":{"version":"1.3.0"},"node_modules/native-addon":{"version":"1.0.0"}}}"#,
    );
    write(
        &ctx,
        "app/node_modules/left-pad/package.json",
        r#"{"name":"left-pad","version":"1.3.0","main":"index.js"}"#,
    );
    write(
        &ctx,
        "app/node_modules/left-pad/index.js",
        "module.exports = (s, n, c) => String(s).padStart(n, c || ' ');\n",
    );
    write(
        &ctx,
        "app/node_modules/native-addon/package.json",
        r#"{"name":"native-addon","version":"1.0.0"}"#,
    );
    let addon = ctx.join("app/node_modules/native-addon/build/Release/addon.node");
    std::fs::create_dir_all(addon.parent().expect("addon dir")).expect("addon dir");
    if !glibc_addon(test, &addon) {
        return;
    }
    write(
        &ctx,
        "app/tsconfig.json",
        r#"{"compilerOptions":{"outDir":"dist","target":"es2020","module":"commonjs","strict":true},"include":["src"]}"#,
    );
    write(&ctx, "app/src/main.ts", TS_MAIN);
    write(&ctx, "app/src/util.ts", TS_UTIL);
    let fat = build(
        "est-node-fat",
        &ctx,
        &format!(
            "FROM {}\nWORKDIR /app\nCOPY app/ /app/\nRUN node node_modules/typescript/bin/tsc -p .\n\
             CMD node /app/dist/main.js\n",
            node_base.tag
        ),
    );
    let a = analyze(&fat);
    let before = real_size(&fat);
    // Read in place or exported, the estimates are the same.
    let exported = engine_support::analyze_with(
        &fat.tag,
        engine_support::options(SourceKind::Docker, EngineStorage::Never),
    );
    assert_eq!(
        serde_json::to_value((&a.base, &a.estimates)).unwrap(),
        serde_json::to_value((&exported.base, &exported.estimates)).unwrap()
    );

    // Base detection: the imported root is the base, Node is in it.
    assert_eq!(a.base.layers, 1, "{:#?}", a.base);
    assert_eq!(a.base.libc, "glibc");
    assert_eq!(a.base.os.as_ref().map(|o| o.id.as_str()), Some("debian"));
    let runtime = a.base.runtime.as_ref().expect("node found");
    assert_eq!((runtime.kind, runtime.in_base), ("node", true));

    // Multi-stage: the final stage on the same base, without the compiler and
    // the TypeScript sources.
    let ms = strategy(&a, "multi-stage");
    let dropped: Vec<&str> = ms.dropped.iter().map(|d| d.what).collect();
    assert!(dropped.contains(&"dev-dependencies"), "{dropped:?}");
    assert!(dropped.contains(&"typescript-sources"), "{dropped:?}");
    let ms_ctx = work.path().join("ms-ctx");
    std::fs::create_dir_all(&ms_ctx).expect("ctx");
    let multi = build(
        "est-node-ms",
        &ms_ctx,
        &format!(
            "FROM {fat} AS build\nFROM {base}\nWORKDIR /app\n\
             COPY --from=build /app/package.json /app/package-lock.json /app/tsconfig.json /app/\n\
             COPY --from=build /app/dist /app/dist\n\
             COPY --from=build /app/node_modules/left-pad /app/node_modules/left-pad\n\
             COPY --from=build /app/node_modules/native-addon /app/node_modules/native-addon\n\
             CMD [\"node\", \"/app/dist/main.js\"]\n",
            fat = fat.tag,
            base = node_base.tag
        ),
    );
    close("node multi-stage", before, ms.size_after, real_size(&multi));

    // The same app on a distroless-like base with Node.
    let dl_root = work.path().join("distroless-node");
    unpacked(&[&node_closure, &basics], &dl_root);
    let dl = import(&dl_root, "est-distroless-node", &[]);
    let candidate = BaseImage::measured("local/distroless-node", &analyze(&dl));
    assert_eq!(
        (
            candidate.libc.as_str(),
            candidate.shell,
            candidate.runtime.as_str()
        ),
        ("glibc", false, "node")
    );
    let e = estimate::base_switch(&a, &candidate);
    let dl_ctx = work.path().join("dl-ctx");
    std::fs::create_dir_all(&dl_ctx).expect("ctx");
    let switched = build(
        "est-node-dl",
        &dl_ctx,
        &format!(
            "FROM {fat} AS build\nFROM {dl}\nCOPY --from=build /app /app\n\
             CMD [\"node\", \"/app/dist/main.js\"]\n",
            fat = fat.tag,
            dl = dl.tag
        ),
    );
    close(
        "node on distroless",
        before,
        e.size_after,
        real_size(&switched),
    );

    // Feasibility: the shell-form CMD blocks a base without a shell, the RUN
    // has to move to a build stage.
    assert!(!e.feasible);
    let shell = e
        .warnings
        .iter()
        .find(|w| w.kind == "shell-form")
        .expect("shell-form");
    assert!(shell.blocking);
    assert_eq!(shell.paths, vec!["CMD node /app/dist/main.js"]);
    assert!(
        e.warnings
            .iter()
            .any(|w| w.kind == "run-needs-shell" && !w.blocking)
    );
    // The glibc addon blocks a musl base.
    let alpine = estimate::reference_table()
        .into_iter()
        .find(|r| r.name() == "node:24-alpine")
        .expect("node:24-alpine in the table");
    let e = estimate::base_switch(&a, &alpine);
    let w = e
        .warnings
        .iter()
        .find(|w| w.kind == "glibc-native-code")
        .unwrap_or_else(|| panic!("{:#?}", e.warnings));
    assert!(w.blocking && !e.feasible);
    assert_eq!(
        w.paths,
        vec!["/app/node_modules/native-addon/build/Release/addon.node"]
    );
}

const PY_EXT: &str = r#"#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static PyObject *square(PyObject *self, PyObject *args) {
    long x;
    char text[32];
    if (!PyArg_ParseTuple(args, "l", &x)) return NULL;
    snprintf(text, sizeof text, "%ld", x * x);
    return PyLong_FromLong(atol(text) + (long)strlen(text) * 0);
}
static PyMethodDef methods[] = {{"square", square, METH_VARARGS, "x*x"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "fastmath", NULL, -1, methods};
PyMODINIT_FUNC PyInit_fastmath(void) { return PyModule_Create(&module); }
"#;

#[test]
fn python_app_with_a_toolchain_estimates_match_real_builds() {
    let test = "python_app_with_a_toolchain_estimates_match_real_builds";
    let Some(rootfs) = ready(test) else { return };
    let status = rootfs.join("var/lib/dpkg/status");
    let Some(py_debs) = debs(test, "python", Some(&status), &["python3.11"]) else {
        return;
    };
    let work = tempfile::tempdir_in(target()).expect("work dir");
    let py_root = work.path().join("py-root");
    installed(&rootfs, &py_debs, &py_root);
    let py_status = py_root.join("var/lib/dpkg/status");
    let Some(tools) = debs(
        test,
        "toolchain",
        Some(&py_status),
        &["gcc", "libc6-dev", "python3.11-dev"],
    ) else {
        return;
    };
    let empty = tempfile::NamedTempFile::new().expect("empty status");
    let Some(py_closure) = debs(test, "python-closure", Some(empty.path()), &["python3.11"]) else {
        return;
    };
    let Some(basics) = debs(
        test,
        "distroless-basics",
        None,
        &["ca-certificates", "tzdata", "base-files", "netbase"],
    ) else {
        return;
    };
    let py_base = import(&py_root, "est-python-base", &["CMD [\"python3.11\"]"]);

    // The app installs gcc and the headers, compiles its extension, keeps all.
    let ctx = work.path().join("py-ctx");
    std::fs::create_dir_all(ctx.join("debs")).expect("ctx");
    for d in deb_files(&tools) {
        std::fs::copy(&d, ctx.join("debs").join(d.file_name().expect("a name"))).expect("deb");
    }
    write(&ctx, "app/fastmath.c", PY_EXT);
    write(
        &ctx,
        "app/main.py",
        "import fastmath\nprint(fastmath.square(12))\n",
    );
    let fat = build(
        "est-python-fat",
        &ctx,
        &format!(
            "FROM {}\nCOPY debs/ /tmp/debs/\n\
             RUN dpkg -i /tmp/debs/*.deb >/dev/null && rm -rf /tmp/debs\n\
             WORKDIR /app\nCOPY app/ /app/\n\
             RUN gcc -shared -fPIC -O2 $(python3.11-config --includes) \
             -o /app/fastmath$(python3.11-config --extension-suffix) /app/fastmath.c && python3.11 /app/main.py\n\
             CMD [\"python3.11\", \"/app/main.py\"]\n",
            py_base.tag
        ),
    );
    let a = analyze(&fat);
    let before = real_size(&fat);
    assert_eq!(a.base.layers, 1, "{:#?}", a.base);
    let runtime = a.base.runtime.as_ref().expect("python found");
    assert_eq!((runtime.kind, runtime.in_base), ("python", true));

    let ms = strategy(&a, "multi-stage");
    let dropped: Vec<&str> = ms.dropped.iter().map(|d| d.what).collect();
    assert!(dropped.contains(&"build-toolchain"), "{dropped:?}");
    assert!(dropped.contains(&"hidden"), "the deleted debs: {dropped:?}");
    let ms_ctx = work.path().join("ms-ctx");
    std::fs::create_dir_all(&ms_ctx).expect("ctx");
    let multi = build(
        "est-python-ms",
        &ms_ctx,
        &format!(
            "FROM {fat} AS build\nFROM {base}\nWORKDIR /app\nCOPY --from=build /app /app\n\
             CMD [\"python3.11\", \"/app/main.py\"]\n",
            fat = fat.tag,
            base = py_base.tag
        ),
    );
    close(
        "python multi-stage",
        before,
        ms.size_after,
        real_size(&multi),
    );

    // Multi-stage onto a distroless-like base with Python.
    let dl_root = work.path().join("distroless-python");
    unpacked(&[&py_closure, &basics], &dl_root);
    let dl = import(&dl_root, "est-distroless-python", &[]);
    let candidate = BaseImage::measured("local/distroless-python", &analyze(&dl));
    assert_eq!(candidate.runtime, "python", "{candidate:?}");
    let e = estimate::base_switch(&a, &candidate);
    let with_ms = e.with_multi_stage.expect("a multi-stage figure");
    let dl_ctx = work.path().join("dl-ctx");
    std::fs::create_dir_all(&dl_ctx).expect("ctx");
    let switched = build(
        "est-python-dl",
        &dl_ctx,
        &format!(
            "FROM {fat} AS build\nFROM {dl}\nCOPY --from=build /app /app\n\
             CMD [\"python3.11\", \"/app/main.py\"]\n",
            fat = fat.tag,
            dl = dl.tag
        ),
    );
    close(
        "python multi-stage on distroless",
        before,
        with_ms,
        real_size(&switched),
    );
    // Exec-form CMD: nothing blocks; the RUN steps need a build stage.
    assert!(e.feasible, "{:#?}", e.warnings);
    let runs = e
        .warnings
        .iter()
        .find(|w| w.kind == "run-needs-shell")
        .unwrap_or_else(|| panic!("{:#?}", e.warnings));
    assert!(!runs.blocking);
    assert_eq!(runs.paths.len(), 2, "{runs:?}");
    // The extension calls into glibc: it blocks Python on Alpine.
    let alpine = estimate::reference_table()
        .into_iter()
        .find(|r| r.name() == "python:3.12-alpine3.23")
        .expect("python alpine in the table");
    let e = estimate::base_switch(&a, &alpine);
    let w = e
        .warnings
        .iter()
        .find(|w| w.kind == "glibc-native-code")
        .unwrap_or_else(|| panic!("{:#?}", e.warnings));
    assert!(w.blocking && !e.feasible);
    assert_eq!(w.paths.len(), 1, "{w:?}");
    assert!(
        w.paths[0].starts_with("/app/fastmath") && w.paths[0].ends_with(".so"),
        "{w:?}"
    );
}

#[test]
fn the_parent_images_cmd_in_the_history_marks_the_base() {
    let test = "the_parent_images_cmd_in_the_history_marks_the_base";
    if !docker_ready(test) {
        return;
    }
    // Two layers of "base" ending in a CMD, like an official image, then the
    // app's own layers.
    let base = engine_support::build(
        "est-parent",
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
         CMD [\"sh\"]\n",
    );
    let app = engine_support::build(
        "est-child",
        &format!(
            "FROM {}\nRUN mkdir -p /app && head -c 300000 /dev/zero > /app/data && \
             head -c 200000 /dev/zero > /app/cache.tmp\nRUN rm /app/cache.tmp\n\
             CMD [\"sh\", \"-c\", \"cat /app/data\"]\n",
            base.tag
        ),
    );
    let a = analyze(&app);
    assert_eq!(a.image.layers.len(), 4);
    assert_eq!((a.base.layers, a.base.detected_by), (2, "history"));
    assert_eq!(
        a.base.bytes,
        a.image.layers[..2]
            .iter()
            .map(|l| l.size_bytes)
            .sum::<u64>()
    );
    // The multi-stage estimate leaves the deleted file behind, nothing else.
    let ms = strategy(&a, "multi-stage");
    assert_eq!(
        ms.dropped
            .iter()
            .map(|d| (d.what, d.bytes))
            .collect::<Vec<_>>(),
        vec![("hidden", 200_000)]
    );
    assert_eq!(ms.size_after, a.metrics.shipped_bytes - 200_000);
    let df = ms.dockerfile.as_deref().unwrap();
    assert!(df.contains("COPY --from=build /app /app\n"), "{df}");
    assert!(
        df.ends_with("CMD [\"sh\",\"-c\",\"cat /app/data\"]\n"),
        "{df}"
    );
}
