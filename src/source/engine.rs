//! Docker and Podman engines, through the Engine API (bollard).
//!
//! The image is streamed out with `GET /images/{name}/get` (what `docker save`
//! does) on a small tokio runtime of its own; the rest of ballast sees a plain
//! blocking reader. The image is inspected first so that a missing image or an
//! engine that is down is a clear error before anything is read, and it is never
//! pulled unless the user asked for it.

use std::io::{self, Read};
use std::sync::mpsc::{SyncSender, sync_channel};

use bollard::Docker;
use bytes::Bytes;
use futures_util::StreamExt;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Docker,
    Podman,
}

impl Engine {
    /// The source users name this engine by (`--source docker`).
    pub fn source_kind(self) -> super::SourceKind {
        match self {
            Engine::Docker => super::SourceKind::Docker,
            Engine::Podman => super::SourceKind::Podman,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
        }
    }

    /// Where the engine listens: `DOCKER_HOST` for Docker; for Podman
    /// `CONTAINER_HOST`, else the root or rootless default socket.
    pub fn endpoint(self) -> String {
        match self {
            Engine::Docker => std::env::var("DOCKER_HOST")
                .unwrap_or_else(|_| "unix:///var/run/docker.sock".into()),
            Engine::Podman => std::env::var("CONTAINER_HOST").unwrap_or_else(|_| {
                let rootless = std::env::var("XDG_RUNTIME_DIR")
                    .ok()
                    .map(|d| format!("{d}/podman/podman.sock"))
                    .filter(|p| std::path::Path::new(p).exists());
                format!(
                    "unix://{}",
                    rootless.unwrap_or_else(|| "/run/podman/podman.sock".into())
                )
            }),
        }
    }
}

/// A running export.
pub struct Export {
    pub reader: Box<dyn Read + Send>,
    /// The image size the engine reports, for the progress bar.
    pub size_hint: Option<u64>,
}

/// How long one API call may take before the engine counts as unresponsive.
const TIMEOUT_SECS: u64 = 600;

fn connect(engine: Engine) -> Result<Docker> {
    let endpoint = engine.endpoint();
    let unavailable = |reason: String| Error::EngineUnavailable {
        engine: engine.name(),
        endpoint: endpoint.clone(),
        reason,
    };
    let docker = if let Some(path) = endpoint.strip_prefix("unix://") {
        Docker::connect_with_unix(path, TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
    } else if endpoint.starts_with("tcp://") || endpoint.starts_with("http://") {
        Docker::connect_with_http(&endpoint, TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
    } else if endpoint.starts_with('/') {
        Docker::connect_with_unix(&endpoint, TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
    } else {
        return Err(unavailable(format!(
            "unsupported endpoint scheme (use unix:// or tcp://); for ssh:// or TLS engines, \
             run `{} save IMAGE -o image.tar` and pass the archive",
            engine.name()
        )));
    };
    docker.map_err(|e| unavailable(e.to_string()))
}

/// Inspect `reference` and ask for the engine's data-root (for the fast path).
pub fn inspect_with_root(
    engine: Engine,
    reference: &str,
) -> Result<(bollard::models::ImageInspect, String)> {
    let docker = connect(engine)?;
    let endpoint = engine.endpoint();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Engine {
            engine: engine.name(),
            reference: reference.into(),
            reason: format!("cannot start the I/O runtime: {e}"),
        })?;
    rt.block_on(async {
        let inspect = docker
            .inspect_image(reference)
            .await
            .map_err(|e| classify(e, engine, &endpoint, reference))?;
        let info = docker
            .info()
            .await
            .map_err(|e| classify(e, engine, &endpoint, reference))?;
        let root = info.docker_root_dir.unwrap_or_else(|| match engine {
            Engine::Docker => "/var/lib/docker".into(),
            Engine::Podman => "/var/lib/containers/storage".into(),
        });
        Ok((inspect, root))
    })
}

/// Turn a bollard error into ours: 404 is a missing image, an HTTP answer an
/// engine error, anything else an engine that cannot be reached.
fn classify(e: bollard::errors::Error, engine: Engine, endpoint: &str, reference: &str) -> Error {
    match e {
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        } => Error::ImageNotFound {
            engine: engine.name(),
            reference: reference.into(),
        },
        bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        } => Error::Engine {
            engine: engine.name(),
            reference: reference.into(),
            reason: format!("the engine answered {status_code}: {message}"),
        },
        other => Error::EngineUnavailable {
            engine: engine.name(),
            endpoint: endpoint.into(),
            reason: other.to_string(),
        },
    }
}

/// Start exporting `reference`. Errors (engine down, image missing) come back
/// here; failures later in the stream surface as read errors.
pub fn export(engine: Engine, reference: &str, pull: bool) -> Result<Export> {
    let docker = connect(engine)?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<Option<u64>>>();
    let (chunk_tx, chunk_rx) = sync_channel::<io::Result<Bytes>>(32);
    let reference_owned = reference.to_string();
    let endpoint = engine.endpoint();
    std::thread::Builder::new()
        .name("engine-export".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(Error::Engine {
                        engine: engine.name(),
                        reference: reference_owned,
                        reason: format!("cannot start the I/O runtime: {e}"),
                    }));
                    return;
                }
            };
            rt.block_on(run(
                docker,
                engine,
                endpoint,
                reference_owned,
                pull,
                ready_tx,
                chunk_tx,
            ));
        })
        .map_err(|e| Error::Engine {
            engine: engine.name(),
            reference: reference.into(),
            reason: format!("cannot start the export thread: {e}"),
        })?;
    let size_hint = ready_rx.recv().map_err(|_| Error::Engine {
        engine: engine.name(),
        reference: reference.into(),
        reason: "the export thread stopped unexpectedly".into(),
    })??;
    Ok(Export {
        reader: Box::new(super::channel::ChannelReader::new(chunk_rx)),
        size_hint,
    })
}

async fn run(
    docker: Docker,
    engine: Engine,
    endpoint: String,
    reference: String,
    pull: bool,
    ready: std::sync::mpsc::Sender<Result<Option<u64>>>,
    chunks: SyncSender<io::Result<Bytes>>,
) {
    let fail = |reason: String| Error::Engine {
        engine: engine.name(),
        reference: reference.clone(),
        reason,
    };
    let classify = |e| classify(e, engine, &endpoint, &reference);
    let mut inspect = docker.inspect_image(&reference).await.map_err(classify);
    if pull && matches!(inspect, Err(Error::ImageNotFound { .. })) {
        let options = bollard::query_parameters::CreateImageOptions {
            from_image: Some(reference.clone()),
            ..Default::default()
        };
        let mut progress = docker.create_image(Some(options), None, None);
        while let Some(item) = progress.next().await {
            if let Err(e) = item {
                let _ = ready.send(Err(fail(format!("pull failed: {e}"))));
                return;
            }
        }
        inspect = docker.inspect_image(&reference).await.map_err(classify);
    }
    let size = match inspect {
        Ok(info) => info.size.and_then(|s| u64::try_from(s).ok()),
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    if ready.send(Ok(size)).is_err() {
        return;
    }
    let mut stream = docker.export_image(&reference);
    while let Some(item) = stream.next().await {
        let item = item.map_err(|e| {
            io::Error::other(format!(
                "the {} engine stopped sending the image: {e}",
                engine.name()
            ))
        });
        let failed = item.is_err();
        if chunks.send(item).is_err() || failed {
            return;
        }
    }
}
