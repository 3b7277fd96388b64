//! The image cache with an engine: an image read in place or through its
//! export is taken from the cache the second time, equal to the read, and a
//! new tag on the image (which the in-place read lists) is a new entry.

use std::process::Command;
use std::sync::Mutex;

use ballast::layer::cache::LayerCache;
use ballast::progress::Progress;
use ballast::source::{EngineStorage, Options, ReadPath, SourceKind};

use crate::gate::{self, Need};
use crate::support::{Image, build, docker_ready, docker_storage, options, run};

/// Whether the run's progress said the analysis came from the image cache.
#[derive(Default)]
struct Said(Mutex<Vec<String>>);

impl Progress for Said {
    fn info(&self, message: &str) {
        self.0.lock().unwrap().push(message.to_string());
    }
}

fn analyze(tag: &str, opts: &Options) -> (serde_json::Value, ballast::Analysis, bool) {
    let said = Said::default();
    let a = ballast::analyze(tag, opts, &said).unwrap_or_else(|e| panic!("{tag}: {e}"));
    let hit = said
        .0
        .lock()
        .unwrap()
        .iter()
        .any(|m| m.contains("image cache"));
    (serde_json::to_value(&a).unwrap(), a, hit)
}

const DOCKERFILE: &str = "FROM scratch\n\
    COPY busybox /bin/busybox\n\
    RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox mkdir -p /app /tmp && \
    /bin/busybox echo data > /app/f && /bin/busybox echo junk > /tmp/junk\"]\n\
    RUN [\"/bin/busybox\", \"rm\", \"/tmp/junk\"]\n";

#[test]
fn an_engine_image_is_taken_from_the_image_cache_in_place_and_exported() {
    let test = "an_engine_image_is_taken_from_the_image_cache_in_place_and_exported";
    if !docker_ready(test) {
        return;
    }
    let image = build("image-cache", DOCKERFILE);
    let in_place = gate::check(Need::DockerStorage, test, docker_storage()).is_some();
    for storage in [EngineStorage::Auto, EngineStorage::Never] {
        let dir = tempfile::tempdir().unwrap();
        let plain = options(SourceKind::Docker, storage);
        let cached = Options {
            cache: Some(LayerCache::new(dir.path(), 1 << 30)),
            ..plain.clone()
        };
        let (cold, a, _) = analyze(&image.tag, &plain);
        if storage == EngineStorage::Never || in_place {
            let want = match storage {
                EngineStorage::Auto => ReadPath::EngineStorage,
                EngineStorage::Never => ReadPath::Export,
            };
            assert_eq!(a.image.read_path, want);
        }
        let (once, _, hit) = analyze(&image.tag, &cached);
        assert!(!hit, "{storage:?}: a hit in an empty cache");
        let (warm, w, hit) = analyze(&image.tag, &cached);
        assert!(
            hit,
            "{storage:?}: the second read was not taken from the image cache"
        );
        assert_eq!(cold, once, "{storage:?}");
        assert_eq!(cold, warm, "{storage:?}");
        assert_eq!(a.tree.len(), w.tree.len());
        // Another tag on the image: in place, the engine lists it, so the
        // cached analysis (with the old tags) is not taken.
        let again = Image::adopt(format!("{}-again", image.tag));
        run(Command::new("docker").args(["tag", &image.tag, &again.tag]));
        let (_, retagged, hit) = analyze(&image.tag, &cached);
        if a.image.read_path == ReadPath::EngineStorage {
            assert!(!hit, "a retagged image took the old tags from the cache");
            assert!(retagged.image.repo_tags.contains(&again.tag));
        }
        drop(again);
    }
}
