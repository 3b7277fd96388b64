use super::*;

/// A throwaway repository driven through the git CLI.
pub(crate) struct TestRepo {
    pub dir: tempfile::TempDir,
}

impl TestRepo {
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().expect("temp dir");
        let t = TestRepo { dir };
        t.git(&["init", "-q", "-b", "main"]);
        t
    }

    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .arg("-C")
            .arg(self.dir.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn write(&self, path: &str, text: &str) {
        let p = self.dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    pub fn chmod(&self, path: &str, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        let p = self.dir.path().join(path);
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }

    pub fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }

    /// A Node app whose Dockerfile copies everything before `npm ci`: a
    /// seed, four source edits, then a lockfile change (6 commits).
    pub fn node_app_with_edits() -> (TestRepo, &'static str) {
        let r = TestRepo::new();
        let text = "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"node\", \"app.js\"]\n";
        r.write("Dockerfile", text);
        r.write("package.json", "{}");
        r.write("package-lock.json", "{}");
        r.write("app.js", "0");
        r.commit("seed");
        for i in 1..=4 {
            r.write("app.js", &i.to_string());
            r.commit(&format!("edit {i}"));
        }
        r.write("package-lock.json", "{\"v\":2}");
        r.commit("lock");
        (r, text)
    }
}

#[test]
fn reads_the_base_tree_and_each_commits_changes() {
    let r = TestRepo::new();
    r.write("app/a.txt", "a");
    r.write("app/.dockerignore", "*.log\n");
    r.write("other/x", "outside the context");
    r.commit("one");
    r.write("app/a.txt", "changed");
    r.write("app/b.txt", "bb");
    r.commit("two");
    r.chmod("app/b.txt", 0o755);
    r.git(&["rm", "-q", "app/a.txt"]);
    r.write("app/.dockerignore", "*.tmp\n");
    r.commit("three");
    r.commit("four: empty");

    let h = History::read(&r.dir.path().join("app"), "HEAD", 3).expect("history");
    assert_eq!(h.commits.len(), 3);
    assert_eq!(h.commits[0].subject, "two");
    assert_eq!(h.commits[2].subject, "four: empty");
    let base: Vec<&str> = h.base.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(base, vec![".dockerignore", "a.txt", "b.txt"]);
    assert_eq!(h.base[2].1.size, 2);
    assert_eq!(h.base[2].1.mode, 0o100644);

    let three = &h.commits[1];
    assert_eq!(three.subject, "three");
    let mut paths: Vec<(&str, Option<u32>)> = three
        .changes
        .iter()
        .map(|c| (c.path.as_str(), c.entry.map(|e| e.mode)))
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            (".dockerignore", Some(0o100644)),
            ("a.txt", None),
            ("b.txt", Some(0o100755)),
        ]
    );
    assert!(h.commits[2].changes.is_empty());
    let ignore_blob = three.changes[0].entry.expect("changed").blob;
    assert_eq!(h.ignore_text(&ignore_blob), Some("*.tmp\n"));
    let end = h.files_at_end();
    assert_eq!(end.len(), 2);
    assert_eq!(end["b.txt"].size, 2);
}

#[test]
fn sha256_repositories_work_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let r = TestRepo { dir };
    r.git(&["init", "-q", "--object-format=sha256", "-b", "main"]);
    r.write(".dockerignore", "*.log\n");
    r.write("a", "1");
    r.commit("one");
    r.write("a", "22");
    r.commit("two");
    let h = History::read(r.dir.path(), "HEAD", 10).expect("history");
    assert_eq!(h.commits.len(), 2);
    assert_eq!(h.commits[1].changes[0].entry.map(|e| e.size), Some(2));
    let blob = h.base[0].1.blob;
    assert_eq!(h.ignore_text(&blob), Some("*.log\n"));
}

#[test]
fn a_directory_outside_git_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let e = History::read(dir.path(), "HEAD", 10).expect_err("not a repository");
    assert!(e.to_string().contains("not inside a git repository"), "{e}");
}
