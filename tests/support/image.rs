//! Images for the tests that describe one by its layers' files alone.
//!
//! Included as `#[path = "support/image.rs"] mod image;`.

use testimage::{ImageSpec, LayerSpec, Node};

/// An image of `layers`, layer N made by `RUN step N`.
pub fn steps(layers: Vec<Vec<Node>>) -> ImageSpec {
    ImageSpec {
        layers: layers
            .into_iter()
            .enumerate()
            .map(|(i, nodes)| LayerSpec::new(&format!("/bin/sh -c step {i}"), nodes))
            .collect(),
        ..ImageSpec::default()
    }
}
