//! Engine errors through the CLI: every one is exit 2 with a message that
//! names the thing, never a panic and never a partial result. An engine that
//! dies mid-export is played by a tiny fake Engine API on a unix socket.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::support::{docker_ready, unique};

/// The binary, with an environment that does not depend on the caller's shell
/// (the Docker endpoint is left alone: the engine tests use the same one).
fn ballast() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_ballast"));
    for var in [
        "CONTAINER_HOST",
        "XDG_RUNTIME_DIR",
        "NO_COLOR",
        "CI",
        "RUST_BACKTRACE",
        // No layer cache: a broken export must be read to be seen.
        "XDG_CACHE_HOME",
        "HOME",
    ] {
        cmd.env_remove(var);
    }
    cmd.timeout(Duration::from_secs(120));
    cmd
}

/// Exit 2, nothing on stdout, an error on stderr containing each of `names`.
fn assert_error(cmd: &mut assert_cmd::Command, names: &[&str]) -> String {
    let out = cmd.output().expect("run ballast");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "exit status; stderr:\n{stderr}");
    assert!(
        out.stdout.is_empty(),
        "a failed run printed a result:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
    assert!(stderr.contains("ballast: error: "), "{stderr}");
    for name in names {
        assert!(
            stderr.contains(name),
            "the message does not name '{name}':\n{stderr}"
        );
    }
    stderr
}

#[test]
fn unknown_image_is_an_error_naming_it() {
    if !docker_ready("unknown_image_is_an_error_naming_it") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let reference = unique("no-such-image");
    for source in [None, Some("docker")] {
        let mut cmd = ballast();
        cmd.current_dir(dir.path())
            .args([&reference, "--json", "-"]);
        if let Some(source) = source {
            cmd.args(["--source", source]);
        }
        let stderr = assert_error(&mut cmd, &[&reference]);
        assert!(stderr.contains("--pull"), "says how to get it:\n{stderr}");
    }
}

#[test]
fn engine_down_is_an_error_naming_the_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("nonexistent.sock");
    let unix = format!("unix://{}", socket.display());
    // Port 9 (discard) on loopback: nothing listens there.
    for endpoint in [unix.as_str(), "tcp://127.0.0.1:9"] {
        assert_error(
            ballast()
                .current_dir(dir.path())
                .env("DOCKER_HOST", endpoint)
                .args(["some-image:1", "--json", "-"]),
            &[endpoint.trim_start_matches("unix://"), "docker"],
        );
    }
    assert_error(
        ballast()
            .current_dir(dir.path())
            .env("CONTAINER_HOST", &unix)
            .args(["some-image:1", "--source", "podman"]),
        &[&socket.display().to_string(), "podman"],
    );
}

/// How the fake engine ends the export.
#[derive(Debug, Clone, Copy)]
enum Death {
    /// Chunked body cut inside a 2 MiB layer blob, connection closed.
    ChunkedMidBlob,
    /// `Content-Length` promises the whole archive; cut inside the layer blob.
    LengthMidBlob,
    /// Chunked body cut exactly between two tar entries, connection closed:
    /// what is there is well-formed tar, but the last chunk never came.
    ChunkedAtEntryBoundary,
    /// The HTTP body ends properly, but the tar inside stops mid-blob.
    CleanEndTruncatedTar,
    /// The connection is closed before any response to `/get`.
    NoResponse,
}

const FAKE_IMAGE: &str = "ballast-fake-image";

/// A plausible start of a `docker save` stream: `repositories`, then a
/// layer blob (a real tar of 2 MiB, so a layer worker is busy when the
/// stream dies), then the rest. Returns the archive, the end of the first
/// entry, and an offset inside the layer blob.
fn partial_archive() -> (Vec<u8>, usize, usize) {
    let mut layer = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_ustar();
    h.set_size(2 << 20);
    h.set_mode(0o644);
    layer
        .append_data(&mut h, "big", std::io::repeat(b'z').take(2 << 20))
        .unwrap();
    let layer = layer.into_inner().unwrap();
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, data).unwrap();
    };
    let repositories = format!(r#"{{"{FAKE_IMAGE}":{{"latest":"{}"}}}}"#, "ab".repeat(32));
    add("repositories", repositories.as_bytes());
    add(&format!("{}/layer.tar", "cd".repeat(32)), &layer);
    add("manifest.json", b"[]");
    let archive = b.into_inner().unwrap();
    let boundary = 512 + repositories.len().div_ceil(512) * 512;
    (archive, boundary, boundary + 512 + (3 << 19))
}

struct FakeEngine {
    _dir: tempfile::TempDir,
    socket: PathBuf,
    log: Arc<Mutex<Vec<String>>>,
}

/// Serve the Engine API's `_ping`, image inspect and image export on a unix
/// socket, each connection on its own thread, logging every request line.
fn fake_engine(death: Death) -> FakeEngine {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("docker.sock");
    let listener = UnixListener::bind(&socket).unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let archive = Arc::new(partial_archive());
    let shared = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (log, archive) = (shared.clone(), archive.clone());
            std::thread::spawn(move || {
                let _ = serve(stream, death, &archive, &log);
            });
        }
    });
    FakeEngine {
        _dir: dir,
        socket,
        log,
    }
}

fn respond(out: &mut UnixStream, status: &str, body: &str) -> std::io::Result<()> {
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn chunk(out: &mut UnixStream, data: &[u8]) -> std::io::Result<()> {
    for piece in data.chunks(64 * 1024) {
        write!(out, "{:x}\r\n", piece.len())?;
        out.write_all(piece)?;
        out.write_all(b"\r\n")?;
    }
    out.flush()
}

fn serve(
    stream: UnixStream,
    death: Death,
    (archive, boundary, mid_blob): &(Vec<u8>, usize, usize),
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut body_len = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 || header == "\r\n" {
                break;
            }
            let lower = header.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                body_len = v.trim().parse().unwrap_or(0);
            }
        }
        std::io::copy(
            &mut (&mut reader).take(body_len as u64),
            &mut std::io::sink(),
        )?;
        log.lock().unwrap().push(line.trim().to_string());
        let target = line.split_whitespace().nth(1).unwrap_or("");
        let path = target.split('?').next().unwrap_or("");
        let image = format!("/images/{FAKE_IMAGE}/");
        if path.ends_with("/_ping") {
            out.write_all(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK")?;
        } else if path.ends_with("/info") {
            // No storage to read in place: ballast must fall back to the export.
            respond(
                &mut out,
                "200 OK",
                r#"{"Driver":"fake","DockerRootDir":"/nonexistent"}"#,
            )?;
        } else if path.contains(&image) && path.ends_with("/json") {
            let id = format!("sha256:{}", "ab".repeat(32));
            respond(
                &mut out,
                "200 OK",
                &format!(r#"{{"Id":"{id}","Size":1000}}"#),
            )?;
        } else if path.contains(&image) && path.ends_with("/get") {
            let chunked = "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\n\
                           Transfer-Encoding: chunked\r\n\r\n";
            match death {
                Death::ChunkedMidBlob => {
                    out.write_all(chunked.as_bytes())?;
                    chunk(&mut out, &archive[..*mid_blob])?;
                }
                Death::LengthMidBlob => {
                    write!(
                        out,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\n\
                         Content-Length: {}\r\n\r\n",
                        archive.len()
                    )?;
                    out.write_all(&archive[..*mid_blob])?;
                }
                Death::ChunkedAtEntryBoundary => {
                    out.write_all(chunked.as_bytes())?;
                    chunk(&mut out, &archive[..*boundary])?;
                }
                Death::CleanEndTruncatedTar => {
                    out.write_all(chunked.as_bytes())?;
                    chunk(&mut out, &archive[..*mid_blob])?;
                    out.write_all(b"0\r\n\r\n")?;
                    out.flush()?;
                    // Let the client read the end before the socket goes.
                    std::thread::sleep(Duration::from_secs(2));
                }
                Death::NoResponse => {}
            }
            out.shutdown(std::net::Shutdown::Both)?;
            return Ok(());
        } else {
            respond(
                &mut out,
                "404 Not Found",
                r#"{"message":"fake engine: no such route"}"#,
            )?;
        }
    }
}

#[test]
fn engine_dying_mid_export_is_an_error() {
    for death in [
        Death::ChunkedMidBlob,
        Death::LengthMidBlob,
        Death::ChunkedAtEntryBoundary,
        Death::CleanEndTruncatedTar,
        Death::NoResponse,
    ] {
        let engine = fake_engine(death);
        let host = format!("unix://{}", engine.socket.display());
        let dir = tempfile::tempdir().unwrap();
        let out = ballast()
            .current_dir(dir.path())
            .env("DOCKER_HOST", &host)
            .args([FAKE_IMAGE, "--json", "-"])
            .output()
            .expect("run ballast");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let log = engine.log.lock().unwrap().clone();
        eprintln!("{death:?}: requests {log:?}\n  stderr: {}", stderr.trim());
        assert!(
            log.iter()
                .any(|l| l.contains(&format!("/images/{FAKE_IMAGE}/json"))),
            "{death:?}: no inspect request: {log:?}"
        );
        assert!(
            log.iter().any(|l| l.contains("/get")),
            "{death:?}: no export request: {log:?}"
        );
        assert_eq!(out.status.code(), Some(2), "{death:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{death:?}: printed a result");
        assert!(!stderr.contains("panicked"), "{death:?}: {stderr}");
        assert!(
            stderr.contains(FAKE_IMAGE),
            "{death:?}: names the image: {stderr}"
        );
        let error = stderr
            .lines()
            .find(|l| l.starts_with("ballast: error: "))
            .unwrap_or_else(|| panic!("{death:?}: no error line: {stderr}"));
        match death {
            // The stream broke: say the engine stopped, not only that the tar
            // is short.
            Death::ChunkedMidBlob
            | Death::LengthMidBlob
            | Death::ChunkedAtEntryBoundary
            | Death::NoResponse => assert!(
                error.contains("docker engine stopped sending the image"),
                "{death:?}: {error}"
            ),
            // The engine said the body was complete: the archive is short.
            Death::CleanEndTruncatedTar => assert!(
                error.contains("the archive ends early after '") && error.contains("layer.tar"),
                "{death:?}: {error}"
            ),
        }
    }
}
