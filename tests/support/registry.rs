//! A loopback registry for the registry-source tests: Debian's
//! `docker-registry` started on a free 127.0.0.1 port from a config written
//! here (optionally with htpasswd basic auth and TLS from a CA made with
//! openssl), images pushed to it with skopeo, and `Proxy`: a token server and
//! fault injector in front of it. Nothing leaves loopback.
//!
//! Included as `#[path = "support/registry.rs"] mod registry;`, beside
//! `#[path = "support/bin.rs"] mod bin;`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Run `program args`, panicking with its output when it fails.
pub fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What a run of a program gave.
pub struct Run {
    /// The exit code, -1 for a signal.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run `cmd` (stdin closed) for at most `limit`: [`crate::bin::within`].
pub fn finish(cmd: &mut Command, limit: Duration) -> Run {
    let out = crate::bin::within(cmd, None, limit);
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Wait until something listens on `port` (polled with a deadline).
fn wait_for(port: u16, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "docker-registry did not listen on {port}: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// TLS material: a CA and a server certificate for 127.0.0.1 signed by it.
pub struct Tls {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn make_tls(dir: &Path) -> Tls {
    let p = |n: &str| dir.join(n).to_string_lossy().into_owned();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509", "-days", "2", "-subj", "/CN=ballast test CA"];
    ca.extend(ec);
    let (ca_key, ca_pem) = (p("ca.key"), p("ca.pem"));
    ca.extend(["-keyout", &ca_key, "-out", &ca_pem]);
    run("openssl", &ca);
    let (key, csr, cert, ext) = (p("srv.key"), p("srv.csr"), p("srv.pem"), p("ext.cnf"));
    let mut req = vec!["req", "-subj", "/CN=127.0.0.1"];
    req.extend(ec);
    req.extend(["-keyout", &key, "-out", &csr]);
    run("openssl", &req);
    std::fs::write(
        &ext,
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(
        "openssl",
        &[
            "x509",
            "-req",
            "-days",
            "2",
            "-in",
            &csr,
            "-CA",
            &ca_pem,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-extfile",
            &ext,
            "-out",
            &cert,
        ],
    );
    Tls {
        ca: dir.join("ca.pem"),
        cert: dir.join("srv.pem"),
        key: dir.join("srv.key"),
    }
}

/// A running `docker-registry`, killed when dropped.
pub struct Registry {
    pub port: u16,
    pub host: String,
    pub dir: tempfile::TempDir,
    child: Child,
    tls: bool,
    creds: Option<String>,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How to start one.
#[derive(Default)]
pub struct Setup<'a> {
    /// `user:password` for htpasswd basic auth.
    pub basic: Option<&'a str>,
    pub tls: Option<&'a Tls>,
    /// The most repositories one `/v2/_catalog` page lists (its `Link`
    /// header then names the next page).
    pub catalog_page: Option<usize>,
}

impl Registry {
    pub fn start(setup: Setup) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n\
             http:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("storage").display()
        );
        if let Some(tls) = setup.tls {
            config += &format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                tls.cert.display(),
                tls.key.display()
            );
        }
        if let Some(creds) = setup.basic {
            let (user, pass) = creds.split_once(':').unwrap();
            let line = run("htpasswd", &["-Bbn", user, pass]);
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, line.trim()).unwrap();
            config += &format!(
                "auth:\n  htpasswd:\n    realm: ballast-test\n    path: {}\n",
                file.display()
            );
        }
        if let Some(n) = setup.catalog_page {
            config += &format!("catalog:\n  maxentries: {n}\n");
        }
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let log = dir.path().join("registry.log");
        let child = Command::new("/usr/bin/docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(dir.path().join("registry.err")).unwrap())
            .spawn()
            .expect("docker-registry starts");
        wait_for(port, &dir.path().join("registry.err"));
        Registry {
            port,
            host: format!("127.0.0.1:{port}"),
            dir,
            child,
            tls: setup.tls.is_some(),
            creds: setup.basic.map(str::to_string),
        }
    }

    /// Push the `docker-archive` at `archive` as `name` (`demo:1`), with
    /// skopeo's extra `args` (e.g. `--dest-compress-format zstd`).
    pub fn push(&self, archive: &Path, name: &str, args: &[&str]) {
        self.push_from(&format!("docker-archive:{}", archive.display()), name, args);
    }

    /// Push the archive as `name` with zstd layers and an OCI manifest:
    /// through an OCI layout and `--preserve-digests`, since skopeo's blob
    /// cache would otherwise reuse gzip blobs the registry already has.
    pub fn push_zstd(&self, archive: &Path, name: &str) {
        let layout = self
            .dir
            .path()
            .join(format!("zstd-{}", name.replace([':', '/'], "-")));
        let oci = format!("oci:{}:z", layout.display());
        let src = format!("docker-archive:{}", archive.display());
        run(
            "skopeo",
            &[
                "copy",
                "--quiet",
                "--dest-compress-format",
                "zstd",
                &src,
                &oci,
            ],
        );
        self.push_from(&oci, name, &["--preserve-digests"]);
    }

    fn push_from(&self, src: &str, name: &str, args: &[&str]) {
        let dest = format!("docker://{}/{name}", self.host);
        let mut all = vec!["copy", "--quiet", "--dest-tls-verify=false"];
        let creds;
        if let Some(c) = &self.creds {
            creds = format!("--dest-creds={c}");
            all.push(&creds);
        }
        all.extend(args);
        all.extend([src, dest.as_str()]);
        run("skopeo", &all);
    }

    /// The raw manifest of `name:tag` (digest, bytes) as the registry stores it.
    pub fn manifest(&self, name: &str, tag: &str) -> (String, Vec<u8>) {
        let target = format!("docker://{}/{name}:{tag}", self.host);
        let raw = run(
            "skopeo",
            &["inspect", "--raw", "--tls-verify=false", &target],
        );
        let digest = format!("sha256:{}", sha256_hex(raw.as_bytes()));
        (digest, raw.into_bytes())
    }

    /// PUT a manifest or index document as `name:tag` (plain HTTP, no auth).
    pub fn put_manifest(&self, name: &str, tag: &str, media_type: &str, body: &[u8]) {
        let url = format!("http://{}/v2/{name}/manifests/{tag}", self.host);
        let file = self.dir.path().join("put.json");
        std::fs::write(&file, body).unwrap();
        run(
            "curl",
            &[
                "-fsS",
                "-X",
                "PUT",
                "-H",
                &format!("Content-Type: {media_type}"),
                "--data-binary",
                &format!("@{}", file.display()),
                &url,
            ],
        );
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    // sha2 is a dependency of the package, so tests may use it.
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// What the proxy does to one request whose path contains `path`.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer this status with an empty body.
    Status(u16),
    /// 429 with `Retry-After: secs`.
    TooMany(u64),
    /// Close the connection without answering.
    Reset,
    /// Forward the headers and this many body bytes, then close.
    Cut(usize),
    /// Forward the body in small pieces with pauses.
    Slow,
    /// Forward the headers and half the body, then hold the connection
    /// open without sending anything more.
    Stall,
    /// Answer 200 with this many bytes of JSON-ish padding.
    Huge(usize),
    /// Answer 307 to the same path under `/redirected`, served without auth.
    Redirect,
    /// Answer 200 with these header lines and this body.
    Answer(Vec<String>, Vec<u8>),
}

/// What the proxy saw.
#[derive(Default, Debug)]
pub struct Seen {
    pub token_requests: usize,
    pub requests: Vec<String>,
    /// `Authorization` headers that reached a redirected path.
    pub redirected_auth: Vec<String>,
}

struct Shared {
    upstream: u16,
    port: u16,
    /// `user:password` the token service accepts; None: anonymous tokens.
    basic: Option<String>,
    /// An identity token the token service trades for an access token (POST).
    refresh: Option<String>,
    faults: Mutex<Vec<(String, Fault)>>,
    seen: Mutex<Seen>,
}

/// A bearer-token registry front: 401 with a Bearer challenge until a token
/// from `/token` is sent, then forwards to the registry, injecting faults.
pub struct Proxy {
    pub host: String,
    shared: Arc<Shared>,
}

const TOKEN: &str = "ballast-test-token";

impl Proxy {
    pub fn start(upstream: u16, basic: Option<&str>) -> Proxy {
        Proxy::start_with(upstream, basic, None)
    }

    /// A proxy whose token service also takes `refresh` as an identity
    /// token (OAuth2's refresh-token grant, posted as a form).
    pub fn start_with(upstream: u16, basic: Option<&str>, refresh: Option<&str>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            upstream,
            port,
            basic: basic.map(str::to_string),
            refresh: refresh.map(str::to_string),
            faults: Mutex::new(Vec::new()),
            seen: Mutex::new(Seen::default()),
        });
        let s = shared.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let s = s.clone();
                std::thread::spawn(move || {
                    let _ = serve(conn, &s);
                });
            }
        });
        Proxy {
            host: format!("127.0.0.1:{port}"),
            shared,
        }
    }

    /// Inject `fault` into the next request whose path contains `path`.
    pub fn fault(&self, path: &str, fault: Fault) {
        self.shared
            .faults
            .lock()
            .unwrap()
            .push((path.to_string(), fault));
    }

    pub fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.shared.seen.lock().unwrap()
    }
}

fn serve(mut conn: TcpStream, s: &Shared) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end().to_string();
        if h.is_empty() {
            break;
        }
        headers.push(h);
    }
    let header = |name: &str| {
        headers.iter().find_map(|h| {
            let (k, v) = h.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    let range = header("range").map_or(String::new(), |r| format!(" range={r}"));
    s.seen
        .lock()
        .unwrap()
        .requests
        .push(format!("{method} {path}{range}"));
    if method == "POST" && path.starts_with("/token") {
        s.seen.lock().unwrap().token_requests += 1;
        let len: usize = header("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len.min(64 * 1024)];
        reader.read_exact(&mut body)?;
        let body = String::from_utf8_lossy(&body);
        let ok = s.refresh.as_ref().is_some_and(|r| {
            body.contains("grant_type=refresh_token")
                && body.contains(&format!("refresh_token={r}"))
        });
        return if ok {
            respond(
                &mut conn,
                200,
                &[],
                format!("{{\"access_token\":\"{TOKEN}\"}}").as_bytes(),
            )
        } else {
            respond(&mut conn, 401, &[], b"{\"error\":\"invalid_grant\"}")
        };
    }
    if path.starts_with("/token") {
        s.seen.lock().unwrap().token_requests += 1;
        let ok = match &s.basic {
            None => true,
            Some(b) => header("authorization").is_some_and(|a| {
                use base64::Engine;
                a == format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(b)
                )
            }),
        };
        return if ok {
            respond(
                &mut conn,
                200,
                &[],
                format!("{{\"token\":\"{TOKEN}\"}}").as_bytes(),
            )
        } else {
            respond(
                &mut conn,
                401,
                &[],
                b"{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}",
            )
        };
    }
    let redirected = path.strip_prefix("/redirected").map(str::to_string);
    if let Some(real) = &redirected {
        let auth = header("authorization").unwrap_or_default();
        s.seen.lock().unwrap().redirected_auth.push(auth);
        return forward(&mut conn, s, &method, real, &headers, None);
    }
    if path.starts_with("/v2/")
        && header("authorization").as_deref() != Some(&format!("Bearer {TOKEN}"))
    {
        let challenge = format!(
            "WWW-Authenticate: Bearer realm=\"http://127.0.0.1:{}/token\",service=\"ballast-test\",scope=\"repository:demo:pull\"",
            s.port
        );
        return respond(
            &mut conn,
            401,
            &[&challenge],
            b"{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}",
        );
    }
    let fault = {
        let mut faults = s.faults.lock().unwrap();
        faults
            .iter()
            .position(|(p, _)| path.contains(p.as_str()))
            .map(|i| faults.remove(i).1)
    };
    match fault {
        None => forward(&mut conn, s, &method, &path, &headers, None),
        Some(Fault::Status(code)) => respond(&mut conn, code, &[], b"injected"),
        Some(Fault::TooMany(secs)) => respond(
            &mut conn,
            429,
            &[&format!("Retry-After: {secs}")],
            b"slow down",
        ),
        Some(Fault::Reset) => conn.shutdown(Shutdown::Both),
        Some(Fault::Huge(n)) => respond(&mut conn, 200, &[], &vec![b' '; n]),
        Some(Fault::Redirect) => respond(
            &mut conn,
            307,
            &[&format!(
                "Location: http://127.0.0.1:{}/redirected{path}",
                s.port
            )],
            b"",
        ),
        Some(Fault::Answer(lines, body)) => {
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            respond(&mut conn, 200, &lines, &body)
        }
        Some(f) => forward(&mut conn, s, &method, &path, &headers, Some(f)),
    }
}

fn respond(conn: &mut TcpStream, code: u16, extra: &[&str], body: &[u8]) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {code} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for e in extra {
        head += e;
        head += "\r\n";
    }
    head += "\r\n";
    conn.write_all(head.as_bytes())?;
    conn.write_all(body)?;
    conn.flush()
}

/// Forward a GET to the registry (without the proxy's Authorization) and
/// its answer back, cut or slowed by `fault`.
fn forward(
    conn: &mut TcpStream,
    s: &Shared,
    method: &str,
    path: &str,
    headers: &[String],
    fault: Option<Fault>,
) -> std::io::Result<()> {
    let mut up = TcpStream::connect(("127.0.0.1", s.upstream))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n",
        s.upstream
    );
    for h in headers {
        let name = h.split(':').next().unwrap_or("").to_ascii_lowercase();
        if !matches!(name.as_str(), "authorization" | "host" | "connection") {
            req += h;
            req += "\r\n";
        }
    }
    req += "\r\n";
    up.write_all(req.as_bytes())?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer)?;
    let body_at = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(answer.len(), |i| i + 4);
    match fault {
        Some(Fault::Cut(n)) => {
            let end = (body_at + n).min(answer.len());
            conn.write_all(&answer[..end])?;
            conn.flush()?;
            conn.shutdown(Shutdown::Both)
        }
        Some(Fault::Stall) => {
            let half = body_at + (answer.len() - body_at) / 2;
            conn.write_all(&answer[..half])?;
            conn.flush()?;
            std::thread::sleep(Duration::from_secs(600));
            Ok(())
        }
        Some(Fault::Slow) => {
            conn.write_all(&answer[..body_at])?;
            for piece in answer[body_at..].chunks(64 * 1024) {
                conn.write_all(piece)?;
                conn.flush()?;
                std::thread::sleep(Duration::from_millis(30));
            }
            Ok(())
        }
        _ => {
            conn.write_all(&answer)?;
            conn.flush()
        }
    }
}
