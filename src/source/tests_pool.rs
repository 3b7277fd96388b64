//! The layer worker pools under failure: a worker that panics becomes an
//! error, and nobody waits for it.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout};

use super::{Options, load, test_hook};
use crate::error::Error;
use crate::progress::Silent;

/// Three layers big enough to be handed to workers even in a stream.
fn spec() -> ImageSpec {
    let layer = |i: u64| {
        LayerSpec::new(
            &format!("/bin/sh -c step {i}"),
            vec![fixture::big_file(format!("f{i}"), 2 * 1024 * 1024, i)],
        )
    };
    ImageSpec {
        layers: (0..3).map(layer).collect(),
        ..ImageSpec::default()
    }
}

/// Load `path` on another thread with the panic hook on; the error, or a
/// failure when it takes longer than a minute (a hang).
fn load_with_a_panicking_worker(path: &Path) -> Error {
    let reference = path.to_str().unwrap().to_string();
    test_hook::panic_when_reading(&reference);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let result = load(
            &reference,
            &Options::default(),
            Default::default(),
            &Silent,
            &mut |_, _| Ok(()),
        );
        let _ = tx.send(result.map(|_| ()));
    });
    let outcome = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the load hangs after a worker panicked");
    outcome.expect_err("a worker panicked, the load must fail")
}

#[test]
fn a_panicking_layer_worker_is_an_error_not_a_hang_in_a_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("oci");
    std::fs::create_dir(&dir).unwrap();
    fixture::write_image(&spec(), Layout::OciDir, Compress::Gzip, &dir).unwrap();
    let err = load_with_a_panicking_worker(&dir);
    assert!(matches!(err, Error::WorkerPanicked { .. }), "{err}");
    assert!(err.to_string().contains("internal error"), "{err}");
}

#[test]
fn a_panicking_layer_worker_is_an_error_not_a_hang_in_a_stream() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("i.tar");
    fixture::write_image(&spec(), Layout::DockerLegacy, Compress::None, &plain).unwrap();
    let gz = tmp.path().join("i.tar.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    std::io::copy(&mut std::fs::File::open(&plain).unwrap(), &mut enc).unwrap();
    enc.finish().unwrap();
    let err = load_with_a_panicking_worker(&gz);
    assert!(matches!(err, Error::WorkerPanicked { .. }), "{err}");
    assert!(err.to_string().contains("layer 0"), "{err}");
}

#[test]
fn source_names_agree_with_json_and_flags() {
    use clap::ValueEnum;
    for k in super::SourceKind::value_variants() {
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        assert_eq!(k.to_possible_value().unwrap().get_name(), k.as_str());
    }
}
