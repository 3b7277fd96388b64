//! The registry source: an image read over the OCI Distribution API, no
//! engine involved. The manifest and config are fetched first; then the
//! layers are downloaded by a few workers at once, each blob streamed
//! straight into the layer reader (nothing touches the disk), its digest
//! hashed on the way and its diff_id checked by the reader. The layers reach
//! the caller in manifest order: finished indexes wait, bytes never do.

mod auth;
pub(crate) mod catalog;
mod client;
mod credentials;
mod manifest;
mod reference;

use std::io::{self, Read};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use sha2::{Digest, Sha256};

use super::{Cancellable, Loaded, Options, ReadPath, SourceKind, check_digest, corrupt};
use crate::error::{Error, Result};
use crate::layer::{LayerIndex, ReadOptions, read_layer_counted};
use crate::progress::Progress;
use client::Client;

pub use client::RegistryOptions;

/// Layers downloaded at once.
const PARALLEL: usize = 4;
/// Times a broken blob download is resumed where it stopped.
const RESUMES: u32 = 5;

/// Read `reference` from its registry and hand each layer to `on_layer` in order.
/// `remote`, when given, is the image already resolved (by `identify`).
pub(crate) fn load(
    reference: &str,
    remote: Option<Remote>,
    opts: &Options,
    progress: &dyn Progress,
    on_layer: &mut dyn FnMut(usize, LayerIndex) -> Result<()>,
) -> Result<Loaded> {
    let Remote {
        client,
        plan,
        sizes,
    } = match remote {
        Some(remote) => remote,
        None => Remote::open(reference, opts)?,
    };
    progress.phase(&format!("pulling {reference}"), Some(sizes.iter().sum()));

    let next = AtomicUsize::new(0);
    let cancel = AtomicBool::new(false);
    let workers = PARALLEL.min(plan.layers.len().max(1));
    let (tx, rx) = mpsc::channel::<(usize, Result<LayerIndex>)>();
    let hits = super::cached::Hits::default();
    std::thread::scope(|scope| -> Result<()> {
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, cancel, plan, client, sizes) = (&next, &cancel, &plan, &client, &sizes);
            let hits = &hits;
            scope.spawn(move || {
                // Manifest order: the layer the merge needs next starts first.
                while !cancel.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= plan.layers.len() {
                        break;
                    }
                    // A cached layer is not downloaded; its compression is
                    // the one its media type names.
                    let layer = &plan.layers[i];
                    let media_type = || super::cached::from_media_type(layer.media_type.as_deref());
                    // The claim (if any) is held until the layer is stored:
                    // another image in flight that needs it waits, then hits.
                    let result = match hits.lookup_or_claim(opts, layer, sizes[i], media_type) {
                        Ok(index) => {
                            progress.advance(sizes[i]);
                            Ok(index)
                        }
                        Err(_claim) => read_one(client, plan, sizes[i], i, opts, progress, cancel),
                    };
                    if tx.send((i, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        super::merge_in_order(rx, &cancel, on_layer)
    })?;
    progress.finish();
    hits.note(plan.layers.len(), progress);
    Ok(Loaded {
        plan,
        source: SourceKind::Registry,
        blob_sizes: sizes.into_iter().map(Some).collect(),
        read_path: ReadPath::Registry,
    })
}

fn read_one(
    client: &Client,
    plan: &crate::source::ImagePlan,
    size: u64,
    i: usize,
    opts: &Options,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<LayerIndex> {
    let layer = &plan.layers[i];
    let digest = layer.digest.clone().unwrap_or_default();
    let mut blob = Blob::new(client, &digest, size);
    let name = format!("{}/{}", client.registry, client.repository);
    let read = read_layer_counted(
        Cancellable {
            inner: &mut blob,
            cancel,
        },
        ReadOptions {
            verify: opts.verify,
        },
        &opts.limits,
        &opts.entries,
        &|n| progress.advance(n),
    );
    if let Some(e) = blob
        .failure
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    {
        return Err(e);
    }
    let index = read.map_err(|e| corrupt(&name, i, layer, e))?;
    // The tar may end before the blob does (padding, a compressor's trailer):
    // the digest covers every byte.
    io::copy(&mut blob, &mut io::sink()).map_err(|e| Error::Registry {
        registry: client.registry.clone(),
        reason: format!("downloading layer {i} ({digest}) failed: {e}"),
    })?;
    if let Some(e) = blob
        .failure
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    {
        return Err(e);
    }
    if opts.verify {
        let actual = format!("sha256:{}", hex::encode(blob.hash.finalize_reset()));
        if actual != digest {
            return Err(Error::Registry {
                registry: client.registry.clone(),
                reason: format!(
                    "layer {i}: the blob it sent for {digest} hashes to {actual}; the \
                     registry or something between is corrupting data (--no-verify skips this check)"
                ),
            });
        }
    }
    check_digest(&name, i, layer, &index, opts)?;
    super::cached::store(opts, layer, &index);
    Ok(index)
}

/// An image's manifest, resolved, and a client to fetch its blobs: what
/// reading one file back out of a layer needs.
pub(crate) struct Remote {
    client: Client,
    plan: crate::source::ImagePlan,
    sizes: Vec<u64>,
}

impl Remote {
    pub(crate) fn open(reference: &str, opts: &Options) -> Result<Remote> {
        let parsed = reference::parse(reference)?;
        let credential = credentials::lookup(&parsed.registry)?;
        let client = Client::new(&parsed, credential, &opts.registry)?;
        let (plan, sizes) = manifest::resolve(&client, parsed.target(), opts.platform.as_ref())?;
        Ok(Remote {
            client,
            plan,
            sizes,
        })
    }

    pub(crate) fn plan(&self) -> &crate::source::ImagePlan {
        &self.plan
    }

    /// Each layer's blob size, as the manifest gives it.
    pub(crate) fn sizes(&self) -> &[u64] {
        &self.sizes
    }

    pub(crate) fn layer(&self, i: usize) -> Option<&crate::source::layout::LayerRef> {
        self.plan.layers.get(i)
    }

    /// Layer `i`'s blob, downloaded as it is read.
    pub(crate) fn blob(&self, i: usize) -> Blob<'_> {
        Blob::new(
            &self.client,
            self.plan.layers[i].digest.as_deref().unwrap_or_default(),
            self.sizes[i],
        )
    }
}

/// One blob's bytes: resumed with a Range request where a broken connection
/// left off, hashed as they pass. A registry error is kept in `failure` (the
/// layer reader only sees that reading stopped), so the caller reports it
/// rather than a "corrupt layer".
pub(crate) struct Blob<'a> {
    client: &'a Client,
    digest: &'a str,
    body: Option<Box<dyn Read + Send>>,
    pos: u64,
    size: u64,
    resumes: u32,
    /// Where the current download started: one that got further before it
    /// broke does not count against [`RESUMES`].
    opened_at: u64,
    hash: Sha256,
    failure: Mutex<Option<Error>>,
}

impl<'a> Blob<'a> {
    fn new(client: &'a Client, digest: &'a str, size: u64) -> Blob<'a> {
        Blob {
            client,
            digest,
            body: None,
            pos: 0,
            size,
            resumes: 0,
            opened_at: 0,
            hash: Sha256::new(),
            failure: Mutex::new(None),
        }
    }

    /// Open (or reopen) the download at `pos`.
    fn open(&mut self) -> Result<()> {
        let what = format!(
            "layer blob '{}' in repository '{}'",
            self.digest, self.client.repository
        );
        let resp = self.client.get_sized(
            &format!("blobs/{}", self.digest),
            None,
            self.pos,
            self.size.saturating_sub(self.pos),
            &what,
        )?;
        let partial = resp.status().as_u16() == 206;
        let mut body: Box<dyn Read + Send> =
            Box::new(resp.into_body().into_with_config().limit(u64::MAX).reader());
        if self.pos > 0 && !partial {
            // The server ignored the Range: skip what was already read.
            io::copy(&mut (&mut body).take(self.pos), &mut io::sink())
                .map_err(|e| self.broken(e))?;
        }
        self.body = Some(body);
        self.opened_at = self.pos;
        Ok(())
    }

    fn broken(&self, e: io::Error) -> Error {
        Error::Registry {
            registry: self.client.registry.clone(),
            reason: format!(
                "downloading {} broke off at byte {} of {} and did not resume after \
                 {RESUMES} tries: {e}",
                self.digest, self.pos, self.size
            ),
        }
    }

    fn fail(&self, e: Error) -> io::Error {
        let message = e.to_string();
        *self.failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
        io::Error::other(message)
    }
}

impl Read for Blob<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Never past the manifest's size: a registry that sends more (or
        // forever) gets its blob's digest checked on what the size allows.
        let buf = match self.size.checked_sub(self.pos) {
            Some(0) if self.size > 0 => return Ok(0),
            Some(left) if self.size > 0 => {
                let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                &mut buf[..n]
            }
            _ => buf,
        };
        loop {
            if self.body.is_none()
                && let Err(e) = self.open()
            {
                return Err(self.fail(e));
            }
            let body = self.body.as_mut().expect("opened above");
            let result = match body.read(buf) {
                // A body that ends short of the manifest's size was cut off.
                Ok(0) if self.pos < self.size => Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the connection closed early",
                )),
                other => other,
            };
            match result {
                Ok(n) => {
                    self.hash.update(&buf[..n]);
                    self.pos += n as u64;
                    return Ok(n);
                }
                Err(_) if self.resumes < RESUMES || self.pos > self.opened_at => {
                    if self.pos > self.opened_at {
                        self.resumes = 0;
                    }
                    self.resumes += 1;
                    self.body = None;
                    std::thread::sleep(std::time::Duration::from_millis(
                        100 << self.resumes.min(6),
                    ));
                }
                Err(e) => return Err(self.fail(self.broken(e))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Origin, origin};

    #[test]
    fn auto_never_picks_the_registry() {
        let auto = Options::default();
        for reference in ["127.0.0.1:5000/demo:1", "registry.example.com/team/app:1.4"] {
            assert!(
                matches!(origin(reference, &auto), Ok(Origin::Engine(_))),
                "{reference}"
            );
            let asked = Options {
                source: SourceKind::Registry,
                ..Options::default()
            };
            assert!(matches!(origin(reference, &asked), Ok(Origin::Registry)));
        }
    }

    #[test]
    fn insecure_hosts_match_with_or_without_a_port() {
        let opts = RegistryOptions {
            ca_files: Vec::new(),
            insecure: vec!["127.0.0.1:5000".into(), "plain.example".into()],
            ..RegistryOptions::default()
        };
        assert!(opts.is_insecure("127.0.0.1:5000"));
        assert!(!opts.is_insecure("127.0.0.1:5001"));
        assert!(!opts.is_insecure("127.0.0.1"));
        assert!(opts.is_insecure("plain.example:8080"));
        assert!(!opts.is_insecure("other.example"));
    }
}
