use super::base::ImageRef;
use super::copy::{ecosystems_of_manifest, name_glob, whole_context};

fn glob_match(pattern: &str, name: &str) -> bool {
    name_glob(pattern).is_some_and(|g| g.is_match(name))
}

#[test]
fn image_refs_split_registry_ports_tags_and_digests() {
    let r = ImageRef::parse("reg:5000/team/node:20-alpine@sha256:ab");
    assert_eq!(r.name, "reg:5000/team/node");
    assert_eq!(r.tag.as_deref(), Some("20-alpine"));
    assert_eq!(r.digest.as_deref(), Some("sha256:ab"));
    assert_eq!(r.short(), "node");
    assert_eq!(ImageRef::parse("reg:5000/a").tag, None);
}

#[test]
fn globs_and_manifests() {
    assert!(glob_match("package*.json", "package-lock.json"));
    assert!(!glob_match("*.toml", "Cargo.lock"));
    assert!(glob_match("C?rgo.*", "Cargo.lock") && glob_match("[x]*", "[x]y"));
    assert!(!glob_match("go.mod?", "go.mod") && glob_match("**", "go.sum"));
    assert_eq!(ecosystems_of_manifest("./package*.json"), ["npm"]);
    assert_eq!(
        ecosystems_of_manifest("requirements/prod.txt"),
        Vec::<&str>::new()
    );
    assert_eq!(ecosystems_of_manifest("requirements-dev.txt"), ["python"]);
    assert!(whole_context("./") && whole_context(".") && !whole_context("src"));
}
