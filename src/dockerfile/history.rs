//! The build context's git history, read without a single checkout.
//!
//! The cache simulation needs, for every commit, the mode and content id of
//! each file in the context. `git ls-tree` gives the oldest commit's files (with
//! sizes); `git log --raw` gives each later commit's changes against its first
//! parent, so a 1,000-commit window costs three `git` processes, not 1,000
//! checkouts. Only the `.dockerignore` versions are read as text
//! (`git cat-file --batch`); every other file is known by its blob id, which is
//! exactly what a builder's content key depends on.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// A git object id (SHA-1, or SHA-256 in repositories that use it), raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId([u8; 32]);

impl ObjectId {
    fn parse(hex_id: &str) -> Option<ObjectId> {
        let mut raw = [0u8; 32];
        let bytes = hex::decode(hex_id).ok()?;
        if bytes.len() > 32 || bytes.is_empty() {
            return None;
        }
        raw[..bytes.len()].copy_from_slice(&bytes);
        Some(ObjectId(raw))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// One file of the context at one commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileEntry {
    /// Git's mode: `0o100644`, `0o100755` or `0o120000` (symlink).
    pub mode: u32,
    pub blob: ObjectId,
    /// The blob's size in bytes (a symlink's: its target's length).
    pub size: u64,
}

/// A path that a commit added, changed, or (entry `None`) deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Relative to the context root, `/`-separated.
    pub path: String,
    pub entry: Option<FileEntry>,
}

/// One commit of the window.
#[derive(Debug, Clone)]
pub struct Commit {
    /// Full hex id.
    pub id: String,
    pub subject: String,
    /// Changes against the previous commit of the window (empty for the first).
    pub changes: Vec<Change>,
}

/// The context's files at the oldest commit of a window and every later
/// commit's changes, oldest first.
#[derive(Debug, Clone)]
pub struct History {
    pub commits: Vec<Commit>,
    /// The context's files at `commits[0]`, sorted by path.
    pub base: Vec<(String, FileEntry)>,
    /// The ignore file's path in the context: `.dockerignore`, or BuildKit's
    /// per-Dockerfile `<Dockerfile>.dockerignore`.
    pub ignore_file: String,
    /// Texts of the ignore file's versions in the window.
    ignore_texts: HashMap<ObjectId, String>,
    /// The repository's `.git` directory sits in the context (the context is
    /// the top level). A checkout's `.git` differs at every commit, so a
    /// `COPY` that does not ignore it misses every time.
    pub git_dir_in_context: bool,
}

/// The path the simulation gives the `.git` directory's changing content.
pub const GIT_DIR_PROBE: &str = ".git/HEAD";

/// The file the ignore rules are read from, relative to the context, unless
/// the Dockerfile has its own.
pub const DOCKERIGNORE: &str = ".dockerignore";

impl History {
    /// Read the last `count` first-parent commits up to `rev` (e.g. `HEAD`) of
    /// the repository that holds `context`, restricted to the files under it.
    pub fn read(context: &Path, rev: &str, count: usize) -> Result<History> {
        History::read_with_ignore(context, rev, count, DOCKERIGNORE)
    }

    /// [`History::read`] with the ignore rules read from `ignore_file`
    /// (relative to the context) at each commit.
    pub fn read_with_ignore(
        context: &Path,
        rev: &str,
        count: usize,
        ignore_file: &str,
    ) -> Result<History> {
        let repo = Repo::open(context)?;
        let ids = repo.commit_ids(rev, count)?;
        let Some(first) = ids.first() else {
            return Err(Error::Usage(format!(
                "'{rev}' has no commits in the repository at '{}'",
                repo.top.display()
            )));
        };
        let base = repo.tree(first)?;
        let mut commits = vec![Commit {
            id: first.clone(),
            subject: repo.subject(first)?,
            changes: Vec::new(),
        }];
        if let Some(last) = ids.last().filter(|_| ids.len() > 1) {
            commits.extend(repo.changes(first, last)?);
        }
        let mut history = History {
            commits,
            base,
            ignore_file: ignore_file.to_string(),
            ignore_texts: HashMap::new(),
            git_dir_in_context: repo.prefix.is_empty() && repo.top.join(".git").is_dir(),
        };
        history.fill_sizes(&repo)?;
        history.ignore_texts = repo.texts(history.ignore_blobs())?;
        Ok(history)
    }

    /// The stand-in for `.git` at commit `id` when it is in the context: one
    /// file whose content id is the commit's, so it changes at every commit.
    pub fn git_dir_entry(&self, id: &str) -> Option<FileEntry> {
        if !self.git_dir_in_context {
            return None;
        }
        Some(FileEntry {
            mode: 0o100644,
            blob: ObjectId::parse(id)?,
            size: 0,
        })
    }

    /// The text of a `.dockerignore` blob of this window.
    pub fn ignore_text(&self, blob: &ObjectId) -> Option<&str> {
        self.ignore_texts.get(blob).map(String::as_str)
    }

    /// The context's files at the newest commit.
    pub fn files_at_end(&self) -> HashMap<String, FileEntry> {
        let mut files: HashMap<String, FileEntry> = self.base.iter().cloned().collect();
        for commit in &self.commits {
            for change in &commit.changes {
                match change.entry {
                    Some(e) => files.insert(change.path.clone(), e),
                    None => files.remove(&change.path),
                };
            }
        }
        files
    }

    fn ignore_blobs(&self) -> Vec<ObjectId> {
        let at_base = self
            .base
            .iter()
            .filter(|(p, _)| *p == self.ignore_file)
            .map(|(_, e)| e.blob);
        let changed = self
            .commits
            .iter()
            .flat_map(|c| &c.changes)
            .filter(|c| c.path == self.ignore_file)
            .filter_map(|c| c.entry.map(|e| e.blob));
        let mut blobs: Vec<ObjectId> = at_base.chain(changed).collect();
        blobs.sort();
        blobs.dedup();
        blobs
    }

    /// `git log --raw` has no sizes: ask `cat-file --batch-check` for the new blobs.
    fn fill_sizes(&mut self, repo: &Repo) -> Result<()> {
        let mut wanted: Vec<ObjectId> = self
            .commits
            .iter()
            .flat_map(|c| &c.changes)
            .filter_map(|c| c.entry.map(|e| e.blob))
            .collect();
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(());
        }
        let sizes = repo.sizes(&wanted)?;
        for change in self.commits.iter_mut().flat_map(|c| c.changes.iter_mut()) {
            if let Some(e) = change.entry.as_mut() {
                e.size = sizes.get(&e.blob).copied().unwrap_or(0);
            }
        }
        Ok(())
    }
}

/// Whether `dir` is inside a git work tree (so it has a history to replay).
pub fn in_repository(dir: &Path) -> bool {
    git_in(dir, &["rev-parse", "--is-inside-work-tree"], None)
        .is_ok_and(|out| out.starts_with(b"true"))
}

/// The repository and where the context sits in it.
struct Repo {
    top: PathBuf,
    /// The context's path inside the repository, `""` or ending in `/`.
    prefix: String,
}

impl Repo {
    fn open(context: &Path) -> Result<Repo> {
        let out = git_in(
            context,
            &["rev-parse", "--show-toplevel", "--show-prefix"],
            None,
        )
        .map_err(|why| {
            Error::Usage(format!(
                "the context '{}' is not inside a git repository ({why}); the cache \
                     simulation replays its git history",
                context.display()
            ))
        })?;
        let text = String::from_utf8_lossy(&out);
        let mut lines = text.lines();
        let top = PathBuf::from(lines.next().unwrap_or_default());
        let prefix = lines.next().unwrap_or_default().to_string();
        Ok(Repo { top, prefix })
    }

    fn git(&self, args: &[&str], input: Option<Vec<u8>>) -> Result<Vec<u8>> {
        git_in(&self.top, args, input)
            .map_err(|why| Error::Usage(format!("git failed in '{}': {why}", self.top.display())))
    }

    /// The last `count` first-parent commits up to `rev`, oldest first.
    fn commit_ids(&self, rev: &str, count: usize) -> Result<Vec<String>> {
        let n = format!("--max-count={}", count.max(1));
        let out = self.git(&["rev-list", "--first-parent", &n, rev, "--"], None)?;
        let mut ids: Vec<String> = String::from_utf8_lossy(&out)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        ids.reverse();
        Ok(ids)
    }

    fn subject(&self, id: &str) -> Result<String> {
        let out = self.git(&["log", "-1", "--format=%s", id, "--"], None)?;
        Ok(String::from_utf8_lossy(&out).trim_end().to_string())
    }

    /// Strip the context prefix; `None` for paths outside the context.
    fn relative<'a>(&self, path: &'a str) -> Option<&'a str> {
        path.strip_prefix(self.prefix.as_str())
    }

    fn tree(&self, id: &str) -> Result<Vec<(String, FileEntry)>> {
        let mut args = vec!["ls-tree", "-r", "-z", "-l", "--full-tree", id];
        let prefix = self.prefix.trim_end_matches('/');
        if !prefix.is_empty() {
            args.extend(["--", prefix]);
        }
        let out = self.git(&args, None)?;
        let mut files = Vec::new();
        for record in out.split(|b| *b == 0).filter(|r| !r.is_empty()) {
            // "<mode> <type> <id> <size>\t<path>"
            let record = String::from_utf8_lossy(record);
            let Some((meta, path)) = record.split_once('\t') else {
                continue;
            };
            let mut fields = meta.split_whitespace();
            let (Some(mode), Some(kind), Some(blob), Some(size)) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            if kind != "blob" {
                continue; // submodules are not part of a build context
            }
            let (Some(rel), Ok(mode), Some(blob)) = (
                self.relative(path),
                u32::from_str_radix(mode, 8),
                ObjectId::parse(blob),
            ) else {
                continue;
            };
            let size = size.parse().unwrap_or(0);
            files.push((rel.to_string(), FileEntry { mode, blob, size }));
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(files)
    }

    /// Every commit after `first` up to `last` (first-parent), with its changes.
    fn changes(&self, first: &str, last: &str) -> Result<Vec<Commit>> {
        let range = format!("{first}..{last}");
        let out = self.git(
            &[
                "log",
                "--reverse",
                "--first-parent",
                "--diff-merges=first-parent",
                "--raw",
                "-z",
                "--no-renames",
                "--no-abbrev",
                "--format=%x01%H%x00%s%x00",
                &range,
                "--",
            ],
            None,
        )?;
        let mut commits = Vec::new();
        for record in out.split(|b| *b == 1).filter(|r| !r.is_empty()) {
            commits.push(self.parse_commit(record));
        }
        Ok(commits)
    }

    fn parse_commit(&self, record: &[u8]) -> Commit {
        let mut fields = record.split(|b| *b == 0);
        let id = String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
        let subject = String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
        let mut changes = Vec::new();
        // Then pairs: ":<old mode> <new mode> <old id> <new id> <status>", "<path>".
        while let Some(meta) = fields.next() {
            let meta = String::from_utf8_lossy(meta);
            let meta = meta.trim_start_matches('\n');
            let Some(meta) = meta.strip_prefix(':') else {
                continue;
            };
            let Some(path) = fields.next() else { break };
            let path = String::from_utf8_lossy(path);
            let Some(rel) = self.relative(&path) else {
                continue;
            };
            let parts: Vec<&str> = meta.split_whitespace().collect();
            let [_, new_mode, _, new_id, status] = parts[..] else {
                continue;
            };
            let mode = u32::from_str_radix(new_mode, 8).unwrap_or(0);
            let entry = match (status, ObjectId::parse(new_id)) {
                ("D", _) | (_, None) => None,
                // A submodule (160000) is not a file of the context.
                _ if mode & 0o170000 == 0o160000 => None,
                (_, Some(blob)) => Some(FileEntry {
                    mode,
                    blob,
                    size: 0,
                }),
            };
            changes.push(Change {
                path: rel.to_string(),
                entry,
            });
        }
        Commit {
            id,
            subject,
            changes,
        }
    }

    fn sizes(&self, blobs: &[ObjectId]) -> Result<HashMap<ObjectId, u64>> {
        let input = request(blobs);
        let out = self.git(&["cat-file", "--batch-check"], Some(input))?;
        let mut sizes = HashMap::new();
        for line in String::from_utf8_lossy(&out).lines() {
            // "<id> blob <size>"
            let mut f = line.split_whitespace();
            if let (Some(id), Some(_), Some(size)) = (f.next(), f.next(), f.next())
                && let (Some(id), Ok(size)) = (ObjectId::parse(id), size.parse())
            {
                sizes.insert(id, size);
            }
        }
        Ok(sizes)
    }

    fn texts(&self, blobs: Vec<ObjectId>) -> Result<HashMap<ObjectId, String>> {
        if blobs.is_empty() {
            return Ok(HashMap::new());
        }
        let out = self.git(&["cat-file", "--batch"], Some(request(&blobs)))?;
        // "<id> blob <size>\n<content>\n", repeated.
        let mut texts = HashMap::new();
        let mut rest = &out[..];
        while let Some(nl) = rest.iter().position(|b| *b == b'\n') {
            let header = String::from_utf8_lossy(&rest[..nl]).into_owned();
            rest = &rest[nl + 1..];
            let mut f = header.split_whitespace();
            let (Some(id), Some(_), Some(size)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let Ok(size) = size.parse::<usize>() else {
                continue; // "<id> missing"
            };
            let body = &rest[..size.min(rest.len())];
            if let Some(id) = ObjectId::parse(id) {
                texts.insert(id, String::from_utf8_lossy(body).into_owned());
            }
            rest = &rest[(size + 1).min(rest.len())..];
        }
        Ok(texts)
    }
}

/// One hex id per line, the object length git expects.
fn request(blobs: &[ObjectId]) -> Vec<u8> {
    let mut input = Vec::new();
    for b in blobs {
        // SHA-1 ids are zero-padded to 32 bytes; git wants 20.
        let len = if b.0[20..].iter().all(|x| *x == 0) {
            20
        } else {
            32
        };
        input.extend_from_slice(hex::encode(&b.0[..len]).as_bytes());
        input.push(b'\n');
    }
    input
}

/// Run git in `dir`, feeding `input` on a thread so large batches cannot
/// deadlock on full pipes. The error is git's own message.
fn git_in(
    dir: &Path,
    args: &[&str],
    input: Option<Vec<u8>>,
) -> std::result::Result<Vec<u8>, String> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "core.quotepath=off", "-c", "log.showSignature=false"])
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("GIT_OPTIONAL_LOCKS", "0")
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let feeder = match (input, child.stdin.take()) {
        (Some(bytes), Some(mut stdin)) => Some(std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        })),
        _ => None,
    };
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    if let Some(mut out) = child.stdout.take() {
        let err_pipe = child.stderr.take();
        let err_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut e) = err_pipe {
                let _ = e.read_to_end(&mut buf);
            }
            buf
        });
        out.read_to_end(&mut stdout)
            .map_err(|e| format!("cannot read git's output: {e}"))?;
        stderr = err_reader.join().unwrap_or_default();
    }
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let status = child
        .wait()
        .map_err(|e| format!("git did not finish: {e}"))?;
    if !status.success() {
        let msg = String::from_utf8_lossy(&stderr).trim().to_string();
        return Err(if msg.is_empty() {
            format!("`git {}` exited with {status}", args.join(" "))
        } else {
            msg
        });
    }
    Ok(stdout)
}

#[cfg(test)]
pub(crate) mod tests;
