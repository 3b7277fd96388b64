//! A hash of everything that decides an image's bytes, without writing it:
//! the benchmark scripts regenerate their images when it changes.

use sha2::{Digest, Sha256};

use crate::spec::{Content, ImageSpec, Node};

/// Feed everything that decides an image's bytes into `h` (patterned
/// contents by their length and seed, not their bytes), so generated
/// benchmark images can be cached under the hash of their spec.
pub fn hash_spec(h: &mut Sha256, spec: &ImageSpec) {
    h.update(spec.container_config.to_string().as_bytes());
    for e in &spec.extra_history {
        h.update(e.as_bytes());
    }
    for l in &spec.layers {
        h.update(b"\0layer\0");
        h.update(l.command.as_bytes());
        for n in &l.nodes {
            // Debug output names every field: path, content, mode, uid, target.
            match n {
                Node::File {
                    path,
                    content: Content::Pattern { len, seed },
                    mode,
                    uid,
                } => {
                    h.update(b"f");
                    h.update(path);
                    h.update(len.to_le_bytes());
                    h.update(seed.to_le_bytes());
                    h.update(mode.to_le_bytes());
                    h.update(uid.to_le_bytes());
                }
                other => h.update(format!("{other:?}").as_bytes()),
            }
            h.update(b"\n");
        }
    }
}
