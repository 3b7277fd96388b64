use super::dive::DiveTally;
use super::*;
use crate::layer::{ReadOptions, read_layer};
use testimage::{LayerSpec, Node as F};

fn layer(nodes: Vec<F>) -> LayerIndex {
    let mut tar = Vec::new();
    testimage::write_layer_tar(&LayerSpec::new("t", nodes), &mut tar).unwrap();
    read_layer(&tar[..], ReadOptions { verify: false }, &|_| {}).unwrap()
}

fn build(layers: Vec<Vec<F>>) -> (MergedTree, DiveTally) {
    let mut tree = MergedTree::default();
    let mut dive = DiveTally::default();
    for l in layers {
        let idx = layer(l);
        dive.observe(&mut tree, &idx).unwrap();
        tree.push_layer(&idx).unwrap();
    }
    tree.sort_children();
    (tree, dive)
}

/// Live paths with their kinds, sorted.
fn live(tree: &MergedTree) -> Vec<String> {
    let mut v: Vec<String> = tree
        .nodes()
        .filter_map(|(id, n)| {
            n.live().map(|m| {
                format!(
                    "{} {}",
                    String::from_utf8_lossy(&tree.path(id)),
                    m.kind.as_str()
                )
            })
        })
        .collect();
    v.sort();
    v
}

fn ops(tree: &MergedTree, path: &str) -> Vec<(u16, Op)> {
    let id = tree.lookup(path.as_bytes()).expect(path);
    tree.node(id)
        .history
        .iter()
        .map(|c| (c.layer, c.op))
        .collect()
}

#[test]
fn whiteout_removes_a_file_and_a_whole_directory() {
    let (tree, _) = build(vec![
        vec![
            testimage::dir("a"),
            testimage::file("a/x", "1"),
            testimage::dir("a/sub"),
            testimage::file("a/sub/y", "22"),
            testimage::file("f", "333"),
        ],
        vec![testimage::whiteout("a"), testimage::whiteout("f")],
    ]);
    assert_eq!(live(&tree), Vec::<String>::new());
    assert_eq!(
        ops(&tree, "a/sub/y"),
        vec![(0, Op::Added), (1, Op::Removed)]
    );
    assert_eq!(ops(&tree, "f"), vec![(0, Op::Added), (1, Op::Removed)]);
    assert_eq!(tree.live_bytes(), 0);
}

#[test]
fn opaque_directory_hides_lower_children_but_keeps_its_own_layers() {
    let (tree, _) = build(vec![
        vec![
            testimage::dir("d"),
            testimage::file("d/old1", "aaaa"),
            testimage::file("d/old2", "bb"),
            testimage::file("d/keep", "k"),
        ],
        // The marker comes after the new child in tar order: it still only hides
        // what lower layers put there.
        vec![
            testimage::dir("d"),
            testimage::file("d/new", "nn"),
            testimage::file("d/keep", "K"),
            testimage::opaque("d"),
        ],
    ]);
    assert_eq!(live(&tree), vec!["d dir", "d/keep file", "d/new file"]);
    assert_eq!(ops(&tree, "d/old1"), vec![(0, Op::Added), (1, Op::Removed)]);
    assert_eq!(
        ops(&tree, "d/keep"),
        vec![(0, Op::Added), (1, Op::Modified)]
    );
    assert_eq!(ops(&tree, "d"), vec![(0, Op::Added), (1, Op::Modified)]);
    assert_eq!(tree.live_bytes(), 3);
}

#[test]
fn file_replacing_directory_replaces_the_subtree_and_back() {
    let (tree, _) = build(vec![
        vec![
            testimage::dir("p"),
            testimage::file("p/a", "1"),
            testimage::file("q", "file"),
        ],
        vec![testimage::file("p", "now a file")],
        vec![testimage::dir("q"), testimage::file("q/inside", "x")],
    ]);
    assert_eq!(live(&tree), vec!["p file", "q dir", "q/inside file"]);
    assert_eq!(ops(&tree, "p/a"), vec![(0, Op::Added), (1, Op::Removed)]);
    assert_eq!(ops(&tree, "p"), vec![(0, Op::Added), (1, Op::Modified)]);
    assert_eq!(ops(&tree, "q"), vec![(0, Op::Added), (2, Op::Modified)]);
}

#[test]
fn implicit_parent_replaces_a_file_in_the_way() {
    let (tree, _) = build(vec![
        vec![testimage::file("x", "1")],
        vec![testimage::file("x/y", "2")],
    ]);
    assert_eq!(live(&tree), vec!["x dir", "x/y file"]);
    let x = tree.lookup(b"x").unwrap();
    assert!(tree.node(x).live().unwrap().implicit);
}

#[test]
fn deleted_then_readded_path_has_the_whole_history() {
    let (tree, _) = build(vec![
        vec![testimage::file("f", "1")],
        vec![testimage::whiteout("f")],
        vec![testimage::file("f", "22")],
    ]);
    assert_eq!(
        ops(&tree, "f"),
        vec![(0, Op::Added), (1, Op::Removed), (2, Op::Added)]
    );
    let f = tree.node(tree.lookup(b"f").unwrap());
    assert_eq!(f.state_at(0).unwrap().size, 1);
    assert!(f.state_at(1).is_none());
    assert_eq!(f.state_at(2).unwrap().size, 2);
}

#[test]
fn duplicate_entries_in_one_layer_last_wins() {
    let (tree, dive) = build(vec![vec![
        testimage::file("f", "first"),
        testimage::file("f", "second!"),
    ]]);
    assert_eq!(ops(&tree, "f"), vec![(0, Op::Added)]);
    assert_eq!(
        tree.node(tree.lookup(b"f").unwrap()).live().unwrap().size,
        7
    );
    // dive's layer size adds every tar entry.
    assert_eq!(dive.layer_sizes(), &[12]);
}

#[test]
fn hard_links_count_once() {
    let (tree, dive) = build(vec![vec![
        testimage::file("a", "0123456789"),
        testimage::hardlink("b", "a"),
    ]]);
    assert_eq!(tree.live_bytes(), 10);
    assert_eq!(dive.layer_sizes(), &[10]);
}

#[test]
fn hard_link_keeps_content_alive_after_its_target_is_deleted() {
    let (tree, _) = build(vec![
        vec![
            testimage::file("a", "0123456789"),
            testimage::hardlink("b", "a"),
            testimage::hardlink("c", "a"),
        ],
        vec![testimage::whiteout("a")],
    ]);
    assert_eq!(tree.live_bytes(), 10, "b and c share one copy");
}

#[test]
fn resolve_follows_symlinked_directories_but_not_the_last_link() {
    let (tree, _) = build(vec![vec![
        testimage::dir("usr/lib"),
        testimage::file("usr/lib/libc.so.6", "c"),
        testimage::symlink("lib", "usr/lib"),
        testimage::symlink("usr/lib/abs", "/usr/lib"),
        testimage::symlink("loop", "loop"),
        testimage::symlink("usr/lib/libc.so", "libc.so.6"),
    ]]);
    let real = tree.lookup(b"usr/lib/libc.so.6").unwrap();
    assert_eq!(tree.resolve(b"lib/libc.so.6"), Some(real));
    assert_eq!(tree.resolve(b"lib/abs/libc.so.6"), Some(real));
    assert_eq!(tree.resolve(b"lib/../lib/libc.so.6"), Some(real));
    assert_eq!(tree.resolve(b"loop/x"), None);
    assert_eq!(
        tree.resolve(b"lib/libc.so"),
        tree.lookup(b"usr/lib/libc.so"),
        "the last link stays"
    );
}

#[test]
fn whiteout_of_missing_path_is_harmless() {
    let (tree, _) = build(vec![
        vec![testimage::file("a", "1")],
        vec![testimage::whiteout("nope/x")],
    ]);
    assert_eq!(live(&tree), vec!["a file", "nope dir"]);
}

#[test]
fn dive_counts_overwritten_files_as_waste() {
    let (_, dive) = build(vec![
        vec![
            testimage::file("a", "x".repeat(100)),
            testimage::file("b", "y".repeat(50)),
        ],
        vec![testimage::file("a", "z".repeat(30))],
    ]);
    let m = dive.metrics();
    // a: 100 + 30 (min 30); b: 50.  efficiency = (30 + 50) / (130 + 50)
    assert_eq!(m.wasted_bytes, 130);
    assert!((m.efficiency - 80.0 / 180.0).abs() < 1e-12);
    assert_eq!(m.user_wasted_percent, Some(130.0 / 30.0));
}

#[test]
fn dive_counts_file_whiteouts_but_not_directory_whiteouts() {
    let (_, dive) = build(vec![
        vec![
            testimage::dir("c"),
            testimage::file("c/big", "x".repeat(1000)),
            testimage::file("f", "y".repeat(10)),
        ],
        vec![testimage::whiteout("c"), testimage::whiteout("f")],
    ]);
    let m = dive.metrics();
    // f: 10 + 0 -> wasted 10. c: leaf in layer 1 only as its whiteout, sized 1000;
    // c/big once. Neither is "in two layers", so dive misses the 1000 bytes.
    assert_eq!(m.wasted_bytes, 10);
    // minimum: f 0, c 1000, c/big 1000; cumulative: f 10, c 1000, c/big 1000.
    let (min, cum) = (2000, 2010);
    assert!((m.efficiency - min as f64 / cum as f64).abs() < 1e-12);
    assert_eq!(
        m.user_wasted_percent, None,
        "layer 1 is empty: dive divides by zero"
    );
}

#[test]
fn dive_ignores_opaque_markers() {
    // dive never sees the opaque marker, so the hidden d/old is invisible to it.
    let (tree, dive) = build(vec![
        vec![
            testimage::dir("d"),
            testimage::file("d/old", "o".repeat(500)),
        ],
        vec![
            testimage::dir("d"),
            testimage::opaque("d"),
            testimage::file("d/new", "n".repeat(20)),
        ],
    ]);
    assert_eq!(dive.metrics().wasted_bytes, 0);
    assert_eq!(tree.live_bytes(), 20);
}

#[test]
fn dive_sizes_directory_whiteouts_from_its_own_stacking() {
    // Layer 1 replaces the directory `d` with a file; dive keeps d's children in
    // its stacked tree, but the payload is now a file, so the later whiteout of
    // `d` counts 0 in dive.
    let (_, dive) = build(vec![
        vec![testimage::dir("d"), testimage::file("d/x", "x".repeat(40))],
        vec![testimage::file("d", "f".repeat(5))],
        vec![testimage::whiteout("d")],
    ]);
    // Paths: d/x 40 once; d: 5 (layer1) + 0 (whiteout of a "file") -> wasted 5.
    let m = dive.metrics();
    assert_eq!(m.wasted_bytes, 5);
}

#[test]
fn deep_paths_are_merged_without_recursion() {
    let deep = vec!["d"; 10_000].join("/");
    let (tree, _) = build(vec![
        vec![testimage::file(&deep, "x")],
        vec![testimage::whiteout("d")],
    ]);
    assert_eq!(live(&tree), Vec::<String>::new());
}

#[test]
fn a_tree_survives_its_encoding_node_for_node() {
    let (tree, _) = build(vec![
        vec![
            testimage::dir("a"),
            testimage::file("a/x", "1"),
            testimage::symlink("a/l", "x"),
            testimage::file("f", "333"),
        ],
        vec![testimage::whiteout("f"), testimage::file("a/x", "22")],
        vec![testimage::file("deep/er/z", "4444")],
    ]);
    let mut w = crate::layer::codec::Writer::default();
    tree.encode_into(&mut w.0).unwrap();
    let back = MergedTree::from_encoding(w.0.clone().into()).expect("checks");
    assert_eq!(back.layer_count(), tree.layer_count());
    assert_eq!(back.len(), tree.len());
    for (id, n) in tree.nodes() {
        let b = back.node(id);
        assert_eq!(
            (&b.name, b.parent, &b.children),
            (&n.name, n.parent, &n.children)
        );
        assert_eq!(b.history[..], n.history[..]);
        assert_eq!(
            back.lookup(&tree.path(id)),
            Some(id),
            "the index is rebuilt"
        );
    }
    assert_eq!(back.live_bytes(), tree.live_bytes());
    // Cut anywhere, or with a byte more, it is refused rather than half-read.
    for cut in [0, 7, w.0.len() / 2, w.0.len() - 1] {
        assert!(MergedTree::from_encoding(w.0[..cut].into()).is_none());
    }
    let mut longer = w.0.clone();
    longer.push(0);
    assert!(MergedTree::from_encoding(longer.into()).is_none());
}

#[test]
fn the_cap_stops_a_layer_before_the_tree_grows_past_it() {
    let deep = layer(vec![testimage::file("a/b/c/d/e", "x")]);
    // Creating the nodes (the dive tally's pass) stops at the cap.
    let mut tree = MergedTree::default();
    tree.set_cap(3);
    let mut dive = DiveTally::default();
    assert_eq!(dive.observe(&mut tree, &deep), Err(Full));
    assert_eq!(tree.len(), 4, "the root and three nodes");
    // So does recording changes: five paths, four implied directories.
    let mut tree = MergedTree::default();
    tree.set_cap(4);
    assert_eq!(tree.push_layer(&deep), Err(Full));
    assert_eq!(tree.changes(), 4);
    let mut tree = MergedTree::default();
    tree.set_cap(5);
    assert_eq!(tree.push_layer(&deep), Ok(0));
    assert_eq!(tree.changes(), 5);
    // A whiteout's removals count too.
    let gone = layer(vec![testimage::whiteout("a")]);
    assert_eq!(tree.push_layer(&gone), Err(Full));
    tree.set_cap(10);
    assert_eq!(tree.push_layer(&gone), Ok(2));
    assert_eq!(tree.changes(), 10);
}
